//! SYMMETRIC_DEFAULT keys: AES-256-GCM over the version 1 ciphertext blob.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use trent_types::{EncryptionContext, MaterialId};
use zeroize::Zeroizing;

use crate::aead::fresh_nonce_bytes;
use crate::ciphertext::{self, Parsed};
use crate::{CryptoError, KeyMaterial, Plaintext};

/// One material of a symmetric KMS key, prepared for use (the AES key schedule is computed
/// once, when the material enters the key cache).
pub struct SymmetricKey {
    material_id: MaterialId,
    key: LessSafeKey,
}

impl SymmetricKey {
    pub fn new(material_id: MaterialId, material: &KeyMaterial) -> Result<Self, CryptoError> {
        let unbound =
            UnboundKey::new(&AES_256_GCM, material.expose_secret()).map_err(|_| CryptoError)?;
        Ok(Self {
            material_id,
            key: LessSafeKey::new(unbound),
        })
    }

    pub fn material_id(&self) -> &MaterialId {
        &self.material_id
    }

    /// Encrypts `plaintext` for the key `key_id` into a version 1 blob bound to `context`.
    pub fn encrypt(
        &self,
        key_id: &str,
        context: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let nonce_bytes = fresh_nonce_bytes()?;
        let mut out = Vec::with_capacity(ciphertext::blob_len(key_id, plaintext.len()));
        ciphertext::write_header(&mut out, key_id, &self.material_id, &nonce_bytes)?;
        let header_len = out.len();
        let aad = aad(&out, context);
        out.extend_from_slice(plaintext);
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(&aad), &mut out[header_len..])
            .map_err(|_| CryptoError)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Decrypts a parsed blob whose material id is this key's. Any mismatch — another
    /// material, another context, a changed byte — fails the same way.
    pub fn decrypt(
        &self,
        blob: &Parsed<'_>,
        context: &EncryptionContext,
    ) -> Result<Plaintext, CryptoError> {
        if blob.material_id != self.material_id {
            return Err(CryptoError);
        }
        let aad = aad(blob.header, context);
        let mut buf = Zeroizing::new(blob.sealed.to_vec());
        let nonce = Nonce::assume_unique_for_key(blob.nonce);
        let len = self
            .key
            .open_in_place(nonce, Aad::from(&aad), &mut buf)
            .map_err(|_| CryptoError)?
            .len();
        buf.truncate(len);
        Ok(Plaintext::new(buf))
    }
}

fn aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + context.canonical_len());
    aad.extend_from_slice(header);
    context.write_canonical(&mut aad);
    aad
}

impl std::fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymmetricKey")
            .field("material_id", &self.material_id)
            .finish_non_exhaustive()
    }
}

const _: () = assert!(NONCE_LEN == 12);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ciphertext::parse;

    const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn key() -> SymmetricKey {
        let m = KeyMaterial::generate_symmetric().unwrap();
        SymmetricKey::new(MaterialId([3; 32]), &m).unwrap()
    }

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .unwrap()
    }

    #[test]
    fn round_trip() {
        let k = key();
        let c = ctx(&[("purpose", "test")]);
        let blob = k.encrypt(KEY_ID, &c, b"hello").unwrap();
        assert_eq!(blob.len(), ciphertext::blob_len(KEY_ID, 5));
        let parsed = parse(&blob).unwrap();
        assert_eq!(parsed.key_id, KEY_ID);
        assert_eq!(k.decrypt(&parsed, &c).unwrap().as_bytes(), b"hello");
    }

    #[test]
    fn context_is_bound() {
        let k = key();
        let blob = k.encrypt(KEY_ID, &ctx(&[("a", "1")]), b"x").unwrap();
        let parsed = parse(&blob).unwrap();
        assert!(k.decrypt(&parsed, &ctx(&[("a", "2")])).is_err());
        assert!(k.decrypt(&parsed, &EncryptionContext::new()).is_err());
        assert!(k.decrypt(&parsed, &ctx(&[("a", "1"), ("b", "2")])).is_err());
    }

    #[test]
    fn every_flipped_bit_fails() {
        let k = key();
        let c = EncryptionContext::new();
        let blob = k.encrypt(KEY_ID, &c, b"sixteen byte msg").unwrap();
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut bad = blob.clone();
                bad[i] ^= 1 << bit;
                let ok = parse(&bad).and_then(|p| k.decrypt(&p, &c));
                assert!(ok.is_err(), "flip at byte {i} bit {bit} went unnoticed");
            }
        }
    }

    #[test]
    fn another_key_fails() {
        let a = key();
        let b = key();
        let blob = a.encrypt(KEY_ID, &EncryptionContext::new(), b"x").unwrap();
        let parsed = parse(&blob).unwrap();
        assert!(b.decrypt(&parsed, &EncryptionContext::new()).is_err());
    }

    #[test]
    fn known_answer_aes_256_gcm() {
        // NIST GCM test vector (gcmEncryptExtIV256, Count 0 with 128-bit plaintext):
        // key, iv, pt, ct, tag — through the same aws-lc-rs primitive the blob uses.
        let key = hex("31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22");
        let iv = hex("0d18e06c7c725ac9e362e1ce");
        let pt = hex("2db5168e932556f8089a0622981d017d");
        let ct = hex("fa4362189661d163fcd6a56d8bf0405a");
        let tag = hex("d636ac1bbedd5cc3ee727dc2ab4a9489");
        let k = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).unwrap());
        let mut buf = pt.clone();
        let t = k
            .seal_in_place_separate_tag(
                Nonce::try_assume_unique_for_key(&iv).unwrap(),
                Aad::empty(),
                &mut buf,
            )
            .unwrap();
        assert_eq!(buf, ct);
        assert_eq!(t.as_ref(), &tag[..]);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
