//! Imported key material (bring your own key): the wrapping key pairs `GetParametersForImport`
//! hands out, unwrapping what a client wrapped under them with each of AWS's wrapping
//! algorithms, and checking (and normalising) the material that comes out.
//!
//! | wrapping algorithm | what the client sends |
//! | --- | --- |
//! | RSAES_OAEP_SHA_1 / _256 | RSAES-OAEP (MGF1 with the same hash, empty label) of the material |
//! | RSA_AES_KEY_WRAP_SHA_1 / _256 | RSAES-OAEP of a fresh AES key, then the material wrapped under that key with AES key wrap with padding (RFC 5649) |
//! | SM2PKE | SM2 public-key encryption (DER, C1C3C2) of the material |
//!
//! Material is what the key's spec holds (see [`crate::keygen`]): 32 bytes for a symmetric
//! key, the raw HMAC key (its spec's length up to the hash's block size), a PKCS#8 private
//! key of the key's spec otherwise. A private key is re-encoded the way Trent encodes the
//! keys it generates, so the same key imported twice, whatever optional fields its PKCS#8
//! carried, is the same material with the same id.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{
    KeyPair as RsaKeyPair, KeySize, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256,
    OaepPrivateDecryptingKey, PrivateDecryptingKey,
};
use aws_lc_rs::signature::EcdsaKeyPair;
use aws_lc_rs::{hmac, signature as sig};
use trent_types::{AlgorithmSpec, KeySpec, KeyUsage, MaterialId, WrappingKeySpec};
use zeroize::Zeroizing;

use crate::sm2::Sm2Private;
use crate::{CryptoError, KeyMaterial, MacKey, Plaintext, PreparedKey, sm2};

/// Whether `algorithm` can be used with a wrapping key of `spec`: the RSA algorithms with RSA
/// wrapping keys, SM2PKE with SM2 ones. RSAES_PKCS1_V1_5 is refused, as AWS has since 2023.
pub fn wrapping_pair_allowed(algorithm: AlgorithmSpec, spec: WrappingKeySpec) -> bool {
    match algorithm {
        AlgorithmSpec::RsaesPkcs1V15 => false,
        AlgorithmSpec::RsaesOaepSha1
        | AlgorithmSpec::RsaesOaepSha256
        | AlgorithmSpec::RsaAesKeyWrapSha1
        | AlgorithmSpec::RsaAesKeyWrapSha256 => spec != WrappingKeySpec::Sm2,
        AlgorithmSpec::Sm2pke => spec == WrappingKeySpec::Sm2,
    }
}

/// Whether `algorithm` can carry material of a key of `spec`: RSA private keys only with an
/// RSA_AES_KEY_WRAP algorithm; symmetric and HMAC material only with RSAES_OAEP or SM2PKE;
/// elliptic-curve keys with any.
pub fn wraps_material_of(algorithm: AlgorithmSpec, spec: KeySpec) -> bool {
    let key_wrap = matches!(
        algorithm,
        AlgorithmSpec::RsaAesKeyWrapSha1 | AlgorithmSpec::RsaAesKeyWrapSha256
    );
    match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => key_wrap,
        KeySpec::SymmetricDefault
        | KeySpec::Hmac224
        | KeySpec::Hmac256
        | KeySpec::Hmac384
        | KeySpec::Hmac512 => !key_wrap && algorithm != AlgorithmSpec::RsaesPkcs1V15,
        _ => algorithm != AlgorithmSpec::RsaesPkcs1V15,
    }
}

/// Whether a key of `spec` may have its material imported: symmetric, HMAC, RSA, the ECC
/// curves and SM2. Ed25519, ML-DSA and ML-KEM keys take only material Trent generates.
pub fn importable(spec: KeySpec) -> bool {
    !matches!(
        spec,
        KeySpec::EccNistEdwards25519
            | KeySpec::MlDsa44
            | KeySpec::MlDsa65
            | KeySpec::MlDsa87
            | KeySpec::MlKem512
            | KeySpec::MlKem768
            | KeySpec::MlKem1024
    )
}

/// The private half of a wrapping key pair. Lives sealed inside an import token between
/// `GetParametersForImport` and `ImportKeyMaterial`, and in memory only while one runs.
pub struct WrappingKey {
    spec: WrappingKeySpec,
    private: WrappingPrivate,
    pkcs8: Zeroizing<Vec<u8>>,
    spki: Vec<u8>,
}

enum WrappingPrivate {
    Rsa(Box<PrivateDecryptingKey>),
    Sm2(Box<Sm2Private>),
}

impl WrappingKey {
    /// A fresh wrapping key pair of `spec`. RSA-4096 takes about a second: run it on a
    /// blocking thread.
    pub fn generate(spec: WrappingKeySpec) -> Result<Self, CryptoError> {
        let pkcs8 = match spec {
            WrappingKeySpec::Sm2 => sm2::generate_pkcs8()?,
            _ => {
                let size = match spec {
                    WrappingKeySpec::Rsa2048 => KeySize::Rsa2048,
                    WrappingKeySpec::Rsa3072 => KeySize::Rsa3072,
                    _ => KeySize::Rsa4096,
                };
                let key = PrivateDecryptingKey::generate(size).map_err(|_| CryptoError)?;
                let der = key.as_der().map_err(|_| CryptoError)?;
                Zeroizing::new(der.as_ref().to_vec())
            }
        };
        Self::from_pkcs8(spec, pkcs8)
    }

    /// The wrapping key `spec` whose private key is the PKCS#8 `pkcs8` (as [`Self::pkcs8`]
    /// returned it). Fails if it is not a key of that spec.
    pub fn from_pkcs8(
        spec: WrappingKeySpec,
        pkcs8: Zeroizing<Vec<u8>>,
    ) -> Result<Self, CryptoError> {
        let (private, spki) = match spec {
            WrappingKeySpec::Sm2 => {
                let key = Sm2Private::from_pkcs8(&pkcs8)?;
                let spki = key.public().spki().to_vec();
                (WrappingPrivate::Sm2(Box::new(key)), spki)
            }
            _ => {
                let key = PrivateDecryptingKey::from_pkcs8(&pkcs8).map_err(|_| CryptoError)?;
                let bits = match spec {
                    WrappingKeySpec::Rsa2048 => 2048,
                    WrappingKeySpec::Rsa3072 => 3072,
                    _ => 4096,
                };
                if key.key_size_bits() != bits {
                    return Err(CryptoError);
                }
                let spki = key
                    .public_key()
                    .as_der()
                    .map_err(|_| CryptoError)?
                    .as_ref()
                    .to_vec();
                (WrappingPrivate::Rsa(Box::new(key)), spki)
            }
        };
        Ok(Self {
            spec,
            private,
            pkcs8,
            spki,
        })
    }

    pub fn spec(&self) -> WrappingKeySpec {
        self.spec
    }

    /// The public key, a DER SubjectPublicKeyInfo: what `GetParametersForImport` returns.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The private key as PKCS#8, to be sealed into an import token and nowhere else.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Unwraps `wrapped` as `algorithm` wraps. Any failure — another wrapping key, a changed
    /// byte, the wrong algorithm — is the same detail-free [`CryptoError`].
    pub fn unwrap(
        &self,
        algorithm: AlgorithmSpec,
        wrapped: &[u8],
    ) -> Result<Plaintext, CryptoError> {
        if !wrapping_pair_allowed(algorithm, self.spec) {
            return Err(CryptoError);
        }
        let plaintext = match (&self.private, algorithm) {
            (WrappingPrivate::Sm2(key), _) => key.decrypt(wrapped)?,
            (WrappingPrivate::Rsa(key), AlgorithmSpec::RsaesOaepSha1) => {
                oaep_decrypt(key, false, wrapped)?
            }
            (WrappingPrivate::Rsa(key), AlgorithmSpec::RsaesOaepSha256) => {
                oaep_decrypt(key, true, wrapped)?
            }
            (WrappingPrivate::Rsa(key), _) => {
                let sha256 = algorithm == AlgorithmSpec::RsaAesKeyWrapSha256;
                let split = key.key_size_bytes();
                if wrapped.len() <= split {
                    return Err(CryptoError);
                }
                let (rsa, kwp) = wrapped.split_at(split);
                let aes_key = oaep_decrypt(key, sha256, rsa)?;
                let cipher = match aes_key.len() {
                    32 => &AES_256,
                    16 => &AES_128,
                    _ => return Err(CryptoError),
                };
                let kek = AesKek::new(cipher, &aes_key).map_err(|_| CryptoError)?;
                let mut out = Zeroizing::new(vec![0u8; kwp.len()]);
                let len = kek
                    .unwrap_with_padding(kwp, &mut out)
                    .map_err(|_| CryptoError)?
                    .len();
                out.truncate(len);
                out
            }
        };
        Ok(Plaintext::new(plaintext))
    }
}

impl std::fmt::Debug for WrappingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WrappingKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn oaep_decrypt(
    key: &PrivateDecryptingKey,
    sha256: bool,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if ciphertext.len() != key.key_size_bytes() {
        return Err(CryptoError);
    }
    let oaep = OaepPrivateDecryptingKey::new(key.clone()).map_err(|_| CryptoError)?;
    let alg = if sha256 {
        &OAEP_SHA256_MGF1SHA256
    } else {
        &OAEP_SHA1_MGF1SHA1
    };
    let mut out = Zeroizing::new(vec![0u8; oaep.min_output_size()]);
    let len = oaep
        .decrypt(alg, ciphertext, &mut out, None)
        .map_err(|_| CryptoError)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// Checks unwrapped `plaintext` as the material of a key of `spec` and `usage` and returns it
/// in Trent's encoding (see the module documentation). Fails for material of another kind:
/// a symmetric key that is not 32 bytes, an HMAC key of the wrong length, a private key that
/// is not PKCS#8 of the key's spec (another curve, another modulus size).
pub fn imported_material(
    spec: KeySpec,
    usage: KeyUsage,
    plaintext: &[u8],
) -> Result<KeyMaterial, CryptoError> {
    let bytes: Zeroizing<Vec<u8>> = match spec {
        KeySpec::SymmetricDefault => {
            if plaintext.len() != 32 {
                return Err(CryptoError);
            }
            Zeroizing::new(plaintext.to_vec())
        }
        KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
            let material = KeyMaterial::from_unsealed(Zeroizing::new(plaintext.to_vec()));
            MacKey::new(spec, &material)?;
            return Ok(material);
        }
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            let pair = RsaKeyPair::from_pkcs8(plaintext).map_err(|_| CryptoError)?;
            if Some(pair.public_modulus_len()) != crate::spec::rsa_modulus_len(spec) {
                return Err(CryptoError);
            }
            let der = pair.as_der().map_err(|_| CryptoError)?;
            Zeroizing::new(der.as_ref().to_vec())
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
            // AWS-LC checks that a public key the PKCS#8 carries is the private key's.
            let pair = EcdsaKeyPair::from_pkcs8(alg, plaintext).map_err(|_| CryptoError)?;
            let der = pair.to_pkcs8v1().map_err(|_| CryptoError)?;
            Zeroizing::new(der.as_ref().to_vec())
        }
        KeySpec::Sm2 => sm2::normalized_pkcs8(plaintext)?,
        _ => return Err(CryptoError),
    };
    let material = KeyMaterial::from_unsealed(bytes);
    // What cannot be prepared for the key's usage is not its material.
    PreparedKey::new(spec, usage, MaterialId([0; 32]), &material)?;
    Ok(material)
}

/// The id of imported `material` of the key `key_id`: HMAC-SHA-256 keyed with the material
/// over a fixed label and the key id. The same material imported into the same key always
/// has the same id (so a re-import is recognised), another key's id differs, and the id
/// tells nothing about the material.
pub fn imported_material_id(key_id: &str, material: &KeyMaterial) -> MaterialId {
    let key = hmac::Key::new(hmac::HMAC_SHA256, material.expose_secret());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"trent imported key material id v1\0");
    ctx.update(key_id.as_bytes());
    let tag = ctx.sign();
    let mut id = [0u8; 32];
    id.copy_from_slice(tag.as_ref());
    MaterialId(id)
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
