//! Round trips and tamper tests for every key spec and algorithm, through the public API.

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{digest_of, material, material_from, ml_dsa_mu, spki_key_bits};
use trent_crypto::spec::{self, ML_DSA_MU_LEN};
use trent_crypto::{
    AgreementKey, DecryptionKey, EncryptionKey, KemKey, KemPublicKey, KeyMaterial, KeyOpError,
    MacKey, PreparedKey, SigningKey, VerifyingKey, generate_data_key_pair, public_key_der,
};
use trent_types::{
    DataKeyPairSpec, EncapsulationAlgorithm, EncryptionAlgorithm, KeyAgreementAlgorithm, KeySpec,
    KeyUsage, MaterialId, MessageType, SigningAlgorithm,
};

const SIGNING_SPECS: &[KeySpec] = &[
    KeySpec::Rsa2048,
    KeySpec::Rsa3072,
    KeySpec::Rsa4096,
    KeySpec::EccNistP256,
    KeySpec::EccNistP384,
    KeySpec::EccNistP521,
    KeySpec::EccSecgP256k1,
    KeySpec::EccNistEdwards25519,
    KeySpec::MlDsa44,
    KeySpec::MlDsa65,
    KeySpec::MlDsa87,
    KeySpec::Sm2,
];

/// A message of `message_type` for `alg`: the text itself, its digest, or its μ.
fn message(
    alg: SigningAlgorithm,
    message_type: MessageType,
    text: &[u8],
    key: &SigningKey,
) -> Vec<u8> {
    match message_type {
        MessageType::Raw => text.to_vec(),
        MessageType::Digest => digest_of(alg, text).unwrap_or_else(|| {
            // SM2DSA: any 32 bytes stand for SM3(Z_A || M) here.
            let mut d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text)
                .as_ref()
                .to_vec();
            d.truncate(spec::digest_len(alg).unwrap());
            d
        }),
        MessageType::ExternalMu => ml_dsa_mu(&spki_key_bits(key.public_key_der()), text),
    }
}

#[test]
fn every_signing_algorithm_round_trips_and_rejects_tampering() {
    for spec in SIGNING_SPECS {
        let key = SigningKey::new(*spec, &material(*spec)).unwrap();
        let public = VerifyingKey::from_spki(*spec, key.public_key_der()).unwrap();
        let algorithms = spec::algorithms(*spec, KeyUsage::SignVerify)
            .unwrap()
            .signing;
        for alg in algorithms {
            for message_type in spec::message_types(*alg) {
                let what = format!("{spec} {alg} {message_type}");
                let m = message(*alg, *message_type, b"the quick brown fox", &key);
                let signature = key.sign(*alg, *message_type, &m).expect(&what);
                assert_eq!(
                    key.verify(*alg, *message_type, &m, &signature),
                    Ok(true),
                    "{what}"
                );
                assert_eq!(
                    public.verify(*alg, *message_type, &m, &signature),
                    Ok(true),
                    "{what}"
                );
                // Another message, a flipped bit anywhere in the signature, a truncation.
                let mut other = m.clone();
                other[0] ^= 1;
                assert_eq!(
                    public.verify(*alg, *message_type, &other, &signature),
                    Ok(false),
                    "{what}"
                );
                for i in [0, signature.len() / 2, signature.len() - 1] {
                    let mut bad = signature.clone();
                    bad[i] ^= 0x10;
                    assert_eq!(
                        public.verify(*alg, *message_type, &m, &bad),
                        Ok(false),
                        "{what} byte {i}"
                    );
                }
                let short = &signature[..signature.len() - 1];
                assert_eq!(
                    public.verify(*alg, *message_type, &m, short),
                    Ok(false),
                    "{what}"
                );
                assert_eq!(
                    public.verify(*alg, *message_type, &m, &[]),
                    Ok(false),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn raw_and_digest_are_the_same_signature_scheme() {
    // What is signed RAW verifies as the DIGEST of the same message, and the other way round,
    // for every algorithm that takes both; ML-DSA's RAW and EXTERNAL_MU likewise.
    for spec in SIGNING_SPECS {
        let key = SigningKey::new(*spec, &material(*spec)).unwrap();
        for alg in spec::algorithms(*spec, KeyUsage::SignVerify)
            .unwrap()
            .signing
        {
            let text = b"one message, two ways";
            let types = spec::message_types(*alg);
            let other_type =
                if types.contains(&MessageType::Digest) && types.contains(&MessageType::Raw) {
                    if *alg == SigningAlgorithm::Sm2dsa {
                        continue; // its digest includes Z_A, which only the sm2 crate computes here
                    }
                    MessageType::Digest
                } else if types.contains(&MessageType::ExternalMu) {
                    MessageType::ExternalMu
                } else {
                    continue;
                };
            let other = message(*alg, other_type, text, &key);
            let raw_sig = key.sign(*alg, MessageType::Raw, text).unwrap();
            assert_eq!(
                key.verify(*alg, other_type, &other, &raw_sig),
                Ok(true),
                "{spec} {alg}"
            );
            let other_sig = key.sign(*alg, other_type, &other).unwrap();
            assert_eq!(
                key.verify(*alg, MessageType::Raw, text, &other_sig),
                Ok(true),
                "{spec} {alg}"
            );
        }
    }
}

#[test]
fn wrong_requests_say_what_is_wrong() {
    let ed = SigningKey::new(
        KeySpec::EccNistEdwards25519,
        &material(KeySpec::EccNistEdwards25519),
    )
    .unwrap();
    assert_eq!(
        ed.sign(
            SigningAlgorithm::Ed25519Sha512,
            MessageType::Digest,
            &[0; 64]
        ),
        Err(KeyOpError::UnsupportedMessageType)
    );
    assert_eq!(
        ed.sign(SigningAlgorithm::Ed25519PhSha512, MessageType::Raw, b"x"),
        Err(KeyOpError::UnsupportedMessageType)
    );
    assert_eq!(
        ed.sign(
            SigningAlgorithm::Ed25519PhSha512,
            MessageType::Digest,
            &[0; 32]
        ),
        Err(KeyOpError::DigestLength)
    );
    assert_eq!(
        ed.sign(SigningAlgorithm::EcdsaSha256, MessageType::Raw, b"x"),
        Err(KeyOpError::UnsupportedAlgorithm)
    );
    let p384 = SigningKey::new(KeySpec::EccNistP384, &material(KeySpec::EccNistP384)).unwrap();
    assert_eq!(
        p384.sign(SigningAlgorithm::EcdsaSha384, MessageType::Digest, &[0; 32]),
        Err(KeyOpError::DigestLength)
    );
    assert_eq!(
        p384.verify(
            SigningAlgorithm::EcdsaSha384,
            MessageType::Digest,
            &[0; 64],
            &[0; 70]
        ),
        Err(KeyOpError::DigestLength)
    );
    assert_eq!(
        p384.sign(
            SigningAlgorithm::EcdsaSha384,
            MessageType::ExternalMu,
            &[0; 64]
        ),
        Err(KeyOpError::UnsupportedMessageType)
    );
    assert_eq!(
        p384.sign(SigningAlgorithm::EcdsaSha384, MessageType::Raw, &[0; 4097]),
        Err(KeyOpError::MessageTooLong)
    );
    let rsa = SigningKey::new(KeySpec::Rsa2048, &material(KeySpec::Rsa2048)).unwrap();
    assert_eq!(
        rsa.sign(
            SigningAlgorithm::RsassaPssSha512,
            MessageType::Digest,
            &[0; 32]
        ),
        Err(KeyOpError::DigestLength)
    );
    let ml = SigningKey::new(KeySpec::MlDsa44, &material(KeySpec::MlDsa44)).unwrap();
    assert_eq!(
        ml.sign(
            SigningAlgorithm::MlDsaShake256,
            MessageType::ExternalMu,
            &[0; ML_DSA_MU_LEN - 1]
        ),
        Err(KeyOpError::DigestLength)
    );
    assert_eq!(
        ml.sign(
            SigningAlgorithm::MlDsaShake256,
            MessageType::Digest,
            &[0; 64]
        ),
        Err(KeyOpError::UnsupportedMessageType)
    );
}

#[test]
fn signatures_have_the_expected_shape() {
    let text = b"shape";
    let cases: &[(KeySpec, SigningAlgorithm, usize)] = &[
        (KeySpec::Rsa2048, SigningAlgorithm::RsassaPssSha256, 256),
        (
            KeySpec::Rsa3072,
            SigningAlgorithm::RsassaPkcs1V15Sha384,
            384,
        ),
        (KeySpec::Rsa4096, SigningAlgorithm::RsassaPssSha512, 512),
        (
            KeySpec::EccNistEdwards25519,
            SigningAlgorithm::Ed25519Sha512,
            64,
        ),
        (KeySpec::MlDsa44, SigningAlgorithm::MlDsaShake256, 2420),
        (KeySpec::MlDsa65, SigningAlgorithm::MlDsaShake256, 3309),
        (KeySpec::MlDsa87, SigningAlgorithm::MlDsaShake256, 4627),
    ];
    for (spec, alg, len) in cases {
        let key = SigningKey::new(*spec, &material(*spec)).unwrap();
        assert_eq!(
            key.sign(*alg, MessageType::Raw, text).unwrap().len(),
            *len,
            "{spec}"
        );
    }
    // ECDSA and SM2DSA: DER SEQUENCE { INTEGER r, INTEGER s }.
    for spec in [
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
        KeySpec::Sm2,
    ] {
        let key = SigningKey::new(spec, &material(spec)).unwrap();
        let alg = spec::algorithms(spec, KeyUsage::SignVerify)
            .unwrap()
            .signing[0];
        let sig = key.sign(alg, MessageType::Raw, text).unwrap();
        assert_eq!(sig[0], 0x30, "{spec}");
        let first_integer = if sig[1] == 0x81 { 3 } else { 2 };
        assert_eq!(sig[first_integer], 0x02, "{spec}");
    }
}

#[test]
fn public_keys_carry_the_standard_oids() {
    // The DER of each OID, found inside the SPKI's AlgorithmIdentifier.
    let cases: &[(KeySpec, &[u8])] = &[
        (
            KeySpec::Rsa2048,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
        ),
        (
            KeySpec::EccNistP256,
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        ),
        (KeySpec::EccNistP384, &[0x2b, 0x81, 0x04, 0x00, 0x22]),
        (KeySpec::EccNistP521, &[0x2b, 0x81, 0x04, 0x00, 0x23]),
        (KeySpec::EccSecgP256k1, &[0x2b, 0x81, 0x04, 0x00, 0x0a]),
        (KeySpec::EccNistEdwards25519, &[0x2b, 0x65, 0x70]),
        (
            KeySpec::MlDsa44,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x11],
        ),
        (
            KeySpec::MlDsa65,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12],
        ),
        (
            KeySpec::MlDsa87,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x13],
        ),
        (
            KeySpec::MlKem512,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x01],
        ),
        (
            KeySpec::MlKem768,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x02],
        ),
        (
            KeySpec::MlKem1024,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, 0x03],
        ),
        (
            KeySpec::Sm2,
            &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d],
        ),
    ];
    for (spec, oid) in cases {
        let der = public_key_der(*spec, &material(*spec)).unwrap();
        let needle: Vec<u8> = [&[0x06, oid.len() as u8][..], oid].concat();
        let head = &der[..needle.len() + 24.min(der.len() - needle.len())];
        assert!(
            head.windows(needle.len()).any(|w| w == needle),
            "{spec}: {der:02x?}"
        );
        let raw_len = spki_key_bits(&der).len();
        let expected = match spec {
            KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 | KeySpec::Sm2 => Some(65),
            KeySpec::EccNistP384 => Some(97),
            KeySpec::EccNistP521 => Some(133),
            KeySpec::EccNistEdwards25519 => Some(32),
            KeySpec::MlDsa44 => Some(1312),
            KeySpec::MlDsa65 => Some(1952),
            KeySpec::MlDsa87 => Some(2592),
            KeySpec::MlKem512 => Some(800),
            KeySpec::MlKem768 => Some(1184),
            KeySpec::MlKem1024 => Some(1568),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(raw_len, expected, "{spec}");
        }
    }
}

#[test]
fn verifying_keys_refuse_another_spec() {
    let p256 = public_key_der(KeySpec::EccNistP256, &material(KeySpec::EccNistP256)).unwrap();
    assert!(VerifyingKey::from_spki(KeySpec::EccNistP384, &p256).is_err());
    assert!(VerifyingKey::from_spki(KeySpec::EccSecgP256k1, &p256).is_err());
    assert!(VerifyingKey::from_spki(KeySpec::Sm2, &p256).is_err());
    assert!(VerifyingKey::from_spki(KeySpec::Rsa2048, &p256).is_err());
    let rsa2048 = public_key_der(KeySpec::Rsa2048, &material(KeySpec::Rsa2048)).unwrap();
    assert!(VerifyingKey::from_spki(KeySpec::Rsa3072, &rsa2048).is_err());
    assert!(VerifyingKey::from_spki(KeySpec::Rsa2048, &rsa2048).is_ok());
    let ml44 = public_key_der(KeySpec::MlDsa44, &material(KeySpec::MlDsa44)).unwrap();
    assert!(VerifyingKey::from_spki(KeySpec::MlDsa65, &ml44).is_err());
    let mut trailing = p256.clone();
    trailing.push(0);
    assert!(VerifyingKey::from_spki(KeySpec::EccNistP256, &trailing).is_err());
    assert!(VerifyingKey::from_spki(KeySpec::Hmac256, &p256).is_err());
    // And material of another spec does not prepare.
    assert!(SigningKey::new(KeySpec::EccNistP384, &material(KeySpec::EccNistP256)).is_err());
    assert!(SigningKey::new(KeySpec::Rsa3072, &material(KeySpec::Rsa2048)).is_err());
    assert!(SigningKey::new(KeySpec::MlDsa65, &material(KeySpec::MlDsa44)).is_err());
    assert!(KemKey::new(KeySpec::MlKem768, &material(KeySpec::MlKem512)).is_err());
    assert!(SigningKey::new(KeySpec::EccNistP256, &material_from(b"not a key")).is_err());
}

#[test]
fn oaep_round_trips_at_the_size_limits() {
    for spec in [KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096] {
        let key = DecryptionKey::new(spec, &material(spec)).unwrap();
        let public = EncryptionKey::from_spki(spec, key.public_key_der()).unwrap();
        for alg in [
            EncryptionAlgorithm::RsaesOaepSha1,
            EncryptionAlgorithm::RsaesOaepSha256,
        ] {
            let max = spec::max_plaintext_len(spec, alg).unwrap();
            for len in [0, 1, max] {
                let plaintext = vec![0x5a; len];
                let ct = public.encrypt(alg, &plaintext).unwrap();
                assert_eq!(ct.len(), spec::rsa_modulus_len(spec).unwrap());
                assert_eq!(
                    key.decrypt(alg, &ct).unwrap().as_bytes(),
                    &plaintext[..],
                    "{spec} {alg} {len}"
                );
            }
            assert_eq!(
                public.encrypt(alg, &vec![0; max + 1]),
                Err(KeyOpError::PlaintextTooLarge)
            );
            // Randomized, and bound to the hash: decrypting with the other OAEP hash fails.
            let a = key.encrypt(alg, b"x").unwrap();
            assert_ne!(a, key.encrypt(alg, b"x").unwrap());
            let other = if alg == EncryptionAlgorithm::RsaesOaepSha1 {
                EncryptionAlgorithm::RsaesOaepSha256
            } else {
                EncryptionAlgorithm::RsaesOaepSha1
            };
            assert_eq!(key.decrypt(other, &a).unwrap_err(), KeyOpError::Crypto);
            let mut bad = a.clone();
            bad[10] ^= 1;
            assert_eq!(key.decrypt(alg, &bad).unwrap_err(), KeyOpError::Crypto);
            assert_eq!(key.decrypt(alg, &a[1..]).unwrap_err(), KeyOpError::Crypto);
        }
        assert_eq!(
            key.encrypt(EncryptionAlgorithm::Sm2pke, b"x"),
            Err(KeyOpError::UnsupportedAlgorithm)
        );
        assert_eq!(
            key.encrypt(EncryptionAlgorithm::SymmetricDefault, b"x"),
            Err(KeyOpError::UnsupportedAlgorithm)
        );
    }
}

#[test]
fn sm2pke_round_trips() {
    let key = DecryptionKey::new(KeySpec::Sm2, &material(KeySpec::Sm2)).unwrap();
    let public = EncryptionKey::from_spki(KeySpec::Sm2, key.public_key_der()).unwrap();
    let alg = EncryptionAlgorithm::Sm2pke;
    for len in [1, 100, 1024] {
        let plaintext = vec![0xa5; len];
        let ct = public.encrypt(alg, &plaintext).unwrap();
        assert_eq!(key.decrypt(alg, &ct).unwrap().as_bytes(), &plaintext[..]);
    }
    assert_eq!(
        public.encrypt(alg, &[0; 1025]),
        Err(KeyOpError::PlaintextTooLarge)
    );
    assert_eq!(
        public.encrypt(EncryptionAlgorithm::RsaesOaepSha1, b"x"),
        Err(KeyOpError::UnsupportedAlgorithm)
    );
    let ct = public.encrypt(alg, b"secret").unwrap();
    let mut bad = ct.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(key.decrypt(alg, &bad).unwrap_err(), KeyOpError::Crypto);
}

#[test]
fn ecdh_agrees_and_refuses_foreign_points() {
    for spec in [
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::Sm2,
    ] {
        let a = AgreementKey::new(spec, &material(spec)).unwrap();
        let b = AgreementKey::new(spec, &KeyMaterial::generate(spec).unwrap()).unwrap();
        let ab = a
            .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, b.public_key_der())
            .unwrap();
        let ba = b
            .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, a.public_key_der())
            .unwrap();
        assert_eq!(ab.as_bytes(), ba.as_bytes(), "{spec}");
        let field_len = match spec {
            KeySpec::EccNistP384 => 48,
            KeySpec::EccNistP521 => 66,
            _ => 32,
        };
        assert_eq!(ab.len(), field_len, "{spec}");
        // A key on another curve, a bare point, garbage, a point moved off the curve.
        let other = if spec == KeySpec::EccNistP256 {
            KeySpec::EccNistP384
        } else {
            KeySpec::EccNistP256
        };
        let foreign = public_key_der(other, &material(other)).unwrap();
        let invalid = Err(KeyOpError::InvalidPublicKey);
        assert_eq!(
            a.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &foreign)
                .map(|_| ()),
            invalid,
            "{spec}"
        );
        let point = spki_key_bits(b.public_key_der());
        assert_eq!(
            a.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &point)
                .map(|_| ()),
            invalid,
            "{spec}"
        );
        assert_eq!(
            a.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, b"junk")
                .map(|_| ()),
            invalid
        );
        let mut off_curve = b.public_key_der().to_vec();
        let last = off_curve.len() - 1;
        off_curve[last] ^= 1; // the y-coordinate no longer matches x
        assert_eq!(
            a.derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &off_curve)
                .map(|_| ()),
            invalid,
            "{spec}"
        );
    }
}

#[test]
fn ml_kem_round_trips_with_implicit_rejection() {
    for spec in [KeySpec::MlKem512, KeySpec::MlKem768, KeySpec::MlKem1024] {
        let key = KemKey::new(spec, &material(spec)).unwrap();
        let public = KemPublicKey::from_spki(spec, key.public_key_der()).unwrap();
        let alg = EncapsulationAlgorithm::MlKem;
        let (ct, secret) = public.encapsulate(alg).unwrap();
        assert_eq!(Some(ct.len()), spec::ml_kem_ciphertext_len(spec));
        assert_eq!(secret.len(), 32);
        assert_eq!(
            key.decapsulate(alg, &ct).unwrap().as_bytes(),
            secret.as_bytes()
        );
        let (ct2, secret2) = key.encapsulate(alg).unwrap();
        assert_ne!(ct, ct2);
        assert_eq!(
            key.decapsulate(alg, &ct2).unwrap().as_bytes(),
            secret2.as_bytes()
        );
        // A changed ciphertext of the right length: a different, deterministic secret.
        let mut bad = ct.clone();
        bad[0] ^= 1;
        let rejected = key.decapsulate(alg, &bad).unwrap();
        assert_eq!(rejected.len(), 32);
        assert_ne!(rejected.as_bytes(), secret.as_bytes());
        assert_eq!(
            key.decapsulate(alg, &bad).unwrap().as_bytes(),
            rejected.as_bytes()
        );
        // Only a wrong length is an error.
        assert_eq!(
            key.decapsulate(alg, &ct[1..]).unwrap_err(),
            KeyOpError::CiphertextLength
        );
        assert_eq!(
            key.decapsulate(alg, &[]).unwrap_err(),
            KeyOpError::CiphertextLength
        );
        // Material reloads to the same key.
        let again = KemKey::new(spec, &material(spec)).unwrap();
        assert_eq!(again.public_key_der(), key.public_key_der());
        assert_eq!(
            again.decapsulate(alg, &ct).unwrap().as_bytes(),
            secret.as_bytes()
        );
    }
}

#[test]
fn every_spec_and_usage_prepares() {
    for spec in KeySpec::VALUES {
        let m = material(*spec);
        for usage in KeyUsage::VALUES {
            let prepared = PreparedKey::new(*spec, *usage, MaterialId([1; 32]), &m);
            assert_eq!(
                prepared.is_ok(),
                spec::allows_usage(*spec, *usage),
                "{spec} {usage}"
            );
            if let Ok(prepared) = prepared {
                let symmetric = matches!(spec, KeySpec::SymmetricDefault)
                    || spec::hmac_key_len(*spec).is_some();
                assert_eq!(prepared.public_key_der().is_none(), symmetric, "{spec}");
                // Debug never shows key bytes.
                let debug = format!("{prepared:?}");
                assert!(debug.len() < 200 && !debug.contains("["), "{debug}");
            }
        }
    }
    let mac = MacKey::new(KeySpec::Hmac384, &material(KeySpec::Hmac384)).unwrap();
    assert_eq!(format!("{mac:?}"), "MacKey { spec: Hmac384, .. }");
}

#[test]
fn material_sizes_and_freshness() {
    for spec in KeySpec::VALUES {
        if matches!(spec, KeySpec::Rsa3072 | KeySpec::Rsa4096) {
            continue; // slow; covered by the shared material
        }
        let a = KeyMaterial::generate(*spec).unwrap();
        let b = KeyMaterial::generate(*spec).unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret(), "{spec}");
        assert_eq!(format!("{a:?}"), "KeyMaterial(..)");
        match (spec, spec::hmac_key_len(*spec)) {
            (KeySpec::SymmetricDefault, _) => assert_eq!(a.expose_secret().len(), 32),
            (_, Some(len)) => assert_eq!(a.expose_secret().len(), len),
            // PKCS#8: a SEQUENCE.
            _ => assert_eq!(&a.expose_secret()[..1], &[0x30], "{spec}"),
        }
    }
    // ML-KEM material is RFC 9935's seed form: 64 seed bytes in a short PKCS#8.
    assert_eq!(
        KeyMaterial::generate(KeySpec::MlKem768)
            .unwrap()
            .expose_secret()
            .len(),
        86
    );
}

#[test]
fn data_key_pairs_match_their_public_keys() {
    for spec in DataKeyPairSpec::VALUES {
        if matches!(spec, DataKeyPairSpec::Rsa3072 | DataKeyPairSpec::Rsa4096) {
            continue; // slow; the same code path as RSA_2048
        }
        let pair = generate_data_key_pair(*spec).unwrap();
        let key_spec = spec::data_key_pair_key_spec(*spec);
        let private = material_from(pair.private_key.as_bytes());
        assert_eq!(
            public_key_der(key_spec, &private).unwrap(),
            pair.public_key,
            "{spec}"
        );
        assert!(format!("{pair:?}").contains("Plaintext(..)"));
        // The private key works: sign and verify with the public key, or encapsulate to it.
        match key_spec {
            KeySpec::MlKem512 | KeySpec::MlKem768 | KeySpec::MlKem1024 => {
                let key = KemKey::new(key_spec, &private).unwrap();
                let public = KemPublicKey::from_spki(key_spec, &pair.public_key).unwrap();
                let (ct, secret) = public.encapsulate(EncapsulationAlgorithm::MlKem).unwrap();
                let got = key.decapsulate(EncapsulationAlgorithm::MlKem, &ct).unwrap();
                assert_eq!(got.as_bytes(), secret.as_bytes());
            }
            _ => {
                let key = SigningKey::new(key_spec, &private).unwrap();
                let public = VerifyingKey::from_spki(key_spec, &pair.public_key).unwrap();
                let alg = spec::algorithms(key_spec, KeyUsage::SignVerify)
                    .unwrap()
                    .signing[0];
                let sig = key.sign(alg, MessageType::Raw, b"data key pair").unwrap();
                assert_eq!(
                    public.verify(alg, MessageType::Raw, b"data key pair", &sig),
                    Ok(true)
                );
            }
        }
    }
}
