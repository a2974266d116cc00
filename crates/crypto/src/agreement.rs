//! ECDH for KEY_AGREEMENT keys (`DeriveSharedSecret`): P-256, P-384, P-521 through aws-lc-rs
//! and SM2 through the `sm2` crate.
//!
//! The result is the raw shared secret — the x-coordinate of `d · Q_peer`, as long as a field
//! element — exactly what AWS KMS returns; any KDF is the caller's. The peer key must be a
//! DER SubjectPublicKeyInfo on the key's own curve and a valid point of it.

use aws_lc_rs::agreement::{
    self, ECDH_P256, ECDH_P384, ECDH_P521, ParsedPublicKey, ParsedPublicKeyFormat, PrivateKey,
    UnparsedPublicKey,
};
use aws_lc_rs::encoding::AsDer;
use trent_types::{KeyAgreementAlgorithm, KeySpec, KeyUsage};
use zeroize::Zeroizing;

use crate::sm2::Sm2Private;
use crate::{CryptoError, KeyMaterial, KeyOpError, Plaintext, der, spec};

/// The private key of a KEY_AGREEMENT KMS key.
pub struct AgreementKey {
    spec: KeySpec,
    private: Private,
    spki: Vec<u8>,
}

enum Private {
    Ecdh(PrivateKey),
    Sm2(Box<Sm2Private>),
}

impl AgreementKey {
    /// Prepares the PKCS#8 material of an ECC_NIST_* or SM2 key of `spec`.
    pub fn new(spec: KeySpec, material: &KeyMaterial) -> Result<Self, CryptoError> {
        if !spec::allows_usage(spec, KeyUsage::KeyAgreement) {
            return Err(CryptoError);
        }
        let der = material.expose_secret();
        let (private, spki) = match ecdh_algorithm(spec) {
            Some(alg) => {
                let key = PrivateKey::from_private_key_der(alg, der).map_err(|_| CryptoError)?;
                let spki = key
                    .compute_public_key()
                    .map_err(|_| CryptoError)?
                    .as_der()
                    .map_err(|_| CryptoError)?
                    .as_ref()
                    .to_vec();
                (Private::Ecdh(key), spki)
            }
            None => {
                let key = Sm2Private::from_pkcs8(der)?;
                let spki = key.public().spki().to_vec();
                (Private::Sm2(Box::new(key)), spki)
            }
        };
        Ok(Self {
            spec,
            private,
            spki,
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The DER SubjectPublicKeyInfo of the public key.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The raw ECDH shared secret with the peer whose public key is `peer_spki`.
    /// [`KeyOpError::InvalidPublicKey`] when that is not a SubjectPublicKeyInfo of a point on
    /// this key's curve.
    pub fn derive_shared_secret(
        &self,
        alg: KeyAgreementAlgorithm,
        peer_spki: &[u8],
    ) -> Result<Plaintext, KeyOpError> {
        match alg {
            KeyAgreementAlgorithm::Ecdh => {}
        }
        // Only a well-formed SPKI of id-ecPublicKey on this key's named curve: not the bare
        // points, nor the explicit curve parameters, the libraries would also accept.
        let spki = der::parse_spki(peer_spki).map_err(|_| KeyOpError::InvalidPublicKey)?;
        let curve = spki.parameters.map(|p| der::Reader::new(p).read(der::OID));
        if spki.algorithm != der::oid::EC_PUBLIC_KEY || curve != Some(Ok(curve_oid(self.spec))) {
            return Err(KeyOpError::InvalidPublicKey);
        }
        let secret = match &self.private {
            Private::Ecdh(key) => ecdh(key, peer_spki)?,
            Private::Sm2(key) => key.ecdh(peer_spki)?,
        };
        Ok(Plaintext::new(secret))
    }
}

/// ECDH through aws-lc-rs: the peer key is parsed as an X.509 SubjectPublicKeyInfo of the
/// private key's curve (AWS-LC checks the point is on it), then the raw secret is copied out.
pub(crate) fn ecdh(key: &PrivateKey, peer_spki: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyOpError> {
    let peer = ParsedPublicKey::try_from(&UnparsedPublicKey::new(key.algorithm(), peer_spki))
        .map_err(|_| KeyOpError::InvalidPublicKey)?;
    if peer.format() != ParsedPublicKeyFormat::X509 {
        return Err(KeyOpError::InvalidPublicKey);
    }
    agreement::agree(key, peer, KeyOpError::InvalidPublicKey, |secret| {
        Ok(Zeroizing::new(secret.to_vec()))
    })
}

impl std::fmt::Debug for AgreementKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgreementKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn curve_oid(spec: KeySpec) -> &'static [u8] {
    match spec {
        KeySpec::EccNistP256 => der::oid::P256,
        KeySpec::EccNistP384 => der::oid::P384,
        KeySpec::EccNistP521 => der::oid::P521,
        _ => der::oid::SM2_CURVE,
    }
}

fn ecdh_algorithm(spec: KeySpec) -> Option<&'static agreement::Algorithm> {
    match spec {
        KeySpec::EccNistP256 => Some(&ECDH_P256),
        KeySpec::EccNistP384 => Some(&ECDH_P384),
        KeySpec::EccNistP521 => Some(&ECDH_P521),
        _ => None,
    }
}
