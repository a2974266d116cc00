//! Asymmetric encryption: RSAES-OAEP with SHA-1 or SHA-256 (MGF1 with the same hash, empty
//! label) and SM2PKE, with AWS KMS's plaintext size limits.
//!
//! [`DecryptionKey`] holds the private key of an ENCRYPT_DECRYPT asymmetric KMS key;
//! [`EncryptionKey`] a public key parsed from its SubjectPublicKeyInfo (what a client encrypts
//! with outside KMS, and what `Encrypt` uses inside it).

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use trent_types::{EncryptionAlgorithm, KeySpec, KeyUsage};
use zeroize::Zeroizing;

use crate::sm2::{Sm2Private, Sm2Public};
use crate::{CryptoError, KeyMaterial, KeyOpError, Plaintext, der, spec};

/// The private key of an ENCRYPT_DECRYPT RSA or SM2 KMS key.
pub struct DecryptionKey {
    private: Private,
    public: EncryptionKey,
}

enum Private {
    Rsa(OaepPrivateDecryptingKey),
    Sm2(Box<Sm2Private>),
}

impl DecryptionKey {
    /// Prepares the PKCS#8 material of an RSA or SM2 key of `spec`.
    pub fn new(spec: KeySpec, material: &KeyMaterial) -> Result<Self, CryptoError> {
        if !spec::allows_usage(spec, KeyUsage::EncryptDecrypt) {
            return Err(CryptoError);
        }
        let der = material.expose_secret();
        let (private, spki) = if spec == KeySpec::Sm2 {
            let private = Sm2Private::from_pkcs8(der)?;
            let spki = private.public().spki().to_vec();
            (Private::Sm2(Box::new(private)), spki)
        } else {
            let key = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| CryptoError)?;
            let spki = key
                .public_key()
                .as_der()
                .map_err(|_| CryptoError)?
                .as_ref()
                .to_vec();
            let key = OaepPrivateDecryptingKey::new(key).map_err(|_| CryptoError)?;
            (Private::Rsa(key), spki)
        };
        let public = EncryptionKey::from_spki(spec, &spki)?;
        Ok(Self { private, public })
    }

    pub fn spec(&self) -> KeySpec {
        self.public.spec
    }

    /// Encrypts with the public key; see [`EncryptionKey::encrypt`].
    pub fn encrypt(
        &self,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, KeyOpError> {
        self.public.encrypt(alg, plaintext)
    }

    /// Decrypts `ciphertext`. Any failure — another key, a changed byte, the wrong algorithm
    /// (OAEP with another hash) — is the same detail-free [`KeyOpError::Crypto`]; only an
    /// algorithm the key does not support at all says so.
    pub fn decrypt(
        &self,
        alg: EncryptionAlgorithm,
        ciphertext: &[u8],
    ) -> Result<Plaintext, KeyOpError> {
        check_algorithm(self.spec(), alg)?;
        let plaintext = match &self.private {
            Private::Rsa(key) => {
                let oaep = oaep(alg).ok_or(KeyOpError::UnsupportedAlgorithm)?;
                if ciphertext.len() != key.key_size_bytes() {
                    return Err(CryptoError.into());
                }
                let mut out = Zeroizing::new(vec![0u8; key.min_output_size()]);
                let len = key
                    .decrypt(oaep, ciphertext, &mut out, None)
                    .map_err(|_| CryptoError)?
                    .len();
                out.truncate(len);
                out
            }
            Private::Sm2(key) => key.decrypt(ciphertext)?,
        };
        Ok(Plaintext::new(plaintext))
    }

    pub fn encryption_key(&self) -> &EncryptionKey {
        &self.public
    }

    /// The DER SubjectPublicKeyInfo of the public key.
    pub fn public_key_der(&self) -> &[u8] {
        self.public.public_key_der()
    }
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey")
            .field("spec", &self.spec())
            .finish_non_exhaustive()
    }
}

/// The public key of an ENCRYPT_DECRYPT asymmetric key.
pub struct EncryptionKey {
    spec: KeySpec,
    spki: Vec<u8>,
    public: Public,
}

enum Public {
    Rsa(OaepPublicEncryptingKey),
    Sm2(Box<Sm2Public>),
}

impl EncryptionKey {
    /// Parses a DER SubjectPublicKeyInfo as a public key of `spec` (RSA_* or SM2).
    pub fn from_spki(spec: KeySpec, spki: &[u8]) -> Result<Self, CryptoError> {
        if !spec::allows_usage(spec, KeyUsage::EncryptDecrypt) {
            return Err(CryptoError);
        }
        der::parse_spki(spki)?;
        let public = match spec::rsa_modulus_len(spec) {
            Some(modulus_len) => {
                let key = PublicEncryptingKey::from_der(spki).map_err(|_| CryptoError)?;
                if key.key_size_bytes() != modulus_len {
                    return Err(CryptoError);
                }
                Public::Rsa(OaepPublicEncryptingKey::new(key).map_err(|_| CryptoError)?)
            }
            None if spec == KeySpec::Sm2 => Public::Sm2(Box::new(Sm2Public::from_spki(spki)?)),
            None => return Err(CryptoError),
        };
        Ok(Self {
            spec,
            spki: spki.to_vec(),
            public,
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Encrypts `plaintext` (at most [`spec::max_plaintext_len`] bytes, else
    /// [`KeyOpError::PlaintextTooLarge`]). OAEP and SM2PKE are randomized: the same plaintext
    /// never gives the same ciphertext twice.
    pub fn encrypt(
        &self,
        alg: EncryptionAlgorithm,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, KeyOpError> {
        check_algorithm(self.spec, alg)?;
        let max =
            spec::max_plaintext_len(self.spec, alg).ok_or(KeyOpError::UnsupportedAlgorithm)?;
        if plaintext.len() > max {
            return Err(KeyOpError::PlaintextTooLarge);
        }
        match &self.public {
            Public::Rsa(key) => {
                let oaep = oaep(alg).ok_or(KeyOpError::UnsupportedAlgorithm)?;
                let mut out = vec![0u8; key.ciphertext_size()];
                let len = key
                    .encrypt(oaep, plaintext, &mut out, None)
                    .map_err(|_| CryptoError)?
                    .len();
                out.truncate(len);
                Ok(out)
            }
            Public::Sm2(key) => Ok(key.encrypt(plaintext)?),
        }
    }
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptionKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn check_algorithm(spec: KeySpec, alg: EncryptionAlgorithm) -> Result<(), KeyOpError> {
    let supported =
        spec::algorithms(spec, KeyUsage::EncryptDecrypt).map_or(&[][..], |a| a.encryption);
    if supported.contains(&alg) {
        Ok(())
    } else {
        Err(KeyOpError::UnsupportedAlgorithm)
    }
}

fn oaep(alg: EncryptionAlgorithm) -> Option<&'static OaepAlgorithm> {
    match alg {
        EncryptionAlgorithm::RsaesOaepSha1 => Some(&OAEP_SHA1_MGF1SHA1),
        EncryptionAlgorithm::RsaesOaepSha256 => Some(&OAEP_SHA256_MGF1SHA256),
        _ => None,
    }
}
