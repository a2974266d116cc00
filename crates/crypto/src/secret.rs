//! Types that hold secrets: zeroized on drop, never printed, never serialized.

use std::fmt;

use zeroize::Zeroizing;

/// Plaintext data: what a caller encrypts, a decrypted result, a data key, random bytes.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Hands the bytes over, still zeroizing, to be written into a response body.
    pub fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Plaintext(..)")
    }
}

/// Key material of a KMS key, in the stable encoding of its key spec (raw bytes for
/// symmetric and HMAC keys, PKCS#8 for the others; see [`crate::keygen`]). Leaves this
/// process only sealed (see `trent-seal`).
pub struct KeyMaterial(Zeroizing<Vec<u8>>);

impl KeyMaterial {
    /// 256 bits from the CSPRNG: the material of a SYMMETRIC_DEFAULT key (the same as
    /// `generate(KeySpec::SymmetricDefault)`).
    pub fn generate_symmetric() -> Result<Self, crate::CryptoError> {
        let mut buf = Zeroizing::new(vec![0u8; 32]);
        aws_lc_rs::rand::fill(&mut buf).map_err(|_| crate::CryptoError)?;
        Ok(Self(buf))
    }

    /// Takes material that was just unsealed.
    pub fn from_unsealed(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The raw bytes, for sealing them at rest or preparing a key. Nothing else should call
    /// this: material must not leave the process except sealed.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_bytes() {
        let p = Plaintext::new(Zeroizing::new(b"hunter2".to_vec()));
        assert_eq!(format!("{p:?}"), "Plaintext(..)");
        let m = KeyMaterial::generate_symmetric().unwrap();
        assert_eq!(format!("{m:?}"), "KeyMaterial(..)");
        assert_eq!(m.expose_secret().len(), 32);
    }
}
