//! Imported key material (bring your own key) end to end through `aws-sdk-kms`: material
//! wrapped outside Trent with aws-lc-rs, as AWS's documentation wraps it, imported into
//! symmetric, HMAC, RSA and ECC keys and checked outside Trent; expiry with the clock moved
//! (the hot path, then the job), re-import, DeleteImportedKeyMaterial, rotation of imported
//! material, and every error AWS answers with.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair as _};
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportState, ImportType, KeySpec, KeyState, KeyUsageType,
    MacAlgorithmSpec, OriginType, SigningAlgorithmSpec, WrappingKeySpec,
};
use common::asymmetric::{public_key, random};
use common::import::*;
use common::*;
use trent_testkit::TestServer;
use trent_types::Timestamp;

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test]
async fn symmetric_material_imports_with_both_oaep_hashes() {
    let server = TestServer::start().await;
    let kms = server.client();
    for alg in [AlgorithmSpec::RsaesOaepSha1, AlgorithmSpec::RsaesOaepSha256] {
        let key = symmetric_external(&kms).await;
        // Nothing to encrypt with yet.
        let e = fail(
            kms.encrypt()
                .key_id(&key)
                .plaintext(Blob::new("x"))
                .send()
                .await,
        );
        assert!(e.is_kms_invalid_state_exception(), "{e:?}");
        let meta = describe(&kms, &key).await;
        assert_eq!(meta.expiration_model(), None);

        let material = random(32);
        let material_id = import(&kms, &key, alg.clone(), &material, None).await;
        let meta = describe(&kms, &key).await;
        assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
        assert_eq!(
            meta.expiration_model(),
            Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
        );
        assert_eq!(meta.valid_to(), None);
        assert_eq!(meta.current_key_material_id(), Some(material_id.as_str()));

        let blob = encrypt(&kms, &key, b"imported", &[]).await;
        assert_eq!(open_outside(&material, &blob), b"imported", "{alg}");
        assert_eq!(decrypt(&kms, &blob, &[]).await, b"imported");
    }
}

#[tokio::test]
async fn hmac_material_makes_the_macs_anyone_with_it_makes() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = external_key(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    // Longer than the spec's minimum, up to the hash's block size, as AWS allows.
    let material = random(48);
    import(&kms, &key, AlgorithmSpec::RsaesOaepSha256, &material, None).await;
    let mac = kms
        .generate_mac()
        .key_id(&key)
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .message(Blob::new("message"))
        .send()
        .await
        .unwrap()
        .mac
        .unwrap()
        .into_inner();
    let expected = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &material), b"message");
    assert_eq!(mac, expected.as_ref());

    // Material of the wrong length is not HMAC_256 material.
    let short = external_key(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    let (token, wrapped) = wrapped_for(
        &kms,
        &short,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa2048,
        &random(16),
    )
    .await;
    let e = send_import(&kms, &short, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
    // Only symmetric encryption keys take an ImportType (new material after the first).
    let e = import_new(&kms, &key, &random(32)).await.unwrap_err();
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    assert_eq!(
        message(&e),
        "ImportType, KeyMaterialId and KeyMaterialDescription are supported only for symmetric encryption KMS keys."
    );
}

#[tokio::test]
async fn rsa_and_ecc_private_keys_import_with_rsa_aes_key_wrap() {
    let server = TestServer::start().await;
    let kms = server.client();

    // An RSA signing key: its private key generated outside Trent.
    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let key = external_key(&kms, KeySpec::Rsa2048, KeyUsageType::SignVerify).await;
    // RSA private keys need an RSA_AES_KEY_WRAP algorithm.
    let e = fail(
        try_parameters(
            &kms,
            &key,
            AlgorithmSpec::RsaesOaepSha256,
            WrappingKeySpec::Rsa4096,
        )
        .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    import(
        &kms,
        &key,
        AlgorithmSpec::RsaAesKeyWrapSha256,
        rsa.as_der().unwrap().as_ref(),
        None,
    )
    .await;
    let spki = rsa.public_key().as_der().unwrap();
    assert_eq!(public_key(&kms, &key).await, spki.as_ref());
    let signature = sign(&kms, &key, SigningAlgorithmSpec::RsassaPssSha256, b"signed").await;
    sig::UnparsedPublicKey::new(&sig::RSA_PSS_2048_8192_SHA256, spki.as_ref())
        .verify(b"signed", &signature)
        .unwrap();

    // An ECC key, with RSA_AES_KEY_WRAP_SHA_1.
    let ec = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let key = external_key(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    import(
        &kms,
        &key,
        AlgorithmSpec::RsaAesKeyWrapSha1,
        ec.to_pkcs8v1().unwrap().as_ref(),
        None,
    )
    .await;
    let signature = sign(&kms, &key, SigningAlgorithmSpec::EcdsaSha256, b"signed").await;
    sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_ASN1, ec.public_key().as_ref())
        .verify(b"signed", &signature)
        .unwrap();

    // A P-384 private key is no material for a P-256 key.
    let other = EcdsaKeyPair::generate(&sig::ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let key = external_key(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let (spki, token) = parameters(
        &kms,
        &key,
        AlgorithmSpec::RsaAesKeyWrapSha256,
        WrappingKeySpec::Rsa2048,
    )
    .await;
    let wrapped = wrap(
        &AlgorithmSpec::RsaAesKeyWrapSha256,
        &spki,
        other.to_pkcs8v1().unwrap().as_ref(),
    );
    let e = send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
}

#[tokio::test]
async fn sm2_private_keys_import_too() {
    let server = TestServer::start().await;
    let kms = server.client();
    let material = trent_crypto::KeyMaterial::generate(trent_types::KeySpec::Sm2).unwrap();
    let spki = trent_crypto::public_key_der(trent_types::KeySpec::Sm2, &material).unwrap();
    let key = external_key(&kms, KeySpec::Sm2, KeyUsageType::SignVerify).await;
    import(
        &kms,
        &key,
        AlgorithmSpec::RsaAesKeyWrapSha256,
        material.expose_secret(),
        None,
    )
    .await;
    assert_eq!(public_key(&kms, &key).await, spki);
    let signature = sign(&kms, &key, SigningAlgorithmSpec::Sm2Dsa, b"signed").await;
    let out = kms
        .verify()
        .key_id(&key)
        .signing_algorithm(SigningAlgorithmSpec::Sm2Dsa)
        .message(Blob::new("signed"))
        .signature(Blob::new(signature))
        .send()
        .await
        .unwrap();
    assert!(out.signature_valid());
}

#[tokio::test]
async fn expired_material_is_refused_at_once_deleted_by_the_job_and_imported_again() {
    // Jobs run once at startup, then only when the test runs them.
    let server = TestServer::start_without_jobs().await;
    let kms = clock_client(&server, REGION);
    let key = symmetric_external(&kms).await;
    let material = random(32);
    let valid_to = Timestamp::from_millis(server.now().millis() + 86_400_000);
    let material_id = import(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        &material,
        Some(valid_to),
    )
    .await;
    let meta = describe(&kms, &key).await;
    assert_eq!(
        meta.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_time(meta.valid_to(), valid_to);
    let blob = encrypt(&kms, &key, b"before", &[]).await;
    // A token issued now, to use after it expired.
    let (spki, old_token) = parameters(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha1,
        WrappingKeySpec::Rsa2048,
    )
    .await;

    // Past the expiry, the cached key refuses at once, before the job ran.
    server.clock.advance(DAY + Duration::from_secs(1));
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert_eq!(state_of(&kms, &key).await, KeyState::Enabled);

    // The job deletes the material: the key is pending import.
    assert_eq!(
        server.service().expire_imported_material().await.unwrap(),
        1
    );
    let meta = describe(&kms, &key).await;
    assert_eq!(meta.key_state(), Some(&KeyState::PendingImport));
    let rotations = all_materials(&kms, &key).await;
    let entry = &rotations[0];
    assert_eq!(entry.key_material_id(), Some(material_id.as_str()));
    assert_eq!(entry.import_state(), Some(&ImportState::PendingImport));
    assert_eq!(entry.expiration_model(), None);

    // The token is 24 hours old: expired.
    let wrapped = wrap(&AlgorithmSpec::RsaesOaepSha1, &spki, &material);
    let e = send_import(&kms, &key, &old_token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_expired_import_token_exception(), "{e:?}");

    // Other material is not the key's.
    let (token, wrapped) = wrapped_for(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa2048,
        &random(32),
    )
    .await;
    let e = send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");

    // The same material again: the same id, and the old ciphertext decrypts.
    let again = import(&kms, &key, AlgorithmSpec::RsaesOaepSha256, &material, None).await;
    assert_eq!(again, material_id);
    assert_eq!(state_of(&kms, &key).await, KeyState::Enabled);
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"before");
    assert_eq!(
        server.service().expire_imported_material().await.unwrap(),
        0
    );

    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await;
    let events = service_events(&data_dir, "DeleteExpiredKeyMaterial").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["eventType"], "AwsServiceEvent");
    assert_eq!(events[0]["resources"][0]["ARN"], key_arn(&key).as_str());
    assert_eq!(
        events[0]["serviceEventDetails"]["keyMaterialId"],
        material_id.as_str()
    );
    drop(temp);
}

#[tokio::test]
async fn the_expiry_job_runs_on_its_own() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let key = symmetric_external(&kms).await;
    let valid_to = Timestamp::from_millis(server.now().millis() + 3_600_000);
    import(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        &random(32),
        Some(valid_to),
    )
    .await;
    server.clock.advance(Duration::from_secs(3601));
    for _ in 0..100 {
        if describe(&kms, &key).await.key_state() == Some(&KeyState::PendingImport) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the expired material of {key} was not deleted within 5 seconds");
}

#[tokio::test]
async fn import_tokens_are_bound_to_their_key_and_refuse_tampering() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = symmetric_external(&kms).await;
    let other = symmetric_external(&kms).await;
    let alg = AlgorithmSpec::RsaesOaepSha256;
    let (spki, token) = parameters(&kms, &key, alg.clone(), WrappingKeySpec::Rsa2048).await;
    let material = random(32);
    let wrapped = wrap(&alg, &spki, &material);

    // Another key's token, a changed byte anywhere, a truncated token.
    let e = send_import(&kms, &other, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_invalid_import_token_exception(), "{e:?}");
    for at in [0, 1, 5, token.len() / 2, token.len() - 1] {
        let e = send_import(&kms, &key, &flip(&token, at), &wrapped, None, None)
            .await
            .unwrap_err();
        assert!(e.is_invalid_import_token_exception(), "byte {at}: {e:?}");
    }
    let e = send_import(&kms, &key, &token[..20], &wrapped, None, None)
        .await
        .unwrap_err();
    assert!(e.is_invalid_import_token_exception(), "{e:?}");

    // Material wrapped under another public key, or changed: InvalidCiphertext.
    let (other_spki, _) = parameters(&kms, &key, alg.clone(), WrappingKeySpec::Rsa2048).await;
    let e = send_import(
        &kms,
        &key,
        &token,
        &wrap(&alg, &other_spki, &material),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    let e = send_import(&kms, &key, &token, &flip(&wrapped, 7), None, None)
        .await
        .unwrap_err();
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    // Nothing changed; the genuine pair still works.
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
    send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap();
    assert_eq!(state_of(&kms, &key).await, KeyState::Enabled);
}

#[tokio::test]
async fn deleted_material_leaves_the_key_pending_import_until_it_returns() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = symmetric_external(&kms).await;
    let material = random(32);
    let id = import(&kms, &key, AlgorithmSpec::RsaesOaepSha1, &material, None).await;
    let blob = encrypt(&kms, &key, b"kept", &[]).await;

    let out = kms
        .delete_imported_key_material()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn(&key).as_str()));
    assert_eq!(out.key_material_id(), Some(id.as_str()));
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    // Deleted already.
    let e = fail(kms.delete_imported_key_material().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    // Keys whose material Trent generated have none to delete or import.
    let generated = key_id(&kms).await;
    let e = fail(
        kms.delete_imported_key_material()
            .key_id(&generated)
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(
        try_parameters(
            &kms,
            &generated,
            AlgorithmSpec::RsaesOaepSha256,
            WrappingKeySpec::Rsa2048,
        )
        .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");

    // Scheduled for deletion and cancelled, it is still waiting for its material.
    kms.schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    kms.cancel_key_deletion().key_id(&key).send().await.unwrap();
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);

    import(&kms, &key, AlgorithmSpec::RsaesOaepSha256, &material, None).await;
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"kept");
}

#[tokio::test]
async fn imported_symmetric_keys_rotate_to_new_imported_material() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = symmetric_external(&kms).await;
    let first = random(32);
    let first_id = import(&kms, &key, AlgorithmSpec::RsaesOaepSha256, &first, None).await;
    let old = encrypt(&kms, &key, b"old", &[]).await;
    // Nothing to rotate to yet; no automatic rotation of imported keys.
    let e = fail(kms.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(kms.enable_key_rotation().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");

    let second = random(32);
    let second_id = import_new(&kms, &key, &second).await.unwrap();
    // Waiting for the rotation, the first still encrypts.
    assert_eq!(
        describe(&kms, &key).await.current_key_material_id(),
        Some(first_id.as_str())
    );
    let all = all_materials(&kms, &key).await;
    let states: Vec<_> = all
        .iter()
        .map(|r| {
            (
                r.key_material_id().unwrap().to_owned(),
                r.key_material_state().unwrap().clone(),
            )
        })
        .collect();
    use aws_sdk_kms::types::KeyMaterialState as S;
    assert_eq!(
        states,
        [
            (first_id.clone(), S::Current),
            (second_id.clone(), S::PendingRotation)
        ]
    );

    kms.rotate_key_on_demand()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&kms, &key).await.current_key_material_id(),
        Some(second_id.as_str())
    );
    let new = encrypt(&kms, &key, b"new", &[]).await;
    assert_eq!(open_outside(&second, &new), b"new");
    assert_eq!(decrypt(&kms, &old, &[]).await, b"old");
    let rotations = kms.list_key_rotations().key_id(&key).send().await.unwrap();
    let [entry] = rotations.rotations() else {
        panic!("one rotation: {rotations:?}");
    };
    assert_eq!(entry.key_material_id(), Some(second_id.as_str()));
    assert_eq!(entry.key_material_state(), Some(&S::Current));
    assert_eq!(entry.import_state(), Some(&ImportState::Imported));
    assert_eq!(
        entry.rotation_type(),
        Some(&aws_sdk_kms::types::RotationType::OnDemand)
    );

    // Re-importing the first material by its id changes nothing but its terms.
    let (token, wrapped) = wrapped_for(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa2048,
        &first,
    )
    .await;
    let out = kms
        .import_key_material()
        .key_id(&key)
        .import_token(Blob::new(token.clone()))
        .encrypted_key_material(Blob::new(wrapped.clone()))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .import_type(ImportType::ExistingKeyMaterial)
        .key_material_id(&first_id)
        .key_material_description("first material")
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(first_id.as_str()));
    let e = kms
        .import_key_material()
        .key_id(&key)
        .import_token(Blob::new(token))
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(ExpirationModelType::KeyMaterialDoesNotExpire)
        .key_material_id(&second_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");

    // New material waiting for rotation, deleted, leaves the key as it was.
    let third = import_new(&kms, &key, &random(32)).await.unwrap();
    kms.delete_imported_key_material()
        .key_id(&key)
        .key_material_id(&third)
        .send()
        .await
        .unwrap();
    assert_eq!(state_of(&kms, &key).await, KeyState::Enabled);
    let all = all_materials(&kms, &key).await;
    assert_eq!(all.len(), 2);
    assert_eq!(decrypt(&kms, &new, &[]).await, b"new");
}

#[tokio::test]
async fn requests_aws_refuses_are_refused_and_change_nothing() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = symmetric_external(&kms).await;
    let params = |alg, spec| try_parameters(&kms, &key, alg, spec);
    for (alg, spec) in [
        (AlgorithmSpec::Sm2Pke, WrappingKeySpec::Rsa2048),
        (AlgorithmSpec::RsaesOaepSha256, WrappingKeySpec::Sm2),
        (AlgorithmSpec::RsaesPkcs1V15, WrappingKeySpec::Rsa2048),
        (AlgorithmSpec::RsaAesKeyWrapSha256, WrappingKeySpec::Rsa2048),
    ] {
        let e = fail(params(alg.clone(), spec.clone()).await);
        assert_eq!(code(&e), "ValidationException", "{alg} {spec}: {e:?}");
    }
    // SM2 wrapping keys serve SM2PKE.
    let out = params(AlgorithmSpec::Sm2Pke, WrappingKeySpec::Sm2)
        .await
        .unwrap();
    assert!(!out.public_key().unwrap().as_ref().is_empty());

    let (token, wrapped) = wrapped_for(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa2048,
        &random(32),
    )
    .await;
    let now = server.now().millis();
    let request = |model: Option<ExpirationModelType>, valid_to: Option<i64>| {
        kms.import_key_material()
            .key_id(&key)
            .import_token(Blob::new(token.clone()))
            .encrypted_key_material(Blob::new(wrapped.clone()))
            .set_expiration_model(model)
            .set_valid_to(valid_to.map(DateTime::from_millis))
            .send()
    };
    let cases = [
        (
            Some(ExpirationModelType::KeyMaterialDoesNotExpire),
            Some(now + 60_000),
        ),
        (Some(ExpirationModelType::KeyMaterialExpires), None),
        (None, None),
        (
            Some(ExpirationModelType::KeyMaterialExpires),
            Some(now - 60_000),
        ),
        (
            Some(ExpirationModelType::KeyMaterialExpires),
            Some(now + 366 * 86_400_000),
        ),
    ];
    for (model, valid_to) in cases {
        let e = fail(request(model.clone(), valid_to).await);
        assert_eq!(
            code(&e),
            "ValidationException",
            "{model:?} {valid_to:?}: {e:?}"
        );
    }
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
    // 365 days is the limit, and the default model expires.
    let out = request(None, Some(now + 365 * 86_400_000)).await.unwrap();
    assert!(out.key_material_id().is_some());
    assert_time(
        describe(&kms, &key).await.valid_to(),
        Timestamp::from_millis(now + 365 * 86_400_000),
    );

    // Key specs whose material cannot be imported.
    let e = fail(
        kms.create_key()
            .origin(OriginType::External)
            .key_spec(KeySpec::MlDsa65)
            .key_usage(KeyUsageType::SignVerify)
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
}

#[tokio::test]
async fn wrapping_condition_keys_are_checked() {
    let server = TestServer::start().await;
    let kms = server.client();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:GetParametersForImport","Resource":"*",
          "Condition":{{"StringEquals":{{"kms:WrappingKeySpec":"RSA_2048"}}}}}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:ImportKeyMaterial","Resource":"*",
          "Condition":{{"StringEquals":{{"kms:ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE"}}}}}}]}}"#
    );
    let key = kms
        .create_key()
        .origin(OriginType::External)
        .policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let e = fail(
        try_parameters(
            &kms,
            &key,
            AlgorithmSpec::RsaesOaepSha256,
            WrappingKeySpec::Rsa2048,
        )
        .await,
    );
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    let (token, wrapped) = wrapped_for(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa3072,
        &random(32),
    )
    .await;
    let e = send_import(&kms, &key, &token, &wrapped, None, None)
        .await
        .unwrap_err();
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    let valid_to = Timestamp::from_millis(server.now().millis() + 86_400_000);
    send_import(&kms, &key, &token, &wrapped, Some(valid_to), None)
        .await
        .unwrap();
}

#[tokio::test]
async fn imported_material_survives_a_restart_sealed() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let key = symmetric_external(&kms).await;
    let material = random(32);
    let valid_to = Timestamp::from_millis(server.now().millis() + 30 * 86_400_000);
    let id = import(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha256,
        &material,
        Some(valid_to),
    )
    .await;
    let blob = encrypt(&kms, &key, b"kept", &[]).await;
    let (old_spki, old_token) = parameters(
        &kms,
        &key,
        AlgorithmSpec::RsaesOaepSha1,
        WrappingKeySpec::Rsa2048,
    )
    .await;

    let clock = server.clock.clone();
    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await.expect("the fixture's temp dir");
    // The material is stored only sealed; the import token is stored nowhere.
    assert_not_in_db(&data_dir, &[&material, &old_token]);

    let server = TestServer::start_in(&temp.path().join("data"), clock).await;
    let kms = clock_client(&server, REGION);
    let meta = describe(&kms, &key).await;
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert_eq!(meta.current_key_material_id(), Some(id.as_str()));
    assert_time(meta.valid_to(), valid_to);
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"kept");
    let out = kms
        .delete_imported_key_material()
        .key_id(&key)
        .key_material_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(id.as_str()));
    assert_eq!(state_of(&kms, &key).await, KeyState::PendingImport);
    // A token from before the restart still serves: it carries all it needs.
    let wrapped = wrap(&AlgorithmSpec::RsaesOaepSha1, &old_spki, &material);
    send_import(&kms, &key, &old_token, &wrapped, None, None)
        .await
        .unwrap();
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"kept");
    server.stop().await;
    drop(temp);
}
