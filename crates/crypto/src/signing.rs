//! Asymmetric signatures: RSASSA-PKCS1-v1_5 and RSASSA-PSS (salt length = hash length, MGF1
//! with the same hash), ECDSA on P-256/P-384/P-521 and secp256k1 (DER signatures), Ed25519 and
//! Ed25519ph, ML-DSA (pure, empty context; or over an external μ) and SM2DSA.
//!
//! [`SigningKey`] holds a private key prepared once from its material; [`VerifyingKey`] holds
//! a public key parsed once from its SubjectPublicKeyInfo. Both check every request against
//! [`spec::check_signing`] first, so an algorithm the key does not support, a message type the
//! algorithm does not take or a digest of the wrong length is refused with a [`KeyOpError`]
//! that says which, before any cryptography runs.

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::error::Unspecified;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, PublicEncryptingKey};
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair, ParsedPublicKey,
    PqdsaKeyPair, PqdsaSigningAlgorithm, RsaEncoding, VerificationAlgorithm,
};
use trent_types::{KeySpec, KeyUsage, MessageType, SigningAlgorithm};
use zeroize::Zeroizing;

use crate::sm2::{Sm2Private, Sm2Public};
use crate::{CryptoError, KeyMaterial, KeyOpError, der, ffi, spec};

/// The private key of a SIGN_VERIFY KMS key.
pub struct SigningKey {
    signer: Signer,
    verifying: VerifyingKey,
}

enum Signer {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519 {
        pair: Ed25519KeyPair,
        /// RFC 8032's private key (seed ‖ public key), for Ed25519ph through AWS-LC.
        seed_and_public: Zeroizing<[u8; 64]>,
    },
    MlDsa {
        pair: PqdsaKeyPair,
        /// The PKCS#8 the pair came from, for signing an external μ through AWS-LC.
        pkcs8: Zeroizing<Vec<u8>>,
    },
    Sm2(Box<Sm2Private>),
}

impl SigningKey {
    /// Prepares the PKCS#8 material of a key of `spec`. Fails if the spec does not sign or the
    /// material is not a key of that spec (another curve, another modulus size).
    pub fn new(spec: KeySpec, material: &KeyMaterial) -> Result<Self, CryptoError> {
        if !spec::allows_usage(spec, KeyUsage::SignVerify) {
            return Err(CryptoError);
        }
        let der = material.expose_secret();
        let signer = match spec {
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| CryptoError)?;
                if Some(pair.public_modulus_len()) != spec::rsa_modulus_len(spec) {
                    return Err(CryptoError);
                }
                Signer::Rsa(pair)
            }
            KeySpec::EccNistP256
            | KeySpec::EccNistP384
            | KeySpec::EccNistP521
            | KeySpec::EccSecgP256k1 => {
                let alg = ecdsa_signing(spec).ok_or(CryptoError)?;
                Signer::Ecdsa(EcdsaKeyPair::from_pkcs8(alg, der).map_err(|_| CryptoError)?)
            }
            KeySpec::EccNistEdwards25519 => {
                let pair = Ed25519KeyPair::from_pkcs8(der).map_err(|_| CryptoError)?;
                let seed = aws_lc_rs::encoding::AsBigEndian::as_be_bytes(
                    &pair.seed().map_err(|_| CryptoError)?,
                )
                .map_err(|_| CryptoError)?;
                let mut seed_and_public = Zeroizing::new([0u8; 64]);
                seed_and_public[..32].copy_from_slice(seed.as_ref());
                seed_and_public[32..].copy_from_slice(pair.public_key().as_ref());
                Signer::Ed25519 {
                    pair,
                    seed_and_public,
                }
            }
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => {
                let alg = ml_dsa_signing(spec).ok_or(CryptoError)?;
                Signer::MlDsa {
                    pair: PqdsaKeyPair::from_pkcs8(alg, der).map_err(|_| CryptoError)?,
                    pkcs8: Zeroizing::new(der.to_vec()),
                }
            }
            KeySpec::Sm2 => Signer::Sm2(Box::new(Sm2Private::from_pkcs8(der)?)),
            _ => return Err(CryptoError),
        };
        let spki = match &signer {
            Signer::Rsa(pair) => spki_der(pair.public_key().as_der())?,
            Signer::Ecdsa(pair) => spki_der(pair.public_key().as_der())?,
            Signer::Ed25519 { pair, .. } => spki_der(pair.public_key().as_der())?,
            Signer::MlDsa { pair, .. } => spki_der(pair.public_key().as_der())?,
            Signer::Sm2(private) => private.public().spki().to_vec(),
        };
        let verifying = VerifyingKey::from_spki(spec, &spki)?;
        Ok(Self { signer, verifying })
    }

    pub fn spec(&self) -> KeySpec {
        self.verifying.spec
    }

    /// Signs `message` as AWS KMS `Sign` does: a RAW message is hashed by the algorithm; a
    /// DIGEST message is the hash (RSA, ECDSA, SM2DSA: `SM3(Z_A ‖ M)`; Ed25519ph: SHA-512);
    /// an EXTERNAL_MU message is ML-DSA's μ. RSA signatures are PKCS #1 (RFC 8017), ECDSA and
    /// SM2DSA signatures DER `SEQUENCE { r, s }`, Ed25519 and ML-DSA signatures raw bytes.
    pub fn sign(
        &self,
        alg: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyOpError> {
        spec::check_signing(self.spec(), alg, message_type, message.len())?;
        let signature = match (&self.signer, message_type) {
            (Signer::Rsa(pair), _) => {
                let encoding = rsa_encoding(alg).ok_or(KeyOpError::UnsupportedAlgorithm)?;
                let mut out = vec![0u8; pair.public_modulus_len()];
                match message_type {
                    MessageType::Raw => {
                        pair.sign(encoding, &SystemRandom::new(), message, &mut out)
                    }
                    _ => pair.sign_digest(encoding, &import_digest(alg, message)?, &mut out),
                }
                .map_err(|_| CryptoError)?;
                out
            }
            (Signer::Ecdsa(pair), MessageType::Raw) => pair
                .sign(&SystemRandom::new(), message)
                .map_err(|_| CryptoError)?
                .as_ref()
                .to_vec(),
            (Signer::Ecdsa(pair), _) => pair
                .sign_digest(&import_digest(alg, message)?)
                .map_err(|_| CryptoError)?
                .as_ref()
                .to_vec(),
            (Signer::Ed25519 { pair, .. }, MessageType::Raw) => pair
                .try_sign(message)
                .map_err(|_| CryptoError)?
                .as_ref()
                .to_vec(),
            (
                Signer::Ed25519 {
                    seed_and_public, ..
                },
                _,
            ) => {
                let digest =
                    <&[u8; 64]>::try_from(message).map_err(|_| KeyOpError::DigestLength)?;
                ffi::ed25519ph_sign_digest(seed_and_public, digest)?.to_vec()
            }
            (Signer::MlDsa { pair, .. }, MessageType::Raw) => {
                let mut out = vec![0u8; pair.algorithm().signature_len()];
                let len = pair.sign(message, &mut out).map_err(|_| CryptoError)?;
                out.truncate(len);
                out
            }
            (Signer::MlDsa { pkcs8, .. }, _) => ffi::ml_dsa_sign_mu(pkcs8, message)?,
            (Signer::Sm2(private), _) => private.sign(message_type, message)?,
        };
        Ok(signature)
    }

    /// Verifies with this key's public key; see [`VerifyingKey::verify`].
    pub fn verify(
        &self,
        alg: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, KeyOpError> {
        self.verifying.verify(alg, message_type, message, signature)
    }

    /// The public key, as `GetPublicKey` returns it.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// The DER SubjectPublicKeyInfo of the public key.
    pub fn public_key_der(&self) -> &[u8] {
        self.verifying.public_key_der()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("spec", &self.spec())
            .finish_non_exhaustive()
    }
}

/// A public signature key, parsed once.
pub struct VerifyingKey {
    spec: KeySpec,
    spki: Vec<u8>,
    verifier: Verifier,
}

enum Verifier {
    /// One parsed key per algorithm the spec supports (RSA has six).
    AwsLc(Vec<(SigningAlgorithm, ParsedPublicKey)>),
    Ed25519 {
        parsed: ParsedPublicKey,
        raw: [u8; 32],
    },
    Sm2(Box<Sm2Public>),
}

impl VerifyingKey {
    /// Parses a DER SubjectPublicKeyInfo as a public key of `spec`; fails on anything else
    /// (another algorithm, curve or modulus size, a point not on the curve, trailing bytes).
    pub fn from_spki(spec: KeySpec, spki: &[u8]) -> Result<Self, CryptoError> {
        let algorithms = spec::algorithms(spec, KeyUsage::SignVerify).ok_or(CryptoError)?;
        der::parse_spki(spki)?;
        let verifier = match spec {
            KeySpec::Sm2 => Verifier::Sm2(Box::new(Sm2Public::from_spki(spki)?)),
            KeySpec::EccNistEdwards25519 => {
                let key = der::parse_spki(spki)?.key;
                Verifier::Ed25519 {
                    parsed: ParsedPublicKey::new(&sig::ED25519, spki).map_err(|_| CryptoError)?,
                    raw: key.try_into().map_err(|_| CryptoError)?,
                }
            }
            _ => {
                if let Some(modulus_len) = spec::rsa_modulus_len(spec) {
                    let public = PublicEncryptingKey::from_der(spki).map_err(|_| CryptoError)?;
                    if public.key_size_bytes() != modulus_len {
                        return Err(CryptoError);
                    }
                }
                let mut parsed = Vec::with_capacity(algorithms.signing.len());
                for alg in algorithms.signing {
                    let verification = verification_algorithm(spec, *alg).ok_or(CryptoError)?;
                    let key = ParsedPublicKey::new(verification, spki).map_err(|_| CryptoError)?;
                    parsed.push((*alg, key));
                }
                Verifier::AwsLc(parsed)
            }
        };
        Ok(Self {
            spec,
            spki: spki.to_vec(),
            verifier,
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Whether `signature` is a valid signature of `message` under `alg` and `message_type`
    /// (see [`SigningKey::sign`]). `Ok(false)` for any signature that does not verify, however
    /// malformed; an error only for a request the key could never serve.
    pub fn verify(
        &self,
        alg: SigningAlgorithm,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, KeyOpError> {
        spec::check_signing(self.spec, alg, message_type, message.len())?;
        let valid = match (&self.verifier, message_type) {
            (Verifier::AwsLc(parsed), _) => {
                let key = parsed
                    .iter()
                    .find_map(|(a, key)| (*a == alg).then_some(key))
                    .ok_or(KeyOpError::UnsupportedAlgorithm)?;
                match message_type {
                    MessageType::Raw => key.verify_sig(message, signature).is_ok(),
                    MessageType::Digest => key
                        .verify_digest_sig(&import_digest(alg, message)?, signature)
                        .is_ok(),
                    MessageType::ExternalMu => {
                        ffi::ml_dsa_verify_mu(&self.spki, message, signature)
                    }
                }
            }
            (Verifier::Ed25519 { parsed, .. }, MessageType::Raw) => {
                parsed.verify_sig(message, signature).is_ok()
            }
            (Verifier::Ed25519 { raw, .. }, _) => {
                let digest =
                    <&[u8; 64]>::try_from(message).map_err(|_| KeyOpError::DigestLength)?;
                ffi::ed25519ph_verify_digest(raw, digest, signature)
            }
            (Verifier::Sm2(public), _) => public.verify(message_type, message, signature),
        };
        Ok(valid)
    }
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn spki_der(der: Result<PublicKeyX509Der<'static>, Unspecified>) -> Result<Vec<u8>, CryptoError> {
    der.map(|d| d.as_ref().to_vec()).map_err(|_| CryptoError)
}

/// A DIGEST message as an aws-lc-rs digest of the algorithm's hash.
fn import_digest(alg: SigningAlgorithm, message: &[u8]) -> Result<Digest, KeyOpError> {
    let hash = hash_of(alg).ok_or(KeyOpError::UnsupportedMessageType)?;
    Digest::import_less_safe(message, hash).map_err(|_| KeyOpError::DigestLength)
}

fn hash_of(alg: SigningAlgorithm) -> Option<&'static digest::Algorithm> {
    use SigningAlgorithm as A;
    match alg {
        A::RsassaPssSha256 | A::RsassaPkcs1V15Sha256 | A::EcdsaSha256 => Some(&digest::SHA256),
        A::RsassaPssSha384 | A::RsassaPkcs1V15Sha384 | A::EcdsaSha384 => Some(&digest::SHA384),
        A::RsassaPssSha512 | A::RsassaPkcs1V15Sha512 | A::EcdsaSha512 => Some(&digest::SHA512),
        A::Ed25519PhSha512 => Some(&digest::SHA512),
        A::Sm2dsa | A::MlDsaShake256 | A::Ed25519Sha512 => None,
    }
}

fn rsa_encoding(alg: SigningAlgorithm) -> Option<&'static dyn RsaEncoding> {
    use SigningAlgorithm as A;
    Some(match alg {
        A::RsassaPssSha256 => &sig::RSA_PSS_SHA256,
        A::RsassaPssSha384 => &sig::RSA_PSS_SHA384,
        A::RsassaPssSha512 => &sig::RSA_PSS_SHA512,
        A::RsassaPkcs1V15Sha256 => &sig::RSA_PKCS1_SHA256,
        A::RsassaPkcs1V15Sha384 => &sig::RSA_PKCS1_SHA384,
        A::RsassaPkcs1V15Sha512 => &sig::RSA_PKCS1_SHA512,
        _ => return None,
    })
}

fn ecdsa_signing(spec: KeySpec) -> Option<&'static EcdsaSigningAlgorithm> {
    Some(match spec {
        KeySpec::EccNistP256 => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
        KeySpec::EccNistP384 => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
        KeySpec::EccNistP521 => &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
        KeySpec::EccSecgP256k1 => &sig::ECDSA_P256K1_SHA256_ASN1_SIGNING,
        _ => return None,
    })
}

fn ml_dsa_signing(spec: KeySpec) -> Option<&'static PqdsaSigningAlgorithm> {
    Some(match spec {
        KeySpec::MlDsa44 => &sig::ML_DSA_44_SIGNING,
        KeySpec::MlDsa65 => &sig::ML_DSA_65_SIGNING,
        KeySpec::MlDsa87 => &sig::ML_DSA_87_SIGNING,
        _ => return None,
    })
}

/// The aws-lc-rs verification algorithm for `alg` on a key of `spec`. RSA keys are 2048 bits
/// or more, so the 2048–8192-bit parameter sets cover every RSA spec.
fn verification_algorithm(
    spec: KeySpec,
    alg: SigningAlgorithm,
) -> Option<&'static dyn VerificationAlgorithm> {
    use SigningAlgorithm as A;
    Some(match (spec, alg) {
        (_, A::RsassaPssSha256) => &sig::RSA_PSS_2048_8192_SHA256,
        (_, A::RsassaPssSha384) => &sig::RSA_PSS_2048_8192_SHA384,
        (_, A::RsassaPssSha512) => &sig::RSA_PSS_2048_8192_SHA512,
        (_, A::RsassaPkcs1V15Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (_, A::RsassaPkcs1V15Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (_, A::RsassaPkcs1V15Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (KeySpec::EccNistP256, A::EcdsaSha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (KeySpec::EccNistP384, A::EcdsaSha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (KeySpec::EccNistP521, A::EcdsaSha512) => &sig::ECDSA_P521_SHA512_ASN1,
        (KeySpec::EccSecgP256k1, A::EcdsaSha256) => &sig::ECDSA_P256K1_SHA256_ASN1,
        (KeySpec::MlDsa44, A::MlDsaShake256) => &sig::ML_DSA_44,
        (KeySpec::MlDsa65, A::MlDsaShake256) => &sig::ML_DSA_65,
        (KeySpec::MlDsa87, A::MlDsaShake256) => &sig::ML_DSA_87,
        _ => return None,
    })
}
