//! ML-KEM (FIPS 203) for ENCAPSULATE_DECAPSULATE keys: `Encapsulate` and `Decapsulate`.
//!
//! Key material is PKCS#8 in RFC 9935's seed form (the 64-byte `d ‖ z`); AWS-LC expands it
//! (in the `ffi` module) into the decapsulation and encapsulation keys aws-lc-rs works with.
//! Decapsulation rejects implicitly, as FIPS 203 requires: a ciphertext of the right length
//! that was not made for this key yields a pseudo-random secret, not an error; only a
//! ciphertext of the wrong length is refused.

use aws_lc_rs::kem::{
    Algorithm, AlgorithmId, Ciphertext, DecapsulationKey, EncapsulationKey, ML_KEM_512, ML_KEM_768,
    ML_KEM_1024,
};
use trent_types::{EncapsulationAlgorithm, KeySpec};
use zeroize::Zeroizing;

use crate::{CryptoError, KeyMaterial, KeyOpError, Plaintext, der, ffi, spec};

/// The private (decapsulation) key of an ML-KEM KMS key.
pub struct KemKey {
    decapsulation: DecapsulationKey,
    public: KemPublicKey,
}

impl KemKey {
    /// Prepares the PKCS#8 material of an ML_KEM_* key of `spec`.
    pub fn new(spec: KeySpec, material: &KeyMaterial) -> Result<Self, CryptoError> {
        let (alg, oid) = parameters(spec).ok_or(CryptoError)?;
        let der = material.expose_secret();
        let (algorithm, _) = der::parse_pkcs8(der)?;
        if algorithm != oid {
            return Err(CryptoError);
        }
        let (dk, ek) = ffi::ml_kem_keys(der)?;
        let decapsulation = DecapsulationKey::new(alg, &dk).map_err(|_| CryptoError)?;
        let public = KemPublicKey::from_raw(spec, &ek)?;
        Ok(Self {
            decapsulation,
            public,
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.public.spec
    }

    /// A fresh shared secret and its ciphertext under this key's public key.
    pub fn encapsulate(
        &self,
        alg: EncapsulationAlgorithm,
    ) -> Result<(Vec<u8>, Plaintext), CryptoError> {
        self.public.encapsulate(alg)
    }

    /// The 32-byte shared secret in `ciphertext`, or a pseudo-random one if the ciphertext
    /// was not made for this key. [`KeyOpError::CiphertextLength`] for a ciphertext of the
    /// wrong length for the parameter set.
    pub fn decapsulate(
        &self,
        alg: EncapsulationAlgorithm,
        ciphertext: &[u8],
    ) -> Result<Plaintext, KeyOpError> {
        match alg {
            EncapsulationAlgorithm::MlKem => {}
        }
        if Some(ciphertext.len()) != spec::ml_kem_ciphertext_len(self.spec()) {
            return Err(KeyOpError::CiphertextLength);
        }
        let secret = self
            .decapsulation
            .decapsulate(Ciphertext::from(ciphertext))
            .map_err(|_| CryptoError)?;
        Ok(Plaintext::new(Zeroizing::new(secret.as_ref().to_vec())))
    }

    pub fn public_key(&self) -> &KemPublicKey {
        &self.public
    }

    /// The DER SubjectPublicKeyInfo of the encapsulation key (RFC 9935).
    pub fn public_key_der(&self) -> &[u8] {
        self.public.public_key_der()
    }
}

impl std::fmt::Debug for KemKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KemKey")
            .field("spec", &self.spec())
            .finish_non_exhaustive()
    }
}

/// An ML-KEM encapsulation key.
pub struct KemPublicKey {
    spec: KeySpec,
    key: EncapsulationKey,
    spki: Vec<u8>,
}

impl KemPublicKey {
    /// Parses a DER SubjectPublicKeyInfo (id-alg-ml-kem-*, no parameters) for `spec`.
    pub fn from_spki(spec: KeySpec, spki: &[u8]) -> Result<Self, CryptoError> {
        let (_, oid) = parameters(spec).ok_or(CryptoError)?;
        let parsed = der::parse_spki(spki)?;
        if parsed.algorithm != oid || parsed.parameters.is_some() {
            return Err(CryptoError);
        }
        Self::from_raw(spec, parsed.key)
    }

    fn from_raw(spec: KeySpec, ek: &[u8]) -> Result<Self, CryptoError> {
        let (alg, oid) = parameters(spec).ok_or(CryptoError)?;
        let key = EncapsulationKey::new(alg, ek).map_err(|_| CryptoError)?;
        Ok(Self {
            spec,
            key,
            spki: der::spki(oid, ek),
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// A fresh 32-byte shared secret and its ciphertext.
    pub fn encapsulate(
        &self,
        alg: EncapsulationAlgorithm,
    ) -> Result<(Vec<u8>, Plaintext), CryptoError> {
        match alg {
            EncapsulationAlgorithm::MlKem => {}
        }
        let (ciphertext, secret) = self.key.encapsulate().map_err(|_| CryptoError)?;
        Ok((
            ciphertext.as_ref().to_vec(),
            Plaintext::new(Zeroizing::new(secret.as_ref().to_vec())),
        ))
    }
}

impl std::fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KemPublicKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

/// The aws-lc-rs algorithm and the OID of an ML-KEM spec.
fn parameters(spec: KeySpec) -> Option<(&'static Algorithm<AlgorithmId>, &'static [u8])> {
    match spec {
        KeySpec::MlKem512 => Some((&ML_KEM_512, der::oid::ML_KEM_512)),
        KeySpec::MlKem768 => Some((&ML_KEM_768, der::oid::ML_KEM_768)),
        KeySpec::MlKem1024 => Some((&ML_KEM_1024, der::oid::ML_KEM_1024)),
        _ => None,
    }
}

/// A fresh ML-KEM private key of `spec` as PKCS#8 (seed form).
pub(crate) fn generate_pkcs8(spec: KeySpec) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let (_, oid) = parameters(spec).ok_or(CryptoError)?;
    let mut seed = Zeroizing::new([0u8; 64]);
    aws_lc_rs::rand::fill(&mut seed[..]).map_err(|_| CryptoError)?;
    Ok(der::pkcs8_seed(oid, &seed[..]))
}
