//! HMAC keys (HMAC_224/256/384/512) for `GenerateMac` and `VerifyMac`.

use aws_lc_rs::hmac;
use trent_types::{KeySpec, KeyUsage, MacAlgorithm};

use crate::{CryptoError, KeyMaterial, KeyOpError, spec};

/// The key of a GENERATE_VERIFY_MAC KMS key, prepared once. aws-lc-rs keeps the HMAC key
/// schedule in memory that AWS-LC clears when it is freed.
pub struct MacKey {
    spec: KeySpec,
    alg: MacAlgorithm,
    /// Boxed: the two prepared hash states are over a kilobyte.
    key: Box<hmac::Key>,
}

impl MacKey {
    /// Prepares the material of an HMAC key of `spec`. The material is the raw key: at least
    /// the spec's length (generated keys have exactly that length) and at most the hash's
    /// block size (longer keys would be hashed first, which AWS never does).
    pub fn new(spec: KeySpec, material: &KeyMaterial) -> Result<Self, CryptoError> {
        let algorithms = spec::algorithms(spec, KeyUsage::GenerateVerifyMac).ok_or(CryptoError)?;
        let &[alg] = algorithms.mac else {
            return Err(CryptoError);
        };
        let min = spec::hmac_key_len(spec).ok_or(CryptoError)?;
        let bytes = material.expose_secret();
        let hmac_alg = hmac_algorithm(alg);
        if bytes.len() < min || bytes.len() > hmac_alg.digest_algorithm().block_len() {
            return Err(CryptoError);
        }
        Ok(Self {
            spec,
            alg,
            key: Box::new(hmac::Key::new(hmac_alg, bytes)),
        })
    }

    pub fn spec(&self) -> KeySpec {
        self.spec
    }

    /// The HMAC of `message` under `alg`, which must be the key's algorithm.
    pub fn generate_mac(&self, alg: MacAlgorithm, message: &[u8]) -> Result<Vec<u8>, KeyOpError> {
        self.check(alg)?;
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }

    /// Whether `mac` is the HMAC of `message` under `alg`, compared in constant time.
    pub fn verify_mac(
        &self,
        alg: MacAlgorithm,
        message: &[u8],
        mac: &[u8],
    ) -> Result<bool, KeyOpError> {
        self.check(alg)?;
        Ok(hmac::verify(&self.key, message, mac).is_ok())
    }

    fn check(&self, alg: MacAlgorithm) -> Result<(), KeyOpError> {
        if alg == self.alg {
            Ok(())
        } else {
            Err(KeyOpError::UnsupportedAlgorithm)
        }
    }
}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacKey")
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

fn hmac_algorithm(alg: MacAlgorithm) -> hmac::Algorithm {
    match alg {
        MacAlgorithm::HmacSha224 => hmac::HMAC_SHA224,
        MacAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
        MacAlgorithm::HmacSha384 => hmac::HMAC_SHA384,
        MacAlgorithm::HmacSha512 => hmac::HMAC_SHA512,
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn material(bytes: &[u8]) -> KeyMaterial {
        KeyMaterial::from_unsealed(Zeroizing::new(bytes.to_vec()))
    }

    /// RFC 4231 test cases 2 (a 4-byte key) and 6 (a 131-byte key) through the same
    /// primitive the key uses (their keys are outside what a KMS key may hold), and test case
    /// 2's data under every algorithm.
    #[test]
    fn rfc4231_known_answers() {
        let data = b"what do ya want for nothing?";
        let expected = [
            (
                MacAlgorithm::HmacSha224,
                "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
            ),
            (
                MacAlgorithm::HmacSha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                MacAlgorithm::HmacSha384,
                "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
                 8e2240ca5e69e2c78b3239ecfab21649",
            ),
            (
                MacAlgorithm::HmacSha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (alg, tag) in expected {
            let key = hmac::Key::new(hmac_algorithm(alg), b"Jefe");
            let tag = hex(&tag.replace(' ', ""));
            assert_eq!(hmac::sign(&key, data).as_ref(), &tag[..], "{alg}");
        }
        let key = hmac::Key::new(hmac::HMAC_SHA256, &[0xaa; 131]);
        let tag = hmac::sign(
            &key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            tag.as_ref(),
            &hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")[..]
        );
    }

    /// RFC 4231 test case 1 with its 20-byte key zero-extended to 32 bytes (HMAC pads the key
    /// with zeros to the block size, so the tag is the same) through `MacKey` itself.
    #[test]
    fn rfc4231_case_1_through_mac_key() {
        let mut key = vec![0x0b; 20];
        key.resize(32, 0);
        let k = MacKey::new(KeySpec::Hmac256, &material(&key)).unwrap();
        let tag = hex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        let mac = k
            .generate_mac(MacAlgorithm::HmacSha256, b"Hi There")
            .unwrap();
        assert_eq!(mac, tag);
        assert_eq!(
            k.verify_mac(MacAlgorithm::HmacSha256, b"Hi There", &tag),
            Ok(true)
        );
    }

    #[test]
    fn round_trip_and_tamper_for_every_spec() {
        for spec in [
            KeySpec::Hmac224,
            KeySpec::Hmac256,
            KeySpec::Hmac384,
            KeySpec::Hmac512,
        ] {
            let m = KeyMaterial::generate(spec).unwrap();
            assert_eq!(Some(m.expose_secret().len()), spec::hmac_key_len(spec));
            let k = MacKey::new(spec, &m).unwrap();
            let alg = k.alg;
            let mac = k.generate_mac(alg, b"message").unwrap();
            assert_eq!(mac.len(), spec::mac_len(alg));
            assert_eq!(k.verify_mac(alg, b"message", &mac), Ok(true));
            assert_eq!(k.verify_mac(alg, b"messagf", &mac), Ok(false));
            let mut bad = mac.clone();
            bad[0] ^= 1;
            assert_eq!(k.verify_mac(alg, b"message", &bad), Ok(false));
            assert_eq!(
                k.verify_mac(alg, b"message", &mac[..mac.len() - 1]),
                Ok(false)
            );
            let other = MacAlgorithm::VALUES.iter().find(|a| **a != alg).unwrap();
            assert_eq!(
                k.generate_mac(*other, b"m"),
                Err(KeyOpError::UnsupportedAlgorithm)
            );
            assert_eq!(
                k.verify_mac(*other, b"m", &mac),
                Err(KeyOpError::UnsupportedAlgorithm)
            );
        }
    }

    #[test]
    fn wrong_material_or_spec_is_refused() {
        assert!(MacKey::new(KeySpec::Hmac256, &material(&[1; 31])).is_err());
        assert!(MacKey::new(KeySpec::Hmac256, &material(&[1; 65])).is_err());
        assert!(MacKey::new(KeySpec::Hmac512, &material(&[1; 129])).is_err());
        assert!(MacKey::new(KeySpec::Rsa2048, &material(&[1; 32])).is_err());
        assert!(MacKey::new(KeySpec::SymmetricDefault, &material(&[1; 32])).is_err());
    }

    #[test]
    fn debug_shows_no_key() {
        let k = MacKey::new(KeySpec::Hmac256, &material(&[0x42; 32])).unwrap();
        assert_eq!(format!("{k:?}"), "MacKey { spec: Hmac256, .. }");
    }
}
