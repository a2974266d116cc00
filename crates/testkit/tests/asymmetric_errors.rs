//! The refusals of the asymmetric, HMAC, key agreement and ML-KEM operations, end to end
//! through `aws-sdk-kms` (item 9 of issue 3): a key spec and usage pair AWS does not allow,
//! the wrong key for the operation, an algorithm or message type the key does not take, a
//! digest of the wrong length, an encryption context on an asymmetric key, a peer key of
//! another curve, an ML-KEM ciphertext of the wrong length. Each gets AWS's error, and always
//! the client's fault (4xx), never an internal error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Debug;

use aws_lc_rs::agreement::{self, EphemeralPrivateKey};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_sdk_kms::Client;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    DataKeyPairSpec, DataKeySpec, EncapsulationAlgorithmSpec, EncryptionAlgorithmSpec,
    KeyAgreementAlgorithmSpec, KeySpec, KeyUsageType, MacAlgorithmSpec, MessageType,
    SigningAlgorithmSpec,
};
use common::asymmetric::*;
use common::*;
use trent_testkit::TestServer;

const INVALID_KEY_USAGE: &str = "InvalidKeyUsageException";
const VALIDATION: &str = "ValidationException";

/// The `__type` and message of a refused call, after checking the refusal is the client's
/// fault (a 4xx status) and not an internal error.
fn refused<T: Debug, E: ProvideErrorMetadata + Debug>(
    what: &str,
    result: Result<T, SdkError<E, HttpResponse>>,
) -> (String, String) {
    match result {
        Ok(v) => panic!("{what}: expected an error, got {v:?}"),
        Err(SdkError::ServiceError(e)) => {
            let status = e.raw().status().as_u16();
            let e = e.into_err();
            assert!(
                (400..500).contains(&status),
                "{what}: status {status}: {e:?}"
            );
            (code(&e).to_owned(), message(&e).to_owned())
        }
        Err(other) => panic!("{what}: expected a service error, got {other:?}"),
    }
}

/// Asserts a call is refused with `expected`.
fn assert_refused<T: Debug, E: ProvideErrorMetadata + Debug>(
    expected: &str,
    what: &str,
    result: Result<T, SdkError<E, HttpResponse>>,
) {
    let (code, message) = refused(what, result);
    assert_eq!(code, expected, "{what}: {message}");
}

/// One key of each kind item 9 mixes up.
struct Keys {
    symmetric: String,
    rsa_encrypt: String,
    rsa_sign: String,
    p256_sign: String,
    p256_agree: String,
    ed25519: String,
    ml_dsa: String,
    hmac: String,
    ml_kem: String,
}

async fn keys(kms: &Client) -> Keys {
    Keys {
        symmetric: key_id(kms).await,
        rsa_encrypt: create_checked(kms, "RSA_2048", "ENCRYPT_DECRYPT").await,
        rsa_sign: create_checked(kms, "RSA_2048", "SIGN_VERIFY").await,
        p256_sign: create_checked(kms, "ECC_NIST_P256", "SIGN_VERIFY").await,
        p256_agree: create_checked(kms, "ECC_NIST_P256", "KEY_AGREEMENT").await,
        ed25519: create_checked(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY").await,
        ml_dsa: create_checked(kms, "ML_DSA_44", "SIGN_VERIFY").await,
        hmac: create_checked(kms, "HMAC_256", "GENERATE_VERIFY_MAC").await,
        ml_kem: create_checked(kms, "ML_KEM_512", "ENCAPSULATE_DECAPSULATE").await,
    }
}

#[tokio::test]
async fn create_key_refuses_the_pairs_aws_refuses() {
    let server = TestServer::start().await;
    let kms = server.client();
    let refused_pairs = [
        ("SYMMETRIC_DEFAULT", Some("SIGN_VERIFY")),
        ("SYMMETRIC_DEFAULT", Some("GENERATE_VERIFY_MAC")),
        ("RSA_2048", Some("KEY_AGREEMENT")),
        ("RSA_3072", Some("GENERATE_VERIFY_MAC")),
        ("RSA_4096", Some("ENCAPSULATE_DECAPSULATE")),
        // The default usage, ENCRYPT_DECRYPT, is not one these specs allow.
        ("ECC_NIST_P256", None),
        ("ECC_NIST_P384", Some("ENCRYPT_DECRYPT")),
        ("ECC_SECG_P256K1", Some("KEY_AGREEMENT")),
        ("ECC_NIST_EDWARDS25519", Some("KEY_AGREEMENT")),
        ("ECC_NIST_EDWARDS25519", None),
        ("ML_DSA_65", Some("ENCRYPT_DECRYPT")),
        ("ML_DSA_87", Some("ENCAPSULATE_DECAPSULATE")),
        ("ML_KEM_768", None),
        ("ML_KEM_1024", Some("KEY_AGREEMENT")),
        ("HMAC_256", None),
        ("HMAC_512", Some("SIGN_VERIFY")),
        ("SM2", Some("GENERATE_VERIFY_MAC")),
    ];
    for (spec, usage) in refused_pairs {
        let what = format!("CreateKey {spec}/{usage:?}");
        let (code, message) = refused(
            &what,
            kms.create_key()
                .key_spec(KeySpec::from(spec))
                .set_key_usage(usage.map(KeyUsageType::from))
                .send()
                .await,
        );
        assert_eq!(code, VALIDATION, "{what}: {message}");
        let usage = usage.unwrap_or("ENCRYPT_DECRYPT");
        assert_eq!(
            message,
            format!("KeyUsage {usage} is not compatible with KeySpec {spec}"),
            "{what}"
        );
    }
    // None of them was created.
    assert!(all_keys(&kms, 100).await.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn the_wrong_key_for_the_operation_is_invalid_key_usage() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    let iku = INVALID_KEY_USAGE;

    // Data keys come from symmetric encryption keys only.
    for key in [&k.rsa_encrypt, &k.rsa_sign, &k.hmac, &k.ml_kem] {
        let r = kms
            .generate_data_key()
            .key_id(key)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await;
        assert_refused(iku, "GenerateDataKey", r);
        let r = kms
            .generate_data_key_without_plaintext()
            .key_id(key)
            .number_of_bytes(32)
            .send()
            .await;
        assert_refused(iku, "GenerateDataKeyWithoutPlaintext", r);
        let r = kms
            .generate_data_key_pair()
            .key_id(key)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await;
        assert_refused(iku, "GenerateDataKeyPair", r);
        let r = kms
            .generate_data_key_pair_without_plaintext()
            .key_id(key)
            .key_pair_spec(DataKeyPairSpec::EccNistP256)
            .send()
            .await;
        assert_refused(iku, "GenerateDataKeyPairWithoutPlaintext", r);
    }

    // Sign and Verify take SIGN_VERIFY keys only.
    let ecdsa = SigningAlgorithmSpec::EcdsaSha256;
    for key in [
        &k.symmetric,
        &k.rsa_encrypt,
        &k.hmac,
        &k.p256_agree,
        &k.ml_kem,
    ] {
        let r = kms
            .sign()
            .key_id(key)
            .signing_algorithm(ecdsa.clone())
            .message(Blob::new("m"))
            .send()
            .await;
        assert_refused(iku, "Sign", r);
        let r = verify(&kms, key, &ecdsa, MessageType::Raw, b"m", &[0x30, 0]).await;
        assert_refused(iku, "Verify", r);
    }

    // Encrypt and Decrypt take ENCRYPT_DECRYPT keys only.
    for key in [&k.rsa_sign, &k.p256_sign, &k.p256_agree, &k.hmac, &k.ml_kem] {
        for alg in [None, Some(EncryptionAlgorithmSpec::RsaesOaepSha256)] {
            let r = kms
                .encrypt()
                .key_id(key)
                .set_encryption_algorithm(alg.clone())
                .plaintext(Blob::new("p"))
                .send()
                .await;
            assert_refused(iku, "Encrypt", r);
            let r = kms
                .decrypt()
                .key_id(key)
                .set_encryption_algorithm(alg)
                .ciphertext_blob(Blob::new(vec![1; 256]))
                .send()
                .await;
            assert_refused(iku, "Decrypt", r);
        }
    }

    // GenerateMac and VerifyMac take HMAC keys only.
    for key in [&k.symmetric, &k.rsa_encrypt, &k.rsa_sign, &k.p256_agree] {
        let r = kms
            .generate_mac()
            .key_id(key)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new("m"))
            .send()
            .await;
        assert_refused(iku, "GenerateMac", r);
        let r = kms
            .verify_mac()
            .key_id(key)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(Blob::new("m"))
            .mac(Blob::new(vec![0; 32]))
            .send()
            .await;
        assert_refused(iku, "VerifyMac", r);
    }

    // DeriveSharedSecret takes KEY_AGREEMENT keys only; Encapsulate and Decapsulate take
    // ML-KEM keys only.
    let peer = kms
        .get_public_key()
        .key_id(&k.p256_sign)
        .send()
        .await
        .unwrap()
        .public_key
        .unwrap();
    for key in [&k.symmetric, &k.p256_sign, &k.rsa_encrypt, &k.hmac] {
        let r = kms
            .derive_shared_secret()
            .key_id(key)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(peer.clone())
            .send()
            .await;
        assert_refused(iku, "DeriveSharedSecret", r);
        let r = kms
            .encapsulate()
            .key_id(key)
            .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
            .send()
            .await;
        assert_refused(iku, "Encapsulate", r);
        let r = kms
            .decapsulate()
            .key_id(key)
            .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
            .shared_secret_ciphertext_blob(Blob::new(vec![0; 768]))
            .send()
            .await;
        assert_refused(iku, "Decapsulate", r);
    }

    // Symmetric and HMAC keys have no public key.
    for key in [&k.symmetric, &k.hmac] {
        let r = kms.get_public_key().key_id(key).send().await;
        assert_refused("UnsupportedOperationException", "GetPublicKey", r);
    }
    server.stop().await;
}

#[tokio::test]
async fn an_algorithm_the_key_does_not_support_is_invalid_key_usage() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    let iku = INVALID_KEY_USAGE;
    use SigningAlgorithmSpec as A;
    let mismatches = [
        (&k.p256_sign, A::EcdsaSha384),
        (&k.p256_sign, A::RsassaPssSha256),
        (&k.rsa_sign, A::EcdsaSha256),
        (&k.rsa_sign, A::MlDsaShake256),
        (&k.ed25519, A::EcdsaSha512),
        (&k.ml_dsa, A::Ed25519Sha512),
        (&k.ml_dsa, A::Sm2Dsa),
    ];
    for (key, alg) in mismatches {
        let what = format!("Sign with {alg}");
        let r = kms
            .sign()
            .key_id(key)
            .signing_algorithm(alg.clone())
            .message(Blob::new("m"))
            .send()
            .await;
        assert_refused(iku, &what, r);
        let r = verify(&kms, key, &alg, MessageType::Raw, b"m", &[1; 64]).await;
        assert_refused(iku, &format!("Verify with {alg}"), r);
    }

    // RSA keys encrypt with RSAES_OAEP_* only: not SYMMETRIC_DEFAULT (the default), nor SM2PKE.
    for alg in [None, Some(EncryptionAlgorithmSpec::Sm2Pke)] {
        let r = kms
            .encrypt()
            .key_id(&k.rsa_encrypt)
            .set_encryption_algorithm(alg.clone())
            .plaintext(Blob::new("p"))
            .send()
            .await;
        assert_refused(iku, &format!("Encrypt RSA with {alg:?}"), r);
    }
    // A symmetric key encrypts with SYMMETRIC_DEFAULT only.
    let r = kms
        .encrypt()
        .key_id(&k.symmetric)
        .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha1)
        .plaintext(Blob::new("p"))
        .send()
        .await;
    assert_refused(iku, "Encrypt symmetric with RSAES_OAEP_SHA_1", r);

    // An HMAC key computes its own hash only.
    for alg in [MacAlgorithmSpec::HmacSha224, MacAlgorithmSpec::HmacSha512] {
        let r = kms
            .generate_mac()
            .key_id(&k.hmac)
            .mac_algorithm(alg.clone())
            .message(Blob::new("m"))
            .send()
            .await;
        assert_refused(iku, &format!("GenerateMac with {alg}"), r);
        let r = kms
            .verify_mac()
            .key_id(&k.hmac)
            .mac_algorithm(alg.clone())
            .message(Blob::new("m"))
            .mac(Blob::new(vec![0; 32]))
            .send()
            .await;
        assert_refused(iku, &format!("VerifyMac with {alg}"), r);
    }
    server.stop().await;
}

#[tokio::test]
async fn message_types_and_digest_lengths_aws_refuses() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    use MessageType as M;
    use SigningAlgorithmSpec as A;
    let cases: &[(&str, &String, A, M, usize)] = &[
        (
            "a DIGEST one byte short",
            &k.p256_sign,
            A::EcdsaSha256,
            M::Digest,
            31,
        ),
        (
            "a SHA-384 digest for SHA-256",
            &k.p256_sign,
            A::EcdsaSha256,
            M::Digest,
            48,
        ),
        (
            "a SHA-256 digest for SHA-384",
            &k.rsa_sign,
            A::RsassaPssSha384,
            M::Digest,
            32,
        ),
        (
            "a SHA-512 digest for SHA-256",
            &k.rsa_sign,
            A::RsassaPkcs1V15Sha256,
            M::Digest,
            64,
        ),
        (
            "a DIGEST for Ed25519ph too short",
            &k.ed25519,
            A::Ed25519PhSha512,
            M::Digest,
            32,
        ),
        (
            "ED25519_SHA_512 with a DIGEST",
            &k.ed25519,
            A::Ed25519Sha512,
            M::Digest,
            64,
        ),
        (
            "ED25519_PH_SHA_512 with RAW",
            &k.ed25519,
            A::Ed25519PhSha512,
            M::Raw,
            64,
        ),
        (
            "EXTERNAL_MU for ECDSA",
            &k.p256_sign,
            A::EcdsaSha256,
            M::ExternalMu,
            64,
        ),
        (
            "EXTERNAL_MU for Ed25519",
            &k.ed25519,
            A::Ed25519Sha512,
            M::ExternalMu,
            64,
        ),
        (
            "a DIGEST for ML-DSA",
            &k.ml_dsa,
            A::MlDsaShake256,
            M::Digest,
            64,
        ),
        ("a short μ", &k.ml_dsa, A::MlDsaShake256, M::ExternalMu, 32),
        ("a long μ", &k.ml_dsa, A::MlDsaShake256, M::ExternalMu, 65),
    ];
    for (what, key, alg, message_type, len) in cases {
        let message = random(*len);
        let r = kms
            .sign()
            .key_id(*key)
            .signing_algorithm(alg.clone())
            .message_type(message_type.clone())
            .message(Blob::new(message.clone()))
            .send()
            .await;
        let (code, text) = refused(&format!("Sign: {what}"), r);
        assert_eq!(code, VALIDATION, "Sign: {what}: {text}");
        let r = verify(&kms, key, alg, message_type.clone(), &message, &[1; 64]).await;
        let (code, text) = refused(&format!("Verify: {what}"), r);
        assert_eq!(code, VALIDATION, "Verify: {what}: {text}");
    }
    // AWS's message for a digest of the wrong length.
    let r = kms
        .sign()
        .key_id(&k.p256_sign)
        .signing_algorithm(A::EcdsaSha256)
        .message_type(M::Digest)
        .message(Blob::new(random(20)))
        .send()
        .await;
    let (_, text) = refused("Sign with a 20-byte digest", r);
    assert_eq!(
        text,
        "Digest is invalid length for algorithm ECDSA_SHA_256."
    );

    // A RAW message longer than the model's 4096 bytes.
    let r = kms
        .sign()
        .key_id(&k.ed25519)
        .signing_algorithm(A::Ed25519Sha512)
        .message(Blob::new(random(4097)))
        .send()
        .await;
    let (code, text) = refused("Sign 4097 bytes", r);
    assert_eq!(code, VALIDATION);
    assert_eq!(
        text,
        one_violation(None, "message", "have length less than or equal to 4096")
    );
    server.stop().await;
}

#[tokio::test]
async fn signatures_that_do_not_verify() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    let other_p256 = create_checked(&kms, "ECC_NIST_P256", "SIGN_VERIFY").await;
    let alg = SigningAlgorithmSpec::EcdsaSha256;
    let message = b"signed";
    let signature = sign(&kms, &k.p256_sign, &alg, MessageType::Raw, message).await;
    let theirs = sign(&kms, &other_p256, &alg, MessageType::Raw, message).await;
    // Another key's signature, garbage, a DER signature cut short, one byte: all simply
    // invalid signatures, whatever their shape.
    for bad in [
        theirs,
        random(72),
        signature[..signature.len() - 1].to_vec(),
        vec![0],
    ] {
        assert_invalid_signature(&kms, &k.p256_sign, &alg, MessageType::Raw, message, &bad).await;
    }
    for (key, alg) in [
        (&k.rsa_sign, SigningAlgorithmSpec::RsassaPssSha256),
        (&k.ed25519, SigningAlgorithmSpec::Ed25519Sha512),
        (&k.ml_dsa, SigningAlgorithmSpec::MlDsaShake256),
    ] {
        for bad in [random(1), random(64), random(256), random(2420)] {
            assert_invalid_signature(&kms, key, &alg, MessageType::Raw, message, &bad).await;
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn asymmetric_encryption_refusals() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    let other_rsa = create_checked(&kms, "RSA_2048", "ENCRYPT_DECRYPT").await;
    let sm2 = create_checked(&kms, "SM2", "ENCRYPT_DECRYPT").await;
    let oaep = EncryptionAlgorithmSpec::RsaesOaepSha256;
    let blob = kms
        .encrypt()
        .key_id(&k.rsa_encrypt)
        .encryption_algorithm(oaep.clone())
        .plaintext(Blob::new("secret"))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();

    // An RSA ciphertext names no key: Decrypt without KeyId cannot open it.
    for alg in [None, Some(oaep.clone())] {
        let r = kms
            .decrypt()
            .ciphertext_blob(blob.clone())
            .set_encryption_algorithm(alg)
            .send()
            .await;
        assert_refused("InvalidCiphertextException", "Decrypt without KeyId", r);
    }
    // Another key, a changed or truncated ciphertext: invalid, without detail.
    let bytes = blob.as_ref();
    for (what, key, ciphertext) in [
        ("another RSA key", &other_rsa, bytes.to_vec()),
        ("a flipped bit", &k.rsa_encrypt, flip(bytes, 100)),
        ("truncated", &k.rsa_encrypt, bytes[..255].to_vec()),
        (
            "a symmetric blob",
            &k.rsa_encrypt,
            encrypt(&kms, &k.symmetric, b"x", &[]).await,
        ),
    ] {
        let r = kms
            .decrypt()
            .key_id(key)
            .encryption_algorithm(oaep.clone())
            .ciphertext_blob(Blob::new(ciphertext))
            .send()
            .await;
        assert_refused("InvalidCiphertextException", what, r);
    }

    // An encryption context is for symmetric keys only.
    for (key, alg) in [
        (&k.rsa_encrypt, oaep.clone()),
        (&sm2, EncryptionAlgorithmSpec::Sm2Pke),
    ] {
        let r = kms
            .encrypt()
            .key_id(key)
            .encryption_algorithm(alg.clone())
            .encryption_context("purpose", "test")
            .plaintext(Blob::new("p"))
            .send()
            .await;
        assert_refused(VALIDATION, &format!("Encrypt {alg} with a context"), r);
    }
    let r = kms
        .decrypt()
        .key_id(&k.rsa_encrypt)
        .encryption_algorithm(oaep.clone())
        .encryption_context("purpose", "test")
        .ciphertext_blob(blob.clone())
        .send()
        .await;
    assert_refused(VALIDATION, "Decrypt RSA with a context", r);
    let r = kms
        .re_encrypt()
        .ciphertext_blob(Blob::new(encrypt(&kms, &k.symmetric, b"x", &[]).await))
        .destination_key_id(&k.rsa_encrypt)
        .destination_encryption_algorithm(oaep.clone())
        .destination_encryption_context("purpose", "test")
        .send()
        .await;
    assert_refused(VALIDATION, "ReEncrypt to RSA with a context", r);

    // Without one, ReEncrypt moves plaintext between symmetric and RSA keys both ways.
    let to_rsa = kms
        .re_encrypt()
        .ciphertext_blob(Blob::new(encrypt(&kms, &k.symmetric, b"moved", &[]).await))
        .destination_key_id(&k.rsa_encrypt)
        .destination_encryption_algorithm(oaep.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(to_rsa.destination_encryption_algorithm(), Some(&oaep));
    let rsa_blob = to_rsa.ciphertext_blob.unwrap();
    let to_symmetric = kms
        .re_encrypt()
        .ciphertext_blob(rsa_blob)
        .source_key_id(&k.rsa_encrypt)
        .source_encryption_algorithm(oaep.clone())
        .destination_key_id(&k.symmetric)
        .send()
        .await
        .unwrap();
    assert_eq!(to_symmetric.source_encryption_algorithm(), Some(&oaep));
    let back = to_symmetric.ciphertext_blob.unwrap();
    assert_eq!(decrypt(&kms, back.as_ref(), &[]).await, b"moved");
    server.stop().await;
}

#[tokio::test]
async fn peer_keys_and_kem_ciphertexts_aws_refuses() {
    let server = TestServer::start().await;
    let kms = server.client();
    let p256 = create_checked(&kms, "ECC_NIST_P256", "KEY_AGREEMENT").await;
    let sm2 = create_checked(&kms, "SM2", "KEY_AGREEMENT").await;
    let ed25519 = create_checked(&kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY").await;
    let rsa = create_checked(&kms, "RSA_2048", "SIGN_VERIFY").await;
    let rng = SystemRandom::new();
    let spki_of = |alg| {
        let key = EphemeralPrivateKey::generate(alg, &rng).unwrap();
        key.compute_public_key()
            .unwrap()
            .as_der()
            .unwrap()
            .as_ref()
            .to_vec()
    };
    let p256_peer = spki_of(&agreement::ECDH_P256);
    let p384_peer = spki_of(&agreement::ECDH_P384);
    // The P-256 peer's point with its last coordinate byte changed: off the curve.
    let off_curve = flip(&p256_peer, p256_peer.len() - 1);
    let bare_point = parse_spki(&p256_peer).key;
    let cases = [
        ("a P-384 key", &p256, p384_peer.clone()),
        ("a point off the curve", &p256, off_curve),
        ("a bare point, not an SPKI", &p256, bare_point),
        ("an Ed25519 key", &p256, public_key(&kms, &ed25519).await),
        ("an RSA key", &p256, public_key(&kms, &rsa).await),
        ("garbage", &p256, random(91)),
        ("a P-256 key for an SM2 key", &sm2, p256_peer.clone()),
    ];
    for (what, key, peer) in cases {
        let r = kms
            .derive_shared_secret()
            .key_id(key)
            .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
            .public_key(Blob::new(peer))
            .send()
            .await;
        assert_refused(VALIDATION, &format!("DeriveSharedSecret with {what}"), r);
    }

    // An ML-KEM ciphertext of another parameter set is the wrong length.
    let kem_512 = create_checked(&kms, "ML_KEM_512", "ENCAPSULATE_DECAPSULATE").await;
    let kem_768 = create_checked(&kms, "ML_KEM_768", "ENCAPSULATE_DECAPSULATE").await;
    let ciphertext = kms
        .encapsulate()
        .key_id(&kem_512)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .send()
        .await
        .unwrap()
        .shared_secret_ciphertext_blob
        .unwrap();
    let r = kms
        .decapsulate()
        .key_id(&kem_768)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .shared_secret_ciphertext_blob(ciphertext)
        .send()
        .await;
    assert_refused(
        "InvalidCiphertextException",
        "Decapsulate 768 bytes with ML-KEM-768",
        r,
    );
    server.stop().await;
}

#[tokio::test]
async fn dry_runs_answer_after_every_check() {
    let server = TestServer::start().await;
    let kms = server.client();
    let k = keys(&kms).await;
    let dry = "DryRunOperationException";
    let ecdsa = SigningAlgorithmSpec::EcdsaSha256;
    let peer = public_key(&kms, &k.p256_agree).await;

    // Every check passes: the dry run says so, and nothing else happens.
    let r = kms
        .sign()
        .key_id(&k.p256_sign)
        .signing_algorithm(ecdsa.clone())
        .message(Blob::new("m"))
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "Sign", r);
    let r = kms
        .verify()
        .key_id(&k.p256_sign)
        .signing_algorithm(ecdsa.clone())
        .message(Blob::new("m"))
        .signature(Blob::new(vec![0x30, 0]))
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "Verify", r);
    let r = kms
        .generate_mac()
        .key_id(&k.hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new("m"))
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "GenerateMac", r);
    let r = kms
        .derive_shared_secret()
        .key_id(&k.p256_agree)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(peer))
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "DeriveSharedSecret", r);
    let r = kms
        .encapsulate()
        .key_id(&k.ml_kem)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "Encapsulate", r);
    let r = kms
        .generate_data_key_pair()
        .key_id(&k.symmetric)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "GenerateDataKeyPair", r);
    let r = kms
        .generate_data_key_pair_without_plaintext()
        .key_id(&k.symmetric)
        .key_pair_spec(DataKeyPairSpec::Rsa2048)
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "GenerateDataKeyPairWithoutPlaintext", r);
    let r = kms
        .verify_mac()
        .key_id(&k.hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new("m"))
        .mac(Blob::new(vec![0; 32]))
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "VerifyMac", r);
    let ciphertext = kms
        .encapsulate()
        .key_id(&k.ml_kem)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .send()
        .await
        .unwrap()
        .shared_secret_ciphertext_blob
        .unwrap();
    let r = kms
        .decapsulate()
        .key_id(&k.ml_kem)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .shared_secret_ciphertext_blob(ciphertext.clone())
        .dry_run(true)
        .send()
        .await;
    assert_refused(dry, "Decapsulate", r);

    // A check that fails answers first.
    let r = kms
        .sign()
        .key_id(&k.p256_sign)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha384)
        .message(Blob::new("m"))
        .dry_run(true)
        .send()
        .await;
    assert_refused(INVALID_KEY_USAGE, "Sign with ECDSA_SHA_384, dry run", r);
    let r = kms
        .sign()
        .key_id(&k.p256_sign)
        .signing_algorithm(ecdsa)
        .message_type(MessageType::Digest)
        .message(Blob::new(random(20)))
        .dry_run(true)
        .send()
        .await;
    assert_refused(VALIDATION, "Sign a short digest, dry run", r);
    let r = kms
        .verify_mac()
        .key_id(&k.hmac)
        .mac_algorithm(MacAlgorithmSpec::HmacSha512)
        .message(Blob::new("m"))
        .mac(Blob::new(vec![0; 64]))
        .dry_run(true)
        .send()
        .await;
    assert_refused(INVALID_KEY_USAGE, "VerifyMac with HMAC_SHA_512, dry run", r);
    let r = kms
        .generate_data_key_pair()
        .key_id(&k.rsa_encrypt)
        .key_pair_spec(DataKeyPairSpec::EccNistP256)
        .dry_run(true)
        .send()
        .await;
    assert_refused(
        INVALID_KEY_USAGE,
        "GenerateDataKeyPair under RSA, dry run",
        r,
    );
    let r = kms
        .generate_data_key_pair_without_plaintext()
        .key_id(&k.p256_sign)
        .key_pair_spec(DataKeyPairSpec::Rsa2048)
        .dry_run(true)
        .send()
        .await;
    assert_refused(
        INVALID_KEY_USAGE,
        "GenerateDataKeyPairWithoutPlaintext under ECC, dry run",
        r,
    );
    let short = Blob::new(ciphertext.into_inner()[1..].to_vec());
    let r = kms
        .decapsulate()
        .key_id(&k.ml_kem)
        .encapsulation_algorithm(EncapsulationAlgorithmSpec::MlKem)
        .shared_secret_ciphertext_blob(short)
        .dry_run(true)
        .send()
        .await;
    assert_refused(
        "InvalidCiphertextException",
        "Decapsulate a short ciphertext, dry run",
        r,
    );
    server.stop().await;
}
