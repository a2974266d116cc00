//! Wycheproof vectors through Trent's own verifying, decrypting, agreeing and decapsulating
//! keys: every vector whose parameters a KMS key can have is run; `valid` ones must pass,
//! `invalid` ones must be refused, `acceptable` ones may go either way. Vectors with other
//! parameters (another hash, salt length or label than AWS uses) are either skipped or, where
//! AWS's parameters make them invalid for a KMS key, checked to be refused.

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{material_from, ml_dsa_mu};
use trent_crypto::{AgreementKey, DecryptionKey, KemKey, KeyOpError, VerifyingKey};
use trent_types::{
    EncapsulationAlgorithm, EncryptionAlgorithm, KeyAgreementAlgorithm, KeySpec, MessageType,
    SigningAlgorithm,
};
use wycheproof::{HashFunction, TestResult};

/// Counts of what ran, so a filter that skipped everything fails the test.
#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
}

impl Tally {
    fn check(&mut self, result: TestResult, passed: bool, what: impl std::fmt::Display) {
        match result {
            TestResult::Valid => {
                assert!(passed, "valid vector refused: {what}");
                self.valid += 1;
            }
            TestResult::Invalid => {
                assert!(!passed, "invalid vector accepted: {what}");
                self.invalid += 1;
            }
            TestResult::Acceptable => {}
        }
    }

    fn expect_at_least(&self, valid: usize, invalid: usize) {
        assert!(
            self.valid >= valid && self.invalid >= invalid,
            "too few vectors ran: {self:?}"
        );
    }
}

fn rsa_spec(key_size: usize) -> Option<KeySpec> {
    match key_size {
        2048 => Some(KeySpec::Rsa2048),
        3072 => Some(KeySpec::Rsa3072),
        4096 => Some(KeySpec::Rsa4096),
        _ => None,
    }
}

fn hash_len(hash: HashFunction) -> Option<usize> {
    match hash {
        HashFunction::Sha2_256 => Some(32),
        HashFunction::Sha2_384 => Some(48),
        HashFunction::Sha2_512 => Some(64),
        _ => None,
    }
}

#[test]
fn ecdsa_der_signatures() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let sets = [
        (
            TestName::EcdsaSecp256r1Sha256,
            KeySpec::EccNistP256,
            SigningAlgorithm::EcdsaSha256,
        ),
        (
            TestName::EcdsaSecp384r1Sha384,
            KeySpec::EccNistP384,
            SigningAlgorithm::EcdsaSha384,
        ),
        (
            TestName::EcdsaSecp521r1Sha512,
            KeySpec::EccNistP521,
            SigningAlgorithm::EcdsaSha512,
        ),
        (
            TestName::EcdsaSecp256k1Sha256,
            KeySpec::EccSecgP256k1,
            SigningAlgorithm::EcdsaSha256,
        ),
    ];
    for (name, spec, alg) in sets {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            let key = VerifyingKey::from_spki(spec, &group.der).unwrap();
            for test in group.tests {
                let ok = key.verify(alg, MessageType::Raw, &test.msg, &test.sig) == Ok(true);
                tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
                if test.result == TestResult::Valid {
                    let digest = common::digest_of(alg, &test.msg).unwrap();
                    assert_eq!(
                        key.verify(alg, MessageType::Digest, &digest, &test.sig),
                        Ok(true)
                    );
                }
            }
        }
        tally.expect_at_least(5, 100);
    }
}

#[test]
fn rsa_pkcs1_v1_5_signatures() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let sets = [
        (
            TestName::Rsa2048Sha256,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
        ),
        (
            TestName::Rsa2048Sha384,
            SigningAlgorithm::RsassaPkcs1V15Sha384,
        ),
        (
            TestName::Rsa2048Sha512,
            SigningAlgorithm::RsassaPkcs1V15Sha512,
        ),
        (
            TestName::Rsa3072Sha256,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
        ),
        (
            TestName::Rsa3072Sha384,
            SigningAlgorithm::RsassaPkcs1V15Sha384,
        ),
        (
            TestName::Rsa3072Sha512,
            SigningAlgorithm::RsassaPkcs1V15Sha512,
        ),
        (
            TestName::Rsa4096Sha256,
            SigningAlgorithm::RsassaPkcs1V15Sha256,
        ),
        (
            TestName::Rsa4096Sha384,
            SigningAlgorithm::RsassaPkcs1V15Sha384,
        ),
        (
            TestName::Rsa4096Sha512,
            SigningAlgorithm::RsassaPkcs1V15Sha512,
        ),
    ];
    for (name, alg) in sets {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            let spec = rsa_spec(group.key_size).unwrap();
            let key = VerifyingKey::from_spki(spec, &group.der).unwrap();
            for test in group.tests {
                let ok = key.verify(alg, MessageType::Raw, &test.msg, &test.sig) == Ok(true);
                tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
            }
        }
        tally.expect_at_least(1, 10);
    }
}

#[test]
fn rsa_pss_signatures() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let names = [
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss2048Sha384Mgf1SaltLen48,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha512Mgf1SaltLen64,
        TestName::RsaPss2048Sha256Mgf1SaltLen0,
        TestName::RsaPss4096Sha512Mgf1SaltLen32,
        TestName::RsaPssmisc,
    ];
    let (mut tally, mut other_salt_refused) = (Tally::default(), 0);
    for name in names {
        for group in TestSet::load(name).unwrap().test_groups {
            let (Some(spec), Some(len)) = (rsa_spec(group.key_size), hash_len(group.hash)) else {
                continue;
            };
            if group.mgf_hash != Some(group.hash) {
                continue;
            }
            let alg = match len {
                32 => SigningAlgorithm::RsassaPssSha256,
                48 => SigningAlgorithm::RsassaPssSha384,
                _ => SigningAlgorithm::RsassaPssSha512,
            };
            let key = VerifyingKey::from_spki(spec, &group.der).unwrap();
            for test in group.tests {
                let ok = key.verify(alg, MessageType::Raw, &test.msg, &test.sig) == Ok(true);
                if group.salt_size == len {
                    tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
                } else if test.result == TestResult::Valid {
                    // AWS signs and verifies with salt length = hash length only: a signature
                    // made with another salt length is refused.
                    assert!(
                        !ok,
                        "{name:?} {}: salt length {} accepted",
                        test.tc_id, group.salt_size
                    );
                    other_salt_refused += 1;
                }
            }
        }
    }
    tally.expect_at_least(20, 50);
    assert!(other_salt_refused > 10);
}

#[test]
fn rsa_oaep_decryption() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let names = [
        TestName::Rsa2048Sha1Mgf1Sha1,
        TestName::Rsa2048Sha256Mgf1Sha256,
        TestName::Rsa3072Sha256Mgf1Sha256,
        TestName::Rsa4096Sha256Mgf1Sha256,
        TestName::Rsa2048Sha256Mgf1Sha1,
        TestName::RsaMisc,
    ];
    let (mut tally, mut mismatched_refused) = (Tally::default(), 0);
    for name in names {
        for group in TestSet::load(name).unwrap().test_groups {
            let Some(spec) = rsa_spec(group.key_size) else {
                continue;
            };
            let alg = match group.hash {
                HashFunction::Sha1 => EncryptionAlgorithm::RsaesOaepSha1,
                HashFunction::Sha2_256 => EncryptionAlgorithm::RsaesOaepSha256,
                _ => continue,
            };
            let key = DecryptionKey::new(spec, &material_from(&group.pkcs8)).unwrap();
            for test in group.tests {
                if !test.label.is_empty() {
                    continue; // AWS uses the empty label
                }
                let decrypted = key.decrypt(alg, &test.ct);
                if group.mgf_hash == group.hash {
                    let ok = decrypted
                        .as_ref()
                        .is_ok_and(|p| p.as_bytes() == &test.pt[..]);
                    tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
                    if let Err(e) = decrypted {
                        assert_eq!(e, KeyOpError::Crypto);
                    }
                } else {
                    // MGF1 with another hash than the label hash is not RSAES_OAEP_SHA_*.
                    assert!(decrypted.is_err(), "{name:?} {}", test.tc_id);
                    mismatched_refused += 1;
                }
            }
        }
    }
    tally.expect_at_least(20, 20);
    assert!(mismatched_refused > 10);
}

#[test]
fn ed25519_signatures() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut tally = Tally::default();
    for group in TestSet::load(TestName::Ed25519).unwrap().test_groups {
        let key = VerifyingKey::from_spki(KeySpec::EccNistEdwards25519, &group.der).unwrap();
        for test in group.tests {
            let ok = key.verify(
                SigningAlgorithm::Ed25519Sha512,
                MessageType::Raw,
                &test.msg,
                &test.sig,
            ) == Ok(true);
            tally.check(test.result, ok, format_args!("Ed25519 {}", test.tc_id));
        }
    }
    tally.expect_at_least(20, 50);
}

#[test]
fn ml_dsa_signatures_raw_and_external_mu() {
    use wycheproof::mldsa_verify::{TestName, TestSet};
    let sets = [
        (TestName::MlDsa44Verify, KeySpec::MlDsa44),
        (TestName::MlDsa65Verify, KeySpec::MlDsa65),
        (TestName::MlDsa87Verify, KeySpec::MlDsa87),
    ];
    for (name, spec) in sets {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            // A public key of the wrong length does not even parse: every vector refused.
            let key = VerifyingKey::from_spki(spec, &group.der).ok();
            for test in group.tests {
                if test.ctx.as_ref().is_some_and(|c| !c.is_empty()) {
                    continue; // AWS signs with the empty context
                }
                let alg = SigningAlgorithm::MlDsaShake256;
                let raw = key.as_ref().is_some_and(|k| {
                    k.verify(alg, MessageType::Raw, &test.msg, &test.sig) == Ok(true)
                });
                tally.check(test.result, raw, format_args!("{name:?} {}", test.tc_id));
                let mu = ml_dsa_mu(&group.pubkey, &test.msg);
                let external = key.as_ref().is_some_and(|k| {
                    k.verify(alg, MessageType::ExternalMu, &mu, &test.sig) == Ok(true)
                });
                assert_eq!(
                    raw, external,
                    "{name:?} {}: RAW and EXTERNAL_MU disagree",
                    test.tc_id
                );
            }
        }
        tally.expect_at_least(3, 20);
    }
}

/// PKCS#8 of a P-256/384/521 scalar, through aws-lc-rs (Wycheproof gives bare scalars).
fn ecdh_material(spec: KeySpec, scalar: &[u8]) -> Option<trent_crypto::KeyMaterial> {
    use aws_lc_rs::agreement::{ECDH_P256, ECDH_P384, ECDH_P521, PrivateKey};
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
    let (alg, len) = match spec {
        KeySpec::EccNistP256 => (&ECDH_P256, 32),
        KeySpec::EccNistP384 => (&ECDH_P384, 48),
        _ => (&ECDH_P521, 66),
    };
    let trimmed: Vec<u8> = scalar.iter().copied().skip_while(|b| *b == 0).collect();
    if trimmed.len() > len {
        return None;
    }
    let mut padded = vec![0u8; len - trimmed.len()];
    padded.extend_from_slice(&trimmed);
    let key = PrivateKey::from_private_key(alg, &padded).ok()?;
    let der: Pkcs8V1Der<'static> = key.as_der().ok()?;
    Some(material_from(der.as_ref()))
}

#[test]
fn ecdh_shared_secrets_and_invalid_public_keys() {
    use wycheproof::ecdh::{TestName, TestSet};
    let sets = [
        (TestName::EcdhSecp256r1, KeySpec::EccNistP256),
        (TestName::EcdhSecp384r1, KeySpec::EccNistP384),
        (TestName::EcdhSecp521r1, KeySpec::EccNistP521),
    ];
    for (name, spec) in sets {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            for test in group.tests {
                let Some(material) = ecdh_material(spec, &test.private_key) else {
                    continue;
                };
                let key = AgreementKey::new(spec, &material).unwrap();
                let shared =
                    key.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &test.public_key);
                let ok = shared
                    .as_ref()
                    .is_ok_and(|s| s.as_bytes() == &test.shared_secret[..]);
                tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
                if test.result == TestResult::Invalid {
                    assert_eq!(shared.map(|_| ()), Err(KeyOpError::InvalidPublicKey));
                }
            }
        }
        tally.expect_at_least(10, 30);
    }
}

/// PKCS#8 of an ML-KEM seed, RFC 9935's seed form.
fn ml_kem_material(spec: KeySpec, seed: &[u8]) -> trent_crypto::KeyMaterial {
    let last = match spec {
        KeySpec::MlKem512 => 1,
        KeySpec::MlKem768 => 2,
        _ => 3,
    };
    let mut der = common::hex("3054020100300b0609608648016503040401044280 40");
    der[17] = last;
    der.extend_from_slice(seed);
    material_from(&der)
}

#[test]
fn ml_kem_seeds_expand_as_fips_203_says() {
    use wycheproof::mlkem::{TestName, TestSet};
    let sets = [
        (TestName::MlKem512KeyGenSeed, KeySpec::MlKem512),
        (TestName::MlKem768KeyGenSeed, KeySpec::MlKem768),
        (TestName::MlKem1024KeyGenSeed, KeySpec::MlKem1024),
    ];
    for (name, spec) in sets {
        let mut ran = 0;
        for group in TestSet::load(name).unwrap().test_groups {
            for test in group.tests {
                let (Some(seed), Some(ek)) = (&test.seed, &test.encaps_key) else {
                    continue;
                };
                let key = KemKey::new(spec, &ml_kem_material(spec, seed)).unwrap();
                assert_eq!(
                    common::spki_key_bits(key.public_key_der()),
                    ek[..],
                    "{name:?} {}",
                    test.tc_id
                );
                ran += 1;
            }
        }
        assert!(ran >= 10, "{name:?}: {ran}");
    }
}

#[test]
fn ml_kem_decapsulation() {
    use wycheproof::mlkem::{TestName, TestSet};
    let sets = [
        (TestName::MlKem512, KeySpec::MlKem512),
        (TestName::MlKem768, KeySpec::MlKem768),
        (TestName::MlKem1024, KeySpec::MlKem1024),
    ];
    for (name, spec) in sets {
        let mut tally = Tally::default();
        for group in TestSet::load(name).unwrap().test_groups {
            for test in group.tests {
                let (Some(seed), Some(ct)) = (&test.seed, &test.ct) else {
                    continue;
                };
                let Ok(key) = KemKey::new(spec, &ml_kem_material(spec, seed)) else {
                    tally.check(test.result, false, format_args!("{name:?} {}", test.tc_id));
                    continue;
                };
                if let Some(ek) = &test.encaps_key {
                    assert_eq!(common::spki_key_bits(key.public_key_der()), ek[..]);
                }
                let got = key.decapsulate(EncapsulationAlgorithm::MlKem, ct);
                let ok = match (&got, &test.shared_secret) {
                    (Ok(secret), Some(expected)) => secret.as_bytes() == &expected[..],
                    _ => false,
                };
                tally.check(test.result, ok, format_args!("{name:?} {}", test.tc_id));
                if let (TestResult::Invalid, Err(e)) = (test.result, got) {
                    assert_eq!(e, KeyOpError::CiphertextLength);
                }
            }
        }
        tally.expect_at_least(10, 0);
    }
}
