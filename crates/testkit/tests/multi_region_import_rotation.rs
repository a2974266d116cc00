//! New key material for multi-Region keys with imported key material, end to end through
//! `aws-sdk-kms` with clients in several regions of one server: imported into the primary
//! (PENDING_MULTI_REGION_IMPORT_AND_ROTATION), then the same material into each replica
//! (PENDING_ROTATION once all have it), and RotateKeyOnDemand on the primary making it
//! current everywhere at once; the refusals on the way, deletion from the primary or a
//! replica, replicas made meanwhile, and a new primary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{AlgorithmSpec, ImportType, KeyMaterialState, KeyState, RotationType};
use common::asymmetric::random;
use common::import::{all_materials, open_outside};
use common::multi_region_import::*;
use common::*;
use trent_testkit::TestServer;

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
