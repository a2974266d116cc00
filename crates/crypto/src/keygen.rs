//! Key generation for every key spec, and data key pairs.
//!
//! What [`KeyMaterial::generate`] returns is what gets sealed and later prepared again, so its
//! encoding is stable and standard:
//!
//! | spec | material |
//! | --- | --- |
//! | SYMMETRIC_DEFAULT | 32 random bytes (the AES-256 key) |
//! | HMAC_224 / 256 / 384 / 512 | 28 / 32 / 48 / 64 random bytes (the HMAC key) |
//! | RSA_2048 / 3072 / 4096 | PKCS#8 v1 `rsaEncryption` (e = 65537) |
//! | ECC_NIST_P256 / P384 / P521, ECC_SECG_P256K1 | PKCS#8 v1 `id-ecPublicKey` with the named curve, public key included |
//! | ECC_NIST_EDWARDS25519 | PKCS#8 v1 `id-Ed25519` (RFC 8410: the 32-byte seed) |
//! | ML_DSA_44 / 65 / 87 | PKCS#8 `id-ml-dsa-*` in seed form (the 32-byte ξ, RFC 9881) |
//! | ML_KEM_512 / 768 / 1024 | PKCS#8 `id-alg-ml-kem-*` in seed form (the 64-byte `d ‖ z`, RFC 9935) |
//! | SM2 | PKCS#8 `id-ecPublicKey` with the SM2 curve (1.2.156.10197.1.301) |
//!
//! RSA-4096 generation takes about a second; the caller runs it on a blocking thread.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, Ed25519KeyPair, PqdsaKeyPair};
use trent_types::{DataKeyPairSpec, KeySpec};
use zeroize::Zeroizing;

use crate::{
    CryptoError, DecryptionKey, KemKey, KeyMaterial, Plaintext, SigningKey, kem, sm2, spec,
};

impl KeyMaterial {
    /// Fresh material for a key of `spec` (see the module documentation for its encoding).
    pub fn generate(spec: KeySpec) -> Result<Self, CryptoError> {
        let bytes = match spec {
            KeySpec::SymmetricDefault => random(32)?,
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                random(spec::hmac_key_len(spec).ok_or(CryptoError)?)?
            }
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let size = match spec {
                    KeySpec::Rsa2048 => KeySize::Rsa2048,
                    KeySpec::Rsa3072 => KeySize::Rsa3072,
                    _ => KeySize::Rsa4096,
                };
                let pair = RsaKeyPair::generate(size).map_err(|_| CryptoError)?;
                secret_der(pair.as_der().map(|d| d.as_ref().to_vec()))?
            }
            KeySpec::EccNistP256
            | KeySpec::EccNistP384
            | KeySpec::EccNistP521
            | KeySpec::EccSecgP256k1 => {
                let alg = match spec {
                    KeySpec::EccNistP256 => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                    KeySpec::EccNistP384 => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                    KeySpec::EccNistP521 => &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
                    _ => &sig::ECDSA_P256K1_SHA256_ASN1_SIGNING,
                };
                let pair = EcdsaKeyPair::generate(alg).map_err(|_| CryptoError)?;
                secret_der(pair.to_pkcs8v1())?
            }
            KeySpec::EccNistEdwards25519 => {
                let pair = Ed25519KeyPair::generate().map_err(|_| CryptoError)?;
                secret_der(pair.to_pkcs8v1())?
            }
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => {
                let alg = match spec {
                    KeySpec::MlDsa44 => &sig::ML_DSA_44_SIGNING,
                    KeySpec::MlDsa65 => &sig::ML_DSA_65_SIGNING,
                    _ => &sig::ML_DSA_87_SIGNING,
                };
                let pair = PqdsaKeyPair::generate(alg).map_err(|_| CryptoError)?;
                secret_der(pair.to_pkcs8v1())?
            }
            KeySpec::MlKem512 | KeySpec::MlKem768 | KeySpec::MlKem1024 => {
                kem::generate_pkcs8(spec)?
            }
            KeySpec::Sm2 => sm2::generate_pkcs8()?,
        };
        Ok(Self::from_unsealed(bytes))
    }
}

/// A data key pair: the private key as PKCS#8 DER and the public key as a DER
/// SubjectPublicKeyInfo, in the same encodings a KMS key of the same spec uses.
#[derive(Debug)]
pub struct DataKeyPair {
    /// The private key: encrypted under a symmetric KMS key for both operations, and returned
    /// in the clear only by `GenerateDataKeyPair`.
    pub private_key: Plaintext,
    pub public_key: Vec<u8>,
}

/// A fresh data key pair of `spec`.
pub fn generate_data_key_pair(spec: DataKeyPairSpec) -> Result<DataKeyPair, CryptoError> {
    let key_spec = spec::data_key_pair_key_spec(spec);
    let material = KeyMaterial::generate(key_spec)?;
    let public_key = public_key_der(key_spec, &material)?;
    Ok(DataKeyPair {
        private_key: Plaintext::new(Zeroizing::new(material.expose_secret().to_vec())),
        public_key,
    })
}

/// The DER SubjectPublicKeyInfo of the asymmetric private key `material` of `spec`.
pub fn public_key_der(spec: KeySpec, material: &KeyMaterial) -> Result<Vec<u8>, CryptoError> {
    let der = match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            DecryptionKey::new(spec, material)?
                .public_key_der()
                .to_vec()
        }
        KeySpec::MlKem512 | KeySpec::MlKem768 | KeySpec::MlKem1024 => {
            KemKey::new(spec, material)?.public_key_der().to_vec()
        }
        KeySpec::SymmetricDefault
        | KeySpec::Hmac224
        | KeySpec::Hmac256
        | KeySpec::Hmac384
        | KeySpec::Hmac512 => return Err(CryptoError),
        _ => SigningKey::new(spec, material)?.public_key_der().to_vec(),
    };
    Ok(der)
}

fn random(n: usize) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let mut buf = Zeroizing::new(vec![0u8; n]);
    aws_lc_rs::rand::fill(&mut buf).map_err(|_| CryptoError)?;
    Ok(buf)
}

/// Copies a DER private key out of an aws-lc-rs buffer (which zeroizes itself) into ours.
fn secret_der<T: AsRef<[u8]>>(
    der: Result<T, aws_lc_rs::error::Unspecified>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    der.map(|d| Zeroizing::new(d.as_ref().to_vec()))
        .map_err(|_| CryptoError)
}
