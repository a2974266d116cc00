//! Multi-Region keys with imported key material end to end through `aws-sdk-kms`, with
//! clients in several regions of one server: a primary of origin EXTERNAL, replicas created
//! without material, the same material imported into each related key by its own import,
//! ciphertexts and signatures made in one region and checked in another, other material
//! refused, expiry and deletion that stay with the key they happen to, and new material
//! imported into the primary, then each replica, and rotated to everywhere at once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_lc_rs::signature::{self as sig, EcdsaKeyPair, KeyPair as _};
use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportType, KeyMaterialState, KeySpec, KeyState,
    KeyUsageType, MessageType, MultiRegionKeyType, OriginType, RotationType, SigningAlgorithmSpec,
    WrappingKeySpec,
};
use common::asymmetric::{public_key, random, verify};
use common::import::{all_materials, open_outside, sign, wrap};
use common::*;
use trent_testkit::TestServer;
use trent_types::Timestamp;

const WEST: &str = "eu-west-1";
const SOUTH: &str = "ap-south-1";
const DAY: Duration = Duration::from_secs(86_400);

fn arn_in(region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}")
}

/// Creates a multi-Region primary key of origin EXTERNAL in `kms`'s region.
async fn external_primary(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let meta = kms
        .create_key()
        .origin(OriginType::External)
        .multi_region(true)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert!(meta.key_id.starts_with("mrk-"), "{}", meta.key_id);
    assert_eq!(meta.multi_region(), Some(true));
    assert_eq!(meta.origin(), Some(&OriginType::External));
    assert_eq!(meta.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(
        meta.multi_region_configuration()
            .and_then(|c| c.multi_region_key_type()),
        Some(&MultiRegionKeyType::Primary)
    );
    meta.key_id
}

async fn symmetric_primary(kms: &Client) -> String {
    external_primary(kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await
}

/// ReplicateKey into `region`: the replica's metadata as the response reports it.
async fn replicate(kms: &Client, key: &str, region: &str) -> aws_sdk_kms::types::KeyMetadata {
    kms.replicate_key()
        .key_id(key)
        .replica_region(region)
        .send()
        .await
        .unwrap()
        .replica_key_metadata
        .unwrap()
}

/// GetParametersForImport in `kms`'s region, then ImportKeyMaterial of `material` wrapped
/// with `alg`: the KeyMaterialId, or the error.
async fn try_import(
    kms: &Client,
    region: &str,
    key: &str,
    alg: AlgorithmSpec,
    material: &[u8],
    valid_to: Option<Timestamp>,
    import_type: Option<ImportType>,
) -> Result<String, aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError> {
    let params = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(alg.clone())
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap();
    assert_eq!(params.key_id(), Some(arn_in(region, key).as_str()));
    let wrapped = wrap(&alg, params.public_key().unwrap().as_ref(), material);
    let model = if valid_to.is_some() {
        ExpirationModelType::KeyMaterialExpires
    } else {
        ExpirationModelType::KeyMaterialDoesNotExpire
    };
    kms.import_key_material()
        .key_id(key)
        .import_token(params.import_token.unwrap())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(model)
        .set_valid_to(valid_to.map(|t| DateTime::from_millis(t.millis())))
        .set_import_type(import_type)
        .send()
        .await
        .map(|out| {
            assert_eq!(out.key_id(), Some(arn_in(region, key).as_str()));
            out.key_material_id.unwrap()
        })
        .map_err(|e| e.into_service_error())
}

/// Imports symmetric `material` without expiry: its KeyMaterialId.
async fn import_in(kms: &Client, region: &str, key: &str, material: &[u8]) -> String {
    let alg = AlgorithmSpec::RsaesOaepSha256;
    try_import(kms, region, key, alg, material, None, None)
        .await
        .unwrap()
}

/// Asserts that fresh random material is refused with IncorrectKeyMaterialException.
async fn assert_other_material_refused(
    kms: &Client,
    region: &str,
    key: &str,
    import_type: Option<ImportType>,
) {
    let alg = AlgorithmSpec::RsaesOaepSha1;
    let e = try_import(kms, region, key, alg, &random(32), None, import_type)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
}

async fn state_in(kms: &Client, key: &str) -> KeyState {
    describe(kms, key).await.key_state().unwrap().clone()
}

async fn decrypt_fails_with_invalid_state(kms: &Client, blob: &[u8]) {
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.to_vec()))
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
}

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

const CANADA: &str = "ca-central-1";

/// The state ListKeyRotations shows for material `id` of `key` in `kms`'s region; `None`
/// when the key does not list it.
async fn material_state(kms: &Client, key: &str, id: &str) -> Option<KeyMaterialState> {
    all_materials(kms, key)
        .await
        .into_iter()
        .find(|m| m.key_material_id() == Some(id))
        .and_then(|m| m.key_material_state)
}

/// A symmetric primary in us-east-1 with replicas in eu-west-1 and ap-south-1, all three
/// given the same material: the key, the material and its id.
async fn three_regions_with_material(
    east: &Client,
    west: &Client,
    south: &Client,
) -> (String, Vec<u8>, String) {
    let key = symmetric_primary(east).await;
    replicate(east, &key, WEST).await;
    replicate(east, &key, SOUTH).await;
    let material = random(32);
    let id = import_in(east, REGION, &key, &material).await;
    assert_eq!(import_in(west, WEST, &key, &material).await, id);
    assert_eq!(import_in(south, SOUTH, &key, &material).await, id);
    (key, material, id)
}

/// ImportKeyMaterial with `import_type`, no expiry: the KeyMaterialId, or the error.
async fn import_as(
    kms: &Client,
    region: &str,
    key: &str,
    material: &[u8],
    import_type: ImportType,
) -> Result<String, aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError> {
    let alg = AlgorithmSpec::RsaesOaepSha256;
    try_import(kms, region, key, alg, material, None, Some(import_type)).await
}

#[tokio::test]
async fn new_material_goes_into_the_primary_then_each_replica_and_rotates_everywhere() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let south = server.client_with("test", "test", SOUTH);
    let (key, old, old_id) = three_regions_with_material(&east, &west, &south).await;
    let regions = [(&east, REGION), (&west, WEST), (&south, SOUTH)];
    let mut before = Vec::new();
    for (kms, region) in regions {
        before.push(encrypt(kms, &key, region.as_bytes(), &[]).await);
    }

    // New material in the primary waits for every replica.
    let new = random(32);
    let new_id = import_as(&east, REGION, &key, &new, ImportType::NewKeyMaterial)
        .await
        .unwrap();
    assert_ne!(new_id, old_id);
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    for lacking in [WEST, SOUTH] {
        assert!(message(&e).contains(&arn_in(lacking, &key)), "{e:?}");
    }

    // A replica takes no new material of its own, and no material its primary lacks.
    let e = import_as(&west, WEST, &key, &new, ImportType::NewKeyMaterial)
        .await
        .unwrap_err();
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    assert!(message(&e).contains(&arn_in(REGION, &key)), "{e:?}");
    assert_other_material_refused(&west, WEST, &key, Some(ImportType::ExistingKeyMaterial)).await;
    assert_other_material_refused(&west, WEST, &key, None).await;
    assert_eq!(all_materials(&west, &key).await.len(), 1);

    // The same material in the first replica: still waiting for the second.
    assert_eq!(
        import_as(&west, WEST, &key, &new, ImportType::ExistingKeyMaterial)
            .await
            .unwrap(),
        new_id
    );
    assert_eq!(
        material_state(&west, &key, &new_id).await,
        Some(KeyMaterialState::PendingRotation)
    );
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert!(message(&e).contains(&arn_in(SOUTH, &key)), "{e:?}");
    assert!(!message(&e).contains(&arn_in(WEST, &key)), "{e:?}");
    // The new material encrypts nowhere yet.
    let blob = encrypt(&west, &key, b"still old", &[]).await;
    assert_eq!(open_outside(&old, &blob), b"still old");

    // And in the second: ready to rotate, from the primary only.
    import_as(&south, SOUTH, &key, &new, ImportType::ExistingKeyMaterial)
        .await
        .unwrap();
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingRotation)
    );
    let e = fail(west.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    east.rotate_key_on_demand()
        .key_id(&key)
        .send()
        .await
        .unwrap();

    // The new material is current in every region, the old one older everywhere.
    for (kms, _) in regions {
        let meta = describe(kms, &key).await;
        assert_eq!(meta.current_key_material_id(), Some(new_id.as_str()));
        assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
        let listed = all_materials(kms, &key).await;
        assert_eq!(listed.len(), 2);
        let state_of = |id: &str| {
            listed
                .iter()
                .find(|m| m.key_material_id() == Some(id))
                .unwrap()
        };
        assert_eq!(
            state_of(&old_id).key_material_state(),
            Some(&KeyMaterialState::NonCurrent)
        );
        let current = state_of(&new_id);
        assert_eq!(
            current.key_material_state(),
            Some(&KeyMaterialState::Current)
        );
        assert_eq!(current.rotation_type(), Some(&RotationType::OnDemand));
        assert!(current.rotation_date().is_some());
    }
    // New ciphertexts are the new material's and cross regions; old ones still decrypt.
    for (kms, region) in regions {
        let blob = encrypt(kms, &key, region.as_bytes(), &[]).await;
        assert_eq!(open_outside(&new, &blob), region.as_bytes());
        for (other, _) in regions {
            assert_eq!(decrypt(other, &blob, &[]).await, region.as_bytes());
        }
    }
    for ((_, region), blob) in regions.iter().zip(&before) {
        assert_eq!(open_outside(&old, blob), region.as_bytes());
        for (other, _) in regions {
            assert_eq!(decrypt(other, blob, &[]).await, region.as_bytes());
        }
    }
    // Nothing is pending any more.
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");

    // A replica made after the rotation takes both materials, each as the primary has it.
    let canada = server.client_with("test", "test", CANADA);
    replicate(&east, &key, CANADA).await;
    assert_eq!(import_in(&canada, CANADA, &key, &old).await, old_id);
    assert_eq!(
        material_state(&canada, &key, &old_id).await,
        Some(KeyMaterialState::NonCurrent)
    );
    assert_eq!(state_in(&canada, &key).await, KeyState::PendingImport);
    assert_eq!(import_in(&canada, CANADA, &key, &new).await, new_id);
    let meta = describe(&canada, &key).await;
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert_eq!(meta.current_key_material_id(), Some(new_id.as_str()));
    for blob in &before {
        decrypt(&canada, blob, &[]).await;
    }
    let blob = encrypt(&canada, &key, b"from canada", &[]).await;
    assert_eq!(open_outside(&new, &blob), b"from canada");

    // One RotateKey service event per related key; neither material stored in the clear.
    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await;
    let events = service_events(&data_dir, "RotateKey").await;
    let mut arns: Vec<&str> = events
        .iter()
        .map(|e| e["resources"][0]["ARN"].as_str().unwrap())
        .collect();
    arns.sort_unstable();
    let mut expected = [REGION, WEST, SOUTH].map(|r| arn_in(r, &key));
    expected.sort_unstable();
    assert_eq!(arns, expected);
    for e in &events {
        let details = &e["serviceEventDetails"];
        assert_eq!(details["rotationType"], "ON_DEMAND");
        assert_eq!(details["previousKeyMaterialId"], old_id.as_str());
        assert_eq!(details["currentKeyMaterialId"], new_id.as_str());
    }
    assert_not_in_db(&data_dir, &[&old, &new]);
    drop(temp);
}

#[tokio::test]
async fn pending_material_deleted_in_the_primary_goes_from_every_replica() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let south = server.client_with("test", "test", SOUTH);
    let (key, old, old_id) = three_regions_with_material(&east, &west, &south).await;
    let new = random(32);
    let new_id = import_as(&east, REGION, &key, &new, ImportType::NewKeyMaterial)
        .await
        .unwrap();
    for (kms, region) in [(&west, WEST), (&south, SOUTH)] {
        import_as(kms, region, &key, &new, ImportType::ExistingKeyMaterial)
            .await
            .unwrap();
    }
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingRotation)
    );

    // Deleted in a replica: the primary and the other replica keep theirs, and the primary
    // waits for that replica again.
    let out = west
        .delete_imported_key_material()
        .key_id(&key)
        .key_material_id(&new_id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_material_id(), Some(new_id.as_str()));
    assert_eq!(material_state(&west, &key, &new_id).await, None);
    assert_eq!(state_in(&west, &key).await, KeyState::Enabled);
    assert_eq!(
        material_state(&south, &key, &new_id).await,
        Some(KeyMaterialState::PendingRotation)
    );
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert!(message(&e).contains(&arn_in(WEST, &key)), "{e:?}");
    import_as(&west, WEST, &key, &new, ImportType::ExistingKeyMaterial)
        .await
        .unwrap();

    // A replica made while material is pending lacks it until it imports it.
    let canada = server.client_with("test", "test", CANADA);
    replicate(&east, &key, CANADA).await;
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    import_in(&canada, CANADA, &key, &old).await;

    // Deleted in the primary: gone from every replica too, which keep working.
    east.delete_imported_key_material()
        .key_id(&key)
        .key_material_id(&new_id)
        .send()
        .await
        .unwrap();
    for (kms, region) in [
        (&east, REGION),
        (&west, WEST),
        (&south, SOUTH),
        (&canada, CANADA),
    ] {
        assert_eq!(material_state(kms, &key, &new_id).await, None, "{region}");
        let meta = describe(kms, &key).await;
        assert_eq!(meta.key_state(), Some(&KeyState::Enabled), "{region}");
        assert_eq!(meta.current_key_material_id(), Some(old_id.as_str()));
        let blob = encrypt(kms, &key, b"old material", &[]).await;
        assert_eq!(open_outside(&old, &blob), b"old material");
    }
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    // The replicas no longer take it; the primary takes other material in its place.
    let e = import_as(&west, WEST, &key, &new, ImportType::ExistingKeyMaterial)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
    let other = random(32);
    let other_id = import_as(&east, REGION, &key, &other, ImportType::NewKeyMaterial)
        .await
        .unwrap();
    assert_eq!(
        material_state(&east, &key, &other_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
}

#[tokio::test]
async fn a_new_primary_rotates_the_material_it_has_imported() {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    let south = server.client_with("test", "test", SOUTH);
    let (key, _, _) = three_regions_with_material(&east, &west, &south).await;
    let new = random(32);
    let new_id = import_as(&east, REGION, &key, &new, ImportType::NewKeyMaterial)
        .await
        .unwrap();
    import_as(&west, WEST, &key, &new, ImportType::ExistingKeyMaterial)
        .await
        .unwrap();

    // eu-west-1 becomes the primary: its pending material now waits for ap-south-1 only,
    // and us-east-1, a replica now, shows its copy as PENDING_ROTATION.
    east.update_primary_region()
        .key_id(&key)
        .primary_region(WEST)
        .send()
        .await
        .unwrap();
    assert_eq!(
        material_state(&west, &key, &new_id).await,
        Some(KeyMaterialState::PendingMultiRegionImportAndRotation)
    );
    assert_eq!(
        material_state(&east, &key, &new_id).await,
        Some(KeyMaterialState::PendingRotation)
    );
    let e = fail(east.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(west.rotate_key_on_demand().key_id(&key).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert!(message(&e).contains(&arn_in(SOUTH, &key)), "{e:?}");
    import_as(&south, SOUTH, &key, &new, ImportType::ExistingKeyMaterial)
        .await
        .unwrap();
    west.rotate_key_on_demand()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    for kms in [&east, &west, &south] {
        assert_eq!(
            describe(kms, &key).await.current_key_material_id(),
            Some(new_id.as_str())
        );
    }
    let blob = encrypt(&east, &key, b"rotated from eu-west-1", &[]).await;
    assert_eq!(open_outside(&new, &blob), b"rotated from eu-west-1");
}
