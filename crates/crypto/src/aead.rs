//! AES-256-GCM sealing with a random nonce the caller never sees or chooses.
//!
//! Output: `nonce (12) || ciphertext || tag (16)`. Used to seal key material at rest and to
//! wrap the data-encryption key under a root of trust.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::CryptoError;

pub const TAG_LEN: usize = 16;
pub const KEY_LEN: usize = 32;

/// A prepared AES-256-GCM key for sealing.
pub struct SealingKey(LessSafeKey);

impl SealingKey {
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let unbound = UnboundKey::new(&AES_256_GCM, key).map_err(|_| CryptoError)?;
        Ok(Self(LessSafeKey::new(unbound)))
    }

    /// Seals `plaintext` bound to `aad`.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&fresh_nonce_bytes()?);
        out.extend_from_slice(plaintext);
        let (nonce_bytes, body) = out.split_at_mut(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| CryptoError)?;
        let tag = self
            .0
            .seal_in_place_separate_tag(nonce, Aad::from(aad), body)
            .map_err(|_| CryptoError)?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Opens what [`Self::seal`] produced with the same `aad`.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError);
        }
        let (nonce_bytes, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| CryptoError)?;
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .0
            .open_in_place(nonce, Aad::from(aad), &mut buf)
            .map_err(|_| CryptoError)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

/// 96 random bits. With random nonces a key stays safe for well over 2^32 messages, far
/// beyond what one key material seals in practice.
pub(crate) fn fresh_nonce_bytes() -> Result<[u8; NONCE_LEN], CryptoError> {
    let mut n = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut n).map_err(|_| CryptoError)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let k = SealingKey::new(&[7u8; 32]).unwrap();
        let sealed = k.seal(b"context", b"secret material").unwrap();
        assert_eq!(sealed.len(), 12 + 15 + 16);
        assert_eq!(&*k.open(b"context", &sealed).unwrap(), b"secret material");
        assert_eq!(k.open(b"other", &sealed), Err(CryptoError));
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert_eq!(k.open(b"context", &bad), Err(CryptoError));
        assert_eq!(k.open(b"context", &sealed[..27]), Err(CryptoError));
        let other = SealingKey::new(&[8u8; 32]).unwrap();
        assert_eq!(other.open(b"context", &sealed), Err(CryptoError));
    }

    #[test]
    fn nonces_differ() {
        let k = SealingKey::new(&[7u8; 32]).unwrap();
        assert_ne!(k.seal(b"", b"x").unwrap(), k.seal(b"", b"x").unwrap());
    }

    #[test]
    fn wrong_key_length_is_refused() {
        assert!(SealingKey::new(&[0u8; 16]).is_err());
    }
}
