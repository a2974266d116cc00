//! Multi-Region keys with imported key material end to end through `aws-sdk-kms`, with
//! clients in several regions of one server: a primary of origin EXTERNAL, replicas created
//! without material, the same material imported into each related key by its own import,
//! ciphertexts and signatures made in one region and checked in another, other material
//! refused, and expiry and deletion that stay with the key they happen to.
//! (New material and its rotation: `multi_region_import_rotation.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair as _};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportType, KeySpec, KeyState, KeyUsageType, MessageType,
    MultiRegionKeyType, OriginType, SigningAlgorithmSpec,
};
use common::asymmetric::{public_key, random, verify};
use common::import::{open_outside, sign};
use common::multi_region_import::*;
use common::*;
use trent_testkit::TestServer;
use trent_types::Timestamp;

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test]
async fn related_keys_take_the_same_material_each_by_its_own_import() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let south = server.client_with("test", "test", SOUTH);
    let key = symmetric_primary(&east).await;

    // Replicated before any material: the replica is pending import too.
    let replica = replicate(&east, &key, WEST).await;
    assert_eq!(replica.key_id, key);
    assert_eq!(replica.origin(), Some(&OriginType::External));
    assert_eq!(replica.key_state(), Some(&KeyState::PendingImport));
    assert!(!replica.enabled());
    assert_eq!(replica.expiration_model(), None);
    assert_eq!(replica.current_key_material_id(), None);

    // The primary's material is the primary's only.
    let material = random(32);
    let material_id = import_in(&east, REGION, &key, &material).await;
    assert_eq!(state_in(&east, &key).await, KeyState::Enabled);
    assert_eq!(state_in(&west, &key).await, KeyState::PendingImport);
    let blob = encrypt(&east, &key, b"made in us-east-1", &[]).await;
    decrypt_fails_with_invalid_state(&west, &blob).await;

    // A replica made after the import still has no material.
    let later = replicate(&east, &key, SOUTH).await;
    assert_eq!(later.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(state_in(&south, &key).await, KeyState::PendingImport);

    // The same material in the replica: the same KeyMaterialId, and the keys interoperate.
    assert_eq!(import_in(&west, WEST, &key, &material).await, material_id);
    let meta = describe(&west, &key).await;
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert_eq!(meta.current_key_material_id(), Some(material_id.as_str()));
    assert_eq!(
        meta.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    let config = meta.multi_region_configuration.unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );
    assert_eq!(
        config.primary_key().and_then(|p| p.arn()),
        Some(arn_in(REGION, &key).as_str())
    );
    assert_eq!(decrypt(&west, &blob, &[]).await, b"made in us-east-1");
    let back = encrypt(&west, &key, b"made in eu-west-1", &[("site", "dublin")]).await;
    let plain = encrypt(&west, &key, b"no context", &[]).await;
    assert_eq!(open_outside(&material, &plain), b"no context");
    assert_eq!(
        decrypt(&east, &back, &[("site", "dublin")]).await,
        b"made in eu-west-1"
    );
    // The third region is still waiting for its import.
    decrypt_fails_with_invalid_state(&south, &back).await;
    assert_eq!(import_in(&south, SOUTH, &key, &material).await, material_id);
    assert_eq!(
        decrypt(&south, &back, &[("site", "dublin")]).await,
        b"made in eu-west-1"
    );
}

#[tokio::test]
async fn other_material_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let key = symmetric_primary(&east).await;
    replicate(&east, &key, WEST).await;
    let alg = AlgorithmSpec::RsaesOaepSha1;

    // A replica takes material only after its primary has it.
    let e = try_import(&west, WEST, &key, alg.clone(), &random(32), None, None)
        .await
        .unwrap_err();
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    assert_eq!(state_in(&west, &key).await, KeyState::PendingImport);

    let material = random(32);
    import_in(&east, REGION, &key, &material).await;
    // Other material, whatever the ImportType says, in the replica.
    for import_type in [
        None,
        Some(ImportType::NewKeyMaterial),
        Some(ImportType::ExistingKeyMaterial),
    ] {
        assert_other_material_refused(&west, WEST, &key, import_type).await;
    }
    assert_eq!(state_in(&west, &key).await, KeyState::PendingImport);
    assert_eq!(describe(&west, &key).await.current_key_material_id(), None);
    // The primary keeps its first material.
    assert_other_material_refused(&east, REGION, &key, None).await;

    // New material for rotation goes into the primary and waits there: the rotation, which
    // needs it in the replica too, is refused; deleted, it is gone from the primary.
    let new_type = Some(ImportType::NewKeyMaterial);
    let new_id = try_import(
        &east,
        REGION,
        &key,
        alg.clone(),
        &random(32),
        None,
        new_type,
    )
    .await
    .unwrap();
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    east.delete_imported_key_material()
        .key_id(&key)
        .key_material_id(&new_id)
        .send()
        .await
        .unwrap();
    let blob = encrypt(&east, &key, b"still one material", &[]).await;
    assert_eq!(open_outside(&material, &blob), b"still one material");

    // The replica, given the EXISTING_KEY_MATERIAL explicitly, takes the right one.
    let existing = Some(ImportType::ExistingKeyMaterial);
    try_import(&west, WEST, &key, alg, &material, None, existing)
        .await
        .unwrap();
    assert_eq!(decrypt(&west, &blob, &[]).await, b"still one material");

    // The same material in an unrelated multi-Region key makes another material id, and
    // ciphertexts do not cross.
    let unrelated = symmetric_primary(&east).await;
    let other_id = import_in(&east, REGION, &unrelated, &material).await;
    assert_ne!(
        Some(other_id.as_str()),
        describe(&east, &key).await.current_key_material_id()
    );
    let e = fail(
        east.decrypt()
            .key_id(&unrelated)
            .ciphertext_blob(Blob::new(blob))
            .send()
            .await,
    );
    assert!(e.is_incorrect_key_exception(), "{e:?}");
}

#[tokio::test]
async fn expiry_and_deletion_belong_to_each_related_key() {
    // Jobs run once at startup, then only when the test runs them.
    let server = TestServer::start_without_jobs().await;
    let east = clock_client(&server, REGION);
    let west = clock_client(&server, WEST);
    let key = symmetric_primary(&east).await;
    replicate(&east, &key, WEST).await;
    let material = random(32);
    let material_id = import_in(&east, REGION, &key, &material).await;
    let valid_to = Timestamp::from_millis(server.now().millis() + 86_400_000);
    let alg = AlgorithmSpec::RsaesOaepSha256;
    try_import(&west, WEST, &key, alg, &material, Some(valid_to), None)
        .await
        .unwrap();
    let meta = describe(&west, &key).await;
    assert_eq!(
        meta.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialExpires)
    );
    assert_time(meta.valid_to(), valid_to);
    let meta = describe(&east, &key).await;
    assert_eq!(
        meta.expiration_model(),
        Some(&ExpirationModelType::KeyMaterialDoesNotExpire)
    );
    assert_eq!(meta.valid_to(), None);
    let blob = encrypt(&east, &key, b"outlives the replica", &[]).await;

    // The replica's material expires; the primary's does not.
    server.clock.advance(DAY + Duration::from_secs(1));
    decrypt_fails_with_invalid_state(&west, &blob).await;
    assert_eq!(
        server.service().expire_imported_material().await.unwrap(),
        1
    );
    assert_eq!(state_in(&west, &key).await, KeyState::PendingImport);
    assert_eq!(state_in(&east, &key).await, KeyState::Enabled);
    assert_eq!(decrypt(&east, &blob, &[]).await, b"outlives the replica");

    // Imported again, without expiry this time.
    assert_eq!(import_in(&west, WEST, &key, &material).await, material_id);
    assert_eq!(decrypt(&west, &blob, &[]).await, b"outlives the replica");

    // Deleting the primary's material leaves the replica working.
    let out = east
        .delete_imported_key_material()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(material_id.as_str()));
    assert_eq!(state_in(&east, &key).await, KeyState::PendingImport);
    decrypt_fails_with_invalid_state(&east, &blob).await;
    assert_eq!(state_in(&west, &key).await, KeyState::Enabled);
    assert_eq!(decrypt(&west, &blob, &[]).await, b"outlives the replica");
    // The primary takes back only the same material, now that the replica holds it.
    assert_other_material_refused(&east, REGION, &key, None).await;
    assert_eq!(import_in(&east, REGION, &key, &material).await, material_id);
    assert_eq!(decrypt(&east, &blob, &[]).await, b"outlives the replica");
}

#[tokio::test]
async fn imported_signing_keys_sign_in_one_region_and_verify_in_another() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let key = external_primary(&east, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let replica = replicate(&east, &key, WEST).await;
    assert_eq!(replica.key_state(), Some(&KeyState::PendingImport));
    let e = fail(west.get_public_key().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    let ec = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let pkcs8 = ec.to_pkcs8v1().unwrap();
    let alg = AlgorithmSpec::RsaAesKeyWrapSha256;
    let material_id = try_import(&east, REGION, &key, alg.clone(), pkcs8.as_ref(), None, None)
        .await
        .unwrap();
    // Another private key of the same curve is not the primary's.
    let other = EcdsaKeyPair::generate(&sig::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let other_pkcs8 = other.to_pkcs8v1().unwrap();
    let e = try_import(
        &west,
        WEST,
        &key,
        alg.clone(),
        other_pkcs8.as_ref(),
        None,
        None,
    )
    .await
    .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
    assert_eq!(state_in(&west, &key).await, KeyState::PendingImport);
    let again = try_import(&west, WEST, &key, alg, pkcs8.as_ref(), None, None)
        .await
        .unwrap();
    assert_eq!(again, material_id);

    assert_eq!(public_key(&west, &key).await, public_key(&east, &key).await);
    let signature = sign(&east, &key, SigningAlgorithmSpec::EcdsaSha256, b"signed").await;
    let alg = SigningAlgorithmSpec::EcdsaSha256;
    let verified = verify(&west, &key, &alg, MessageType::Raw, b"signed", &signature)
        .await
        .unwrap();
    assert!(verified.signature_valid());
    assert_eq!(verified.key_id(), Some(arn_in(WEST, &key).as_str()));
    let back = sign(&west, &key, SigningAlgorithmSpec::EcdsaSha256, b"signed").await;
    for s in [&signature, &back] {
        sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_ASN1, ec.public_key().as_ref())
            .verify(b"signed", s)
            .unwrap();
    }
}

#[tokio::test]
async fn a_promoted_replica_keeps_the_material_rule() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let key = symmetric_primary(&east).await;
    let material = random(32);
    let material_id = import_in(&east, REGION, &key, &material).await;
    replicate(&east, &key, WEST).await;
    import_in(&west, WEST, &key, &material).await;
    east.update_primary_region()
        .key_id(&key)
        .primary_region(WEST)
        .send()
        .await
        .unwrap();
    let config = describe(&east, &key)
        .await
        .multi_region_configuration
        .unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );

    // The old primary, now a replica, loses its material and takes back only the same.
    east.delete_imported_key_material()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(state_in(&east, &key).await, KeyState::PendingImport);
    assert_eq!(state_in(&west, &key).await, KeyState::Enabled);
    assert_other_material_refused(&east, REGION, &key, None).await;
    assert_eq!(import_in(&east, REGION, &key, &material).await, material_id);
    let blob = encrypt(&west, &key, b"from the new primary", &[]).await;
    assert_eq!(decrypt(&east, &blob, &[]).await, b"from the new primary");
}
