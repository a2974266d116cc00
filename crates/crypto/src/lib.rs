//! Every cryptographic operation of Trent, over aws-lc-rs, and the types that hold secrets.
//!
//! This crate owns key material ([`KeyMaterial`]), prepared keys ([`SymmetricKey`]), the
//! symmetric ciphertext blob codec ([`ciphertext`]), the generic authenticated sealing used for
//! material at rest ([`aead`]), and randomness. Secret-holding types zeroize on drop, print as
//! `Type(..)` in `Debug`, and implement neither `Serialize` nor `Clone`.
//!
//! It must never choose what a caller may do (policy and key states live in `trent-core`),
//! never log, and never explain a failure: every error is the detail-free [`CryptoError`];
//! the outer layer turns it into `InvalidCiphertextException` or an internal error.

pub mod aead;
pub mod ciphertext;
mod secret;
mod symmetric;

pub use secret::{KeyMaterial, Plaintext};
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
