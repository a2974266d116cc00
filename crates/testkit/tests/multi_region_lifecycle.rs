//! The life of a multi-Region key end to end through `aws-sdk-kms`: moving the primary to
//! another region, rotation reaching every replica (on demand and automatic, with the
//! server's clock moved), and deletion, where a primary waits for its replicas.

// Test code: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::{KeyState, MultiRegionKeyType};
use common::*;
use trent_testkit::TestServer;

const WEST: &str = "eu-west-1";
const SOUTH: &str = "ap-south-1";
const DAY_MS: i64 = 86_400_000;

fn arn_in(region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}")
}

/// A server with a multi-Region key in us-east-1 replicated to eu-west-1, and clients in
/// both regions that sign with the server's clock.
async fn replicated() -> (TestServer, Client, Client, String) {
    let server = TestServer::start().await;
    let east = clock_client(&server, REGION);
    let west = clock_client(&server, WEST);
    let id = east
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    east.replicate_key()
        .key_id(&id)
        .replica_region(WEST)
        .send()
        .await
        .unwrap();
    (server, east, west, id)
}

async fn key_type(kms: &Client, key: &str) -> MultiRegionKeyType {
    describe(kms, key)
        .await
        .multi_region_configuration
        .unwrap()
        .multi_region_key_type
        .unwrap()
}

async fn current_material(kms: &Client, key: &str) -> String {
    describe(kms, key).await.current_key_material_id.unwrap()
}

async fn state(kms: &Client, key: &str) -> KeyState {
    describe(kms, key).await.key_state.unwrap()
}

/// Polls until `key`'s state is `expected` (the jobs run every 50 ms in tests).
async fn wait_for_state(kms: &Client, key: &str, expected: KeyState) {
    for _ in 0..100 {
        if state(kms, key).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{key} did not become {expected:?}");
}

#[tokio::test]
async fn the_primary_moves_to_a_replicas_region() {
    let (_server, east, west, id) = replicated().await;
    east.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(180)
        .send()
        .await
        .unwrap();

    let update = |kms: &Client, region: &str| {
        kms.update_primary_region()
            .key_id(&id)
            .primary_region(region)
    };
    // Only the primary moves the role, only to a region holding a replica, and only while
    // both keys are enabled.
    let e = fail(update(&west, REGION).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(update(&east, REGION).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(update(&east, SOUTH).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Key '{}' does not exist", arn_in(SOUTH, &id))
    );
    let single = key_id(&east).await;
    let e = fail(
        east.update_primary_region()
            .key_id(&single)
            .primary_region(WEST)
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    west.disable_key().key_id(&id).send().await.unwrap();
    let e = fail(update(&east, WEST).send().await);
    assert!(e.is_disabled_exception(), "{e:?}");
    assert_eq!(key_type(&east, &id).await, MultiRegionKeyType::Primary);
    west.enable_key().key_id(&id).send().await.unwrap();

    update(&east, WEST).send().await.unwrap();
    assert_eq!(key_type(&east, &id).await, MultiRegionKeyType::Replica);
    assert_eq!(key_type(&west, &id).await, MultiRegionKeyType::Primary);
    for kms in [&east, &west] {
        let config = describe(kms, &id).await.multi_region_configuration.unwrap();
        assert_eq!(config.primary_key.unwrap().arn.unwrap(), arn_in(WEST, &id));
        let replicas: Vec<_> = config
            .replica_keys
            .unwrap()
            .into_iter()
            .map(|r| r.arn.unwrap())
            .collect();
        assert_eq!(replicas, vec![key_arn(&id)]);
        // Both stay enabled: the swap completed inside the call.
        assert_eq!(state(kms, &id).await, KeyState::Enabled);
    }

    // The rotation schedule moved with the role: the new primary reports and manages it.
    for kms in [&east, &west] {
        let status = kms
            .get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap();
        assert!(status.key_rotation_enabled());
        assert_eq!(status.rotation_period_in_days(), Some(180));
    }
    let e = fail(east.disable_key_rotation().key_id(&id).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    west.disable_key_rotation()
        .key_id(&id)
        .send()
        .await
        .unwrap();

    // The new primary replicates; the old one no longer does.
    let e = fail(
        east.replicate_key()
            .key_id(&id)
            .replica_region(SOUTH)
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    west.replicate_key()
        .key_id(&id)
        .replica_region(SOUTH)
        .send()
        .await
        .unwrap();
    // Ciphertexts still cross.
    let blob = encrypt(&west, &id, b"after the move", &[]).await;
    assert_eq!(decrypt(&east, &blob, &[]).await, b"after the move");
}

#[tokio::test]
async fn rotating_the_primary_rotates_its_replicas() {
    let (server, east, west, id) = replicated().await;
    let first = current_material(&east, &id).await;
    assert_eq!(current_material(&west, &id).await, first);
    let old_blob = encrypt(&east, &id, b"first material", &[]).await;

    // A replica's rotation is its primary's business.
    let e = fail(west.rotate_key_on_demand().key_id(&id).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    let e = fail(west.enable_key_rotation().key_id(&id).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");

    east.rotate_key_on_demand()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let second = current_material(&east, &id).await;
    assert_ne!(second, first);
    assert_eq!(current_material(&west, &id).await, second);
    let new_blob = encrypt(&west, &id, b"second material", &[]).await;
    assert_eq!(decrypt(&east, &new_blob, &[]).await, b"second material");
    assert_eq!(decrypt(&west, &old_blob, &[]).await, b"first material");
    let rotations = west.list_key_rotations().key_id(&id).send().await.unwrap();
    assert_eq!(rotations.rotations().len(), 1);
    assert_eq!(
        rotations.rotations()[0].key_material_id(),
        Some(second.as_str())
    );

    // Automatic rotation of the primary reaches the replica too; the replica reports the
    // primary's schedule.
    east.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = west
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(90));
    server.clock.set(trent_types::Timestamp::from_millis(
        server.now().millis() + 91 * DAY_MS,
    ));
    for _ in 0..100 {
        if current_material(&west, &id).await != second {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let third = current_material(&west, &id).await;
    assert_ne!(third, second);
    assert_eq!(current_material(&east, &id).await, third);
}

#[tokio::test]
async fn a_primary_waits_for_its_replicas_to_be_deleted() {
    let (server, east, west, id) = replicated().await;
    let days = |n: i64| server.now().millis() + n * DAY_MS;

    let out = east
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert_eq!(out.deletion_date(), None);
    assert_eq!(out.pending_window_in_days(), Some(7));
    let meta = describe(&east, &id).await;
    assert_eq!(meta.key_state(), Some(&KeyState::PendingReplicaDeletion));
    assert_eq!(meta.deletion_date(), None);
    assert_eq!(meta.pending_deletion_window_in_days(), Some(7));
    assert!(!meta.enabled());
    // It can be neither used nor replicated meanwhile; the replica works on.
    let e = fail(
        east.encrypt()
            .key_id(&id)
            .plaintext(aws_sdk_kms::primitives::Blob::new(b"x".as_slice()))
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    let e = fail(
        east.replicate_key()
            .key_id(&id)
            .replica_region(SOUTH)
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    let blob = encrypt(&west, &id, b"still here", &[]).await;
    let e = fail(east.schedule_key_deletion().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    // Cancelled, it comes back disabled; scheduled again, it waits again.
    east.cancel_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(state(&east, &id).await, KeyState::Disabled);
    east.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();

    // The replica is deleted as any key is; only then does the primary's period begin.
    let out = west
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    assert!(out.deletion_date().is_some());
    // While the replica exists, the primary keeps waiting.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(state(&east, &id).await, KeyState::PendingReplicaDeletion);
    server
        .clock
        .set(trent_types::Timestamp::from_millis(days(8)));
    wait_until_deleted(&west, &id).await;
    wait_for_state(&east, &id, KeyState::PendingDeletion).await;
    let meta = describe(&east, &id).await;
    let date = millis(meta.deletion_date().unwrap());
    let expected = server.now().millis() + 7 * DAY_MS;
    assert!((date - expected).abs() < 10_000, "{date} vs {expected}");
    // Brought back, the primary decrypts what its deleted replica encrypted, and lists no
    // replica any more.
    east.cancel_key_deletion().key_id(&id).send().await.unwrap();
    east.enable_key().key_id(&id).send().await.unwrap();
    assert_eq!(decrypt(&east, &blob, &[]).await, b"still here");
    let config = describe(&east, &id)
        .await
        .multi_region_configuration
        .unwrap();
    assert!(config.replica_keys.unwrap_or_default().is_empty());

    // With no replica left, the primary is deleted like any key.
    let out = east
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    server
        .clock
        .set(trent_types::Timestamp::from_millis(days(8)));
    wait_until_deleted(&east, &id).await;

    // The audit trail tells the story: the replica deleted, the primary's waiting period
    // started by the service, then the primary deleted.
    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await;
    let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db"))
        .await
        .unwrap();
    let records = trent_store::Store::list_audit(&store, 0, 10_000)
        .await
        .unwrap();
    trent_audit::verify_chain([0; 32], 1, &records).unwrap();
    let service: Vec<(String, String)> = records
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.event_json).unwrap())
        .filter(|e| e["eventType"] == "AwsServiceEvent")
        .map(|e| {
            (
                e["eventName"].as_str().unwrap().to_owned(),
                e["resources"][0]["ARN"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        service,
        vec![
            ("DeleteKey".to_owned(), arn_in(WEST, &id)),
            ("ScheduleKeyDeletion".to_owned(), key_arn(&id)),
            ("DeleteKey".to_owned(), key_arn(&id)),
        ]
    );
    drop(temp);
}

#[tokio::test]
async fn a_rotation_racing_a_replication_still_reaches_the_replica() {
    let (server, east, _west, id) = replicated().await;
    for region in ["ap-south-1", "ap-northeast-1", "ca-central-1", "sa-east-1"] {
        let rotate = {
            let (east, id) = (east.clone(), id.clone());
            tokio::spawn(async move { east.rotate_key_on_demand().key_id(id).send().await })
        };
        let replicate = east
            .replicate_key()
            .key_id(&id)
            .replica_region(region)
            .send()
            .await;
        replicate.unwrap();
        // A rotation that lost its race to another change of the key is refused or retried,
        // never half-applied.
        if let Err(e) = rotate.await.unwrap() {
            let e = e.into_service_error();
            assert!(e.is_conflict_exception(), "{e:?}");
        }
        let primary = current_material(&east, &id).await;
        let there = clock_client(&server, region);
        assert_eq!(current_material(&there, &id).await, primary, "{region}");
    }
}
