//! Every wrapping algorithm with every wrapping key spec AWS pairs it with, end to end:
//! GetParametersForImport hands out a wrapping public key of the spec asked for, valid 24
//! hours; material wrapped under it outside Trent imports, and the imported key works.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair as _};
use aws_sdk_kms::types::{AlgorithmSpec, KeySpec, KeyState, KeyUsageType, WrappingKeySpec};
use common::asymmetric::{public_key, random};
use common::import::*;
use common::*;
use trent_crypto::EncryptionKey;
use trent_testkit::TestServer;
use trent_types::EncryptionAlgorithm;

const RSA_SPECS: [(WrappingKeySpec, usize); 3] = [
    (WrappingKeySpec::Rsa2048, 256),
    (WrappingKeySpec::Rsa3072, 384),
    (WrappingKeySpec::Rsa4096, 512),
];

/// The parameters for `key`, checked: a public key of `spec` (`modulus_len` bytes for RSA),
/// valid for 24 hours from the server's clock.
async fn checked_parameters(
    server: &TestServer,
    kms: &aws_sdk_kms::Client,
    key: &str,
    alg: AlgorithmSpec,
    spec: WrappingKeySpec,
    modulus_len: Option<usize>,
) -> (Vec<u8>, Vec<u8>) {
    let out = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(alg.clone())
        .wrapping_key_spec(spec.clone())
        .send()
        .await
        .unwrap();
    let valid_to = out.parameters_valid_to().unwrap().to_millis().unwrap();
    let expected = server.now().millis() + 24 * 3600 * 1000;
    assert!(
        (valid_to - expected).abs() < 5_000,
        "{alg} {spec}: ParametersValidTo {valid_to}, expected about {expected}"
    );
    let spki = out.public_key.unwrap().into_inner();
    if let Some(len) = modulus_len {
        let public = aws_lc_rs::rsa::PublicEncryptingKey::from_der(&spki).unwrap();
        assert_eq!(public.key_size_bytes(), len, "{alg} {spec}");
    }
    (spki, out.import_token.unwrap().into_inner())
}

#[tokio::test]
async fn every_rsa_wrapping_pair_imports() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    for (spec, modulus_len) in RSA_SPECS {
        // Symmetric material, with both RSAES-OAEP hashes.
        for alg in [AlgorithmSpec::RsaesOaepSha1, AlgorithmSpec::RsaesOaepSha256] {
            let key = symmetric_external(&kms).await;
            let (spki, token) = checked_parameters(
                &server,
                &kms,
                &key,
                alg.clone(),
                spec.clone(),
                Some(modulus_len),
            )
            .await;
            let material = random(32);
            send_import(
                &kms,
                &key,
                &token,
                &wrap(&alg, &spki, &material),
                None,
                None,
            )
            .await
            .unwrap();
            let blob = encrypt(&kms, &key, b"pair", &[]).await;
            assert_eq!(open_outside(&material, &blob), b"pair", "{alg} {spec}");
        }
        // An ECC private key, with both RSA-AES key wraps.
        for alg in [
            AlgorithmSpec::RsaAesKeyWrapSha1,
            AlgorithmSpec::RsaAesKeyWrapSha256,
        ] {
            let ec = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
            let key = external_key(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
            let (spki, token) = checked_parameters(
                &server,
                &kms,
                &key,
                alg.clone(),
                spec.clone(),
                Some(modulus_len),
            )
            .await;
            let pkcs8 = ec.to_pkcs8v1().unwrap();
            send_import(
                &kms,
                &key,
                &token,
                &wrap(&alg, &spki, pkcs8.as_ref()),
                None,
                None,
            )
            .await
            .unwrap();
            let ours = ec.public_key().as_der().unwrap();
            assert_eq!(public_key(&kms, &key).await, ours.as_ref(), "{alg} {spec}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn sm2pke_wraps_under_an_sm2_wrapping_key() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let key = symmetric_external(&kms).await;
    // SM2PKE goes with an SM2 wrapping key only, and RSA algorithms never with one.
    for (alg, spec) in [
        (AlgorithmSpec::Sm2Pke, WrappingKeySpec::Rsa2048),
        (AlgorithmSpec::RsaesOaepSha256, WrappingKeySpec::Sm2),
    ] {
        let e = fail(try_parameters(&kms, &key, alg.clone(), spec.clone()).await);
        assert_eq!(code(&e), "ValidationException", "{alg} {spec}: {e:?}");
    }
    let (spki, token) = checked_parameters(
        &server,
        &kms,
        &key,
        AlgorithmSpec::Sm2Pke,
        WrappingKeySpec::Sm2,
        None,
    )
    .await;
    let material = random(32);
    let wrapping = EncryptionKey::from_spki(trent_types::KeySpec::Sm2, &spki).unwrap();
    let wrapped = wrapping
        .encrypt(EncryptionAlgorithm::Sm2pke, &material)
        .unwrap();
    send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap();
    assert_eq!(state_of(&kms, &key).await, KeyState::Enabled);
    let blob = encrypt(&kms, &key, b"sm2pke", &[]).await;
    assert_eq!(open_outside(&material, &blob), b"sm2pke");

    // A day later the parameters have expired.
    let key = symmetric_external(&kms).await;
    let (spki, token) = checked_parameters(
        &server,
        &kms,
        &key,
        AlgorithmSpec::Sm2Pke,
        WrappingKeySpec::Sm2,
        None,
    )
    .await;
    server.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let wrapping = EncryptionKey::from_spki(trent_types::KeySpec::Sm2, &spki).unwrap();
    let wrapped = wrapping
        .encrypt(EncryptionAlgorithm::Sm2pke, &material)
        .unwrap();
    let e = send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_expired_import_token_exception(), "{e:?}");
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
    server.stop().await;
}
