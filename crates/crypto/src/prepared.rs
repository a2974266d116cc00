//! One type for "a KMS key's material, prepared for its usage": what the key cache holds.

use trent_types::{KeySpec, KeyUsage, MaterialId};

use crate::{
    AgreementKey, CryptoError, DecryptionKey, KemKey, KeyMaterial, MacKey, SigningKey,
    SymmetricKey, spec,
};

/// A key material prepared once (key schedules computed, keys parsed) for the operations
/// its key's usage allows.
#[derive(Debug)]
pub enum PreparedKey {
    /// SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT.
    Symmetric(SymmetricKey),
    /// SIGN_VERIFY: RSA, ECC, Ed25519, ML-DSA, SM2.
    Signing(SigningKey),
    /// ENCRYPT_DECRYPT with an RSA or SM2 key.
    Decryption(DecryptionKey),
    /// GENERATE_VERIFY_MAC: HMAC_*.
    Mac(MacKey),
    /// KEY_AGREEMENT: ECC_NIST_* or SM2.
    Agreement(AgreementKey),
    /// ENCAPSULATE_DECAPSULATE: ML_KEM_*.
    Kem(KemKey),
}

impl PreparedKey {
    /// Prepares `material` of a key of `spec` and `usage`; fails for a pair AWS does not
    /// allow or material that is not a key of `spec`. `material_id` matters only to symmetric
    /// keys, whose ciphertexts name the material that made them.
    pub fn new(
        spec: KeySpec,
        usage: KeyUsage,
        material_id: MaterialId,
        material: &KeyMaterial,
    ) -> Result<Self, CryptoError> {
        if !spec::allows_usage(spec, usage) {
            return Err(CryptoError);
        }
        Ok(match (spec, usage) {
            (KeySpec::SymmetricDefault, _) => {
                Self::Symmetric(SymmetricKey::new(material_id, material)?)
            }
            (_, KeyUsage::SignVerify) => Self::Signing(SigningKey::new(spec, material)?),
            (_, KeyUsage::EncryptDecrypt) => Self::Decryption(DecryptionKey::new(spec, material)?),
            (_, KeyUsage::GenerateVerifyMac) => Self::Mac(MacKey::new(spec, material)?),
            (_, KeyUsage::KeyAgreement) => Self::Agreement(AgreementKey::new(spec, material)?),
            (_, KeyUsage::EncapsulateDecapsulate) => Self::Kem(KemKey::new(spec, material)?),
        })
    }

    /// The DER SubjectPublicKeyInfo for `GetPublicKey`; `None` for symmetric and HMAC keys.
    pub fn public_key_der(&self) -> Option<&[u8]> {
        match self {
            Self::Symmetric(_) | Self::Mac(_) => None,
            Self::Signing(k) => Some(k.public_key_der()),
            Self::Decryption(k) => Some(k.public_key_der()),
            Self::Agreement(k) => Some(k.public_key_der()),
            Self::Kem(k) => Some(k.public_key_der()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key cache shares prepared keys between request threads.
    #[test]
    fn prepared_keys_are_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<PreparedKey>();
        shareable::<crate::VerifyingKey>();
        shareable::<crate::EncryptionKey>();
        shareable::<crate::KemPublicKey>();
    }

    #[test]
    fn refused_pairs_do_not_prepare() {
        let m = KeyMaterial::generate(KeySpec::EccSecgP256k1).unwrap();
        let id = MaterialId([0; 32]);
        assert!(PreparedKey::new(KeySpec::EccSecgP256k1, KeyUsage::KeyAgreement, id, &m).is_err());
        assert!(PreparedKey::new(KeySpec::EccSecgP256k1, KeyUsage::SignVerify, id, &m).is_ok());
    }
}
