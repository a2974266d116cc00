//! Every cryptographic operation of Trent, over aws-lc-rs, and the types that hold secrets.
//!
//! This crate owns key material ([`KeyMaterial`]: generation for every AWS KMS key spec and
//! its stable encoding, see [`keygen`]), prepared keys — [`SymmetricKey`], [`SigningKey`] /
//! [`VerifyingKey`], [`DecryptionKey`] / [`EncryptionKey`], [`MacKey`], [`AgreementKey`],
//! [`KemKey`] / [`KemPublicKey`], and [`PreparedKey`] over them all — data key pairs, the
//! tables of what AWS allows for each key spec ([`spec`]), the symmetric ciphertext blob codec
//! ([`ciphertext`]), the generic authenticated sealing used for material at rest ([`aead`]),
//! the wrapping keys and unwrapping of imported key material, checked and normalised
//! ([`import`]), and randomness. Secret-holding types zeroize on drop (or are AWS-LC objects, which clear
//! their memory when freed), print as `Type(..)` or show only their key spec in `Debug`, and
//! implement neither `Serialize` nor `Clone`.
//!
//! Algorithms come from aws-lc-rs; the few AWS-LC functions it does not wrap (Ed25519ph,
//! ML-DSA over an external μ, ML-KEM seed expansion) are called in the `ffi` module, the only
//! one with unsafe code; SM2, which AWS-LC lacks, comes from RustCrypto's `sm2` crate.
//!
//! It must never choose what a caller may do (policy and key states live in `trent-core`),
//! never log, and never explain a cryptographic failure: that is the detail-free
//! [`CryptoError`], which the outer layer turns into `InvalidCiphertextException` or an
//! internal error. The one thing it does say is what was wrong with a *request* the key could
//! never serve — an unsupported algorithm, a digest of the wrong length, a plaintext too long,
//! a peer key not on the curve — as a [`KeyOpError`] variant, so that the service can answer
//! with AWS's `ValidationException` or `InvalidKeyUsageException`.

pub mod aead;
mod agreement;
pub mod ciphertext;
mod der;
mod encryption;
mod ffi;
pub mod import;
mod kem;
pub mod keygen;
mod mac;
mod prepared;
mod secret;
mod signing;
mod sm2;
pub mod spec;
mod symmetric;
pub mod token;

pub use agreement::AgreementKey;
pub use encryption::{DecryptionKey, EncryptionKey};
pub use import::WrappingKey;
pub use kem::{KemKey, KemPublicKey};
pub use keygen::{DataKeyPair, generate_data_key_pair, public_key_der};
pub use mac::MacKey;
pub use prepared::PreparedKey;
pub use secret::{KeyMaterial, Plaintext};
pub use signing::{SigningKey, VerifyingKey};
pub use sm2::SM2_DEFAULT_DISTINGUISHING_ID;
pub use symmetric::SymmetricKey;

/// A cryptographic operation failed. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CryptoError;

impl std::fmt::Display for CryptoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cryptographic operation failed")
    }
}

impl std::error::Error for CryptoError {}

/// Why an operation on a prepared key did not happen. Every variant but [`Self::Crypto`]
/// describes the request, not the key or the data, and is safe to report to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyOpError {
    /// The algorithm is not one the key's spec supports (AWS: `InvalidKeyUsageException`).
    #[error("the algorithm is not supported by this key")]
    UnsupportedAlgorithm,
    /// The signing algorithm does not take this message type, e.g. ED25519_SHA_512 with a
    /// DIGEST (AWS: `ValidationException`).
    #[error("the message type is not supported by this signing algorithm")]
    UnsupportedMessageType,
    /// A DIGEST or EXTERNAL_MU message whose length is not the algorithm's digest or μ length
    /// (AWS: `ValidationException`).
    #[error("the digest length does not match the signing algorithm")]
    DigestLength,
    /// A RAW message longer than the 4096 bytes `Sign` and `Verify` take.
    #[error("the message is too long")]
    MessageTooLong,
    /// More plaintext than the key and algorithm can encrypt ([`spec::max_plaintext_len`]).
    #[error("the plaintext is too long for this key and algorithm")]
    PlaintextTooLarge,
    /// A peer public key that is not a SubjectPublicKeyInfo of a point on the key's curve.
    #[error("the public key is not valid for this key")]
    InvalidPublicKey,
    /// An ML-KEM ciphertext of the wrong length for the key's parameter set.
    #[error("the ciphertext length is not valid for this key")]
    CiphertextLength,
    /// The operation itself failed; deliberately says nothing more (see [`CryptoError`]).
    #[error("cryptographic operation failed")]
    Crypto,
}

impl From<CryptoError> for KeyOpError {
    fn from(_: CryptoError) -> Self {
        Self::Crypto
    }
}

/// `n` bytes from the system's CSPRNG, in a zeroizing buffer.
pub fn random_bytes(n: usize) -> Result<Plaintext, CryptoError> {
    let mut buf = zeroize::Zeroizing::new(vec![0u8; n]);
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| CryptoError)?;
    Ok(Plaintext::new(buf))
}

/// A fresh random key material id.
pub fn random_material_id() -> Result<trent_types::MaterialId, CryptoError> {
    let mut id = [0u8; 32];
    aws_lc_rs::rand::fill(&mut id).map_err(|_| CryptoError)?;
    Ok(trent_types::MaterialId(id))
}
