//! SM2 (GB/T 32918), which AWS-LC does not offer, from RustCrypto's `sm2` crate: SM2DSA with
//! the default distinguishing ID AWS KMS uses, SM2PKE with ASN.1 DER ciphertexts (C1C3C2, as
//! GM/T 0009 and OpenSSL encode them), and ECDH on the SM2 curve.
//!
//! Key material is PKCS#8 (id-ecPublicKey with the SM2 curve OID 1.2.156.10197.1.301), the
//! public key a SubjectPublicKeyInfo of the same algorithm. Only the `SecretKey` lives long
//! (it zeroizes on drop); the crate's signing and decrypting keys, which do not, are built per
//! operation and dropped at once.

use sm2::dsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use sm2::dsa::signature::{RandomizedSigner, Verifier};
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::rand_core::{TryCryptoRng, TryRng};
use sm2::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use sm2::{PublicKey, SecretKey};
use trent_types::MessageType;
use zeroize::Zeroizing;

use crate::{CryptoError, KeyOpError};

/// The distinguishing ID AWS KMS hashes into Z_A for SM2DSA (GB/T 32918's default).
pub const SM2_DEFAULT_DISTINGUISHING_ID: &str = "1234567812345678";

/// A fresh SM2 private key as PKCS#8.
pub(crate) fn generate_pkcs8() -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let secret = loop {
        let mut bytes = Zeroizing::new([0u8; 32]);
        aws_lc_rs::rand::fill(&mut bytes[..]).map_err(|_| CryptoError)?;
        // Out of range (zero or ≥ n) with probability about 2^-32: draw again.
        if let Ok(secret) = SecretKey::from_slice(&bytes[..]) {
            break secret;
        }
    };
    let der = secret.to_pkcs8_der().map_err(|_| CryptoError)?;
    Ok(Zeroizing::new(der.as_bytes().to_vec()))
}

/// An SM2 private key given as PKCS#8, re-encoded as [`generate_pkcs8`] encodes keys.
pub(crate) fn normalized_pkcs8(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let secret = SecretKey::from_pkcs8_der(der).map_err(|_| CryptoError)?;
    let der = secret.to_pkcs8_der().map_err(|_| CryptoError)?;
    Ok(Zeroizing::new(der.as_bytes().to_vec()))
}

/// An SM2 private key with its public key.
pub(crate) struct Sm2Private {
    secret: SecretKey,
    public: Sm2Public,
}

impl Sm2Private {
    pub(crate) fn from_pkcs8(der: &[u8]) -> Result<Self, CryptoError> {
        let secret = SecretKey::from_pkcs8_der(der).map_err(|_| CryptoError)?;
        let public = Sm2Public::new(secret.public_key())?;
        Ok(Self { secret, public })
    }

    pub(crate) fn public(&self) -> &Sm2Public {
        &self.public
    }

    /// SM2DSA over a RAW message (Z_A with the default ID, then SM3) or over a DIGEST
    /// `e = SM3(Z_A || M)` the caller computed. A DER `SEQUENCE { r, s }`.
    pub(crate) fn sign(
        &self,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let key = sm2::dsa::SigningKey::new(SM2_DEFAULT_DISTINGUISHING_ID, &self.secret)
            .map_err(|_| CryptoError)?;
        let signature: sm2::dsa::Signature = match message_type {
            MessageType::Raw => key.try_sign_with_rng(&mut SystemRng, message),
            MessageType::Digest => key.sign_prehash_with_rng(&mut SystemRng, message),
            MessageType::ExternalMu => return Err(CryptoError),
        }
        .map_err(|_| CryptoError)?;
        Ok(signature.to_der().to_vec())
    }

    /// SM2PKE decryption of a DER ciphertext.
    pub(crate) fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let key = sm2::pke::DecryptingKey::new_with_mode(
            self.secret.to_nonzero_scalar(),
            sm2::pke::Mode::C1C3C2,
        );
        key.decrypt_der(ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| CryptoError)
    }

    /// The x-coordinate of `d · Q_peer`, for a peer SubjectPublicKeyInfo on the SM2 curve.
    pub(crate) fn ecdh(&self, peer_spki: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOpError> {
        let peer =
            PublicKey::from_public_key_der(peer_spki).map_err(|_| KeyOpError::InvalidPublicKey)?;
        let shared = (peer.to_projective() * *self.secret.to_nonzero_scalar()).to_affine();
        Ok(Zeroizing::new(shared.x().to_vec()))
    }
}

/// An SM2 public key, prepared for verifying and encrypting.
pub(crate) struct Sm2Public {
    key: PublicKey,
    verifying: sm2::dsa::VerifyingKey,
    spki: Vec<u8>,
}

impl Sm2Public {
    fn new(key: PublicKey) -> Result<Self, CryptoError> {
        let verifying = sm2::dsa::VerifyingKey::new(SM2_DEFAULT_DISTINGUISHING_ID, key)
            .map_err(|_| CryptoError)?;
        let spki = key.to_public_key_der().map_err(|_| CryptoError)?.into_vec();
        Ok(Self {
            key,
            verifying,
            spki,
        })
    }

    pub(crate) fn from_spki(der: &[u8]) -> Result<Self, CryptoError> {
        Self::new(PublicKey::from_public_key_der(der).map_err(|_| CryptoError)?)
    }

    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    pub(crate) fn verify(
        &self,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let Ok(signature) = sm2::dsa::Signature::from_der(signature) else {
            return false;
        };
        match message_type {
            MessageType::Raw => self.verifying.verify(message, &signature).is_ok(),
            MessageType::Digest => self.verifying.verify_prehash(message, &signature).is_ok(),
            MessageType::ExternalMu => false,
        }
    }

    /// SM2PKE encryption: a DER `SEQUENCE { x, y, C3 (SM3), C2 }`.
    pub(crate) fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        sm2::pke::EncryptingKey::new_with_mode(self.key, sm2::pke::Mode::C1C3C2)
            .encrypt_der(&mut SystemRng, plaintext)
            .map_err(|_| CryptoError)
    }
}

/// The system CSPRNG through aws-lc-rs, for the `sm2` crate's hedged signatures and ephemeral
/// encryption keys.
struct SystemRng;

impl TryRng for SystemRng {
    type Error = CryptoError;

    fn try_next_u32(&mut self) -> Result<u32, CryptoError> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, CryptoError> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::fill(dst).map_err(|_| CryptoError)
    }
}

impl TryCryptoRng for SystemRng {}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Sm2Private {
        Sm2Private::from_pkcs8(&generate_pkcs8().unwrap()).unwrap()
    }

    #[test]
    fn sign_verify_raw_and_digest() {
        let k = key();
        let sig = k.sign(MessageType::Raw, b"hello").unwrap();
        assert!(k.public().verify(MessageType::Raw, b"hello", &sig));
        assert!(!k.public().verify(MessageType::Raw, b"hellp", &sig));
        let e = [7u8; 32];
        let sig = k.sign(MessageType::Digest, &e).unwrap();
        assert!(k.public().verify(MessageType::Digest, &e, &sig));
        assert!(!k.public().verify(MessageType::Raw, &e, &sig));
        assert!(
            !k.public()
                .verify(MessageType::Digest, &e, &sig[..sig.len() - 1])
        );
    }

    #[test]
    fn encrypt_decrypt() {
        let k = key();
        let ct = k.public().encrypt(b"attack at dawn").unwrap();
        assert_eq!(&*k.decrypt(&ct).unwrap(), b"attack at dawn");
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(k.decrypt(&bad).is_err());
        assert!(key().decrypt(&ct).is_err());
    }

    #[test]
    fn ecdh_agrees() {
        let (a, b) = (key(), key());
        let ab = a.ecdh(b.public().spki()).unwrap();
        let ba = b.ecdh(a.public().spki()).unwrap();
        assert_eq!(*ab, *ba);
        assert_eq!(ab.len(), 32);
        assert_eq!(a.ecdh(&[0x30, 0x00]), Err(KeyOpError::InvalidPublicKey));
    }

    #[test]
    fn spki_round_trips() {
        let k = key();
        let p = Sm2Public::from_spki(k.public().spki()).unwrap();
        assert_eq!(p.spki(), k.public().spki());
        // id-ecPublicKey with the SM2 curve OID.
        let spki = crate::der::parse_spki(p.spki()).unwrap();
        assert_eq!(spki.algorithm, crate::der::oid::EC_PUBLIC_KEY);
        let mut params = crate::der::Reader::new(spki.parameters.unwrap());
        assert_eq!(
            params.read(crate::der::OID).unwrap(),
            crate::der::oid::SM2_CURVE
        );
    }
}
