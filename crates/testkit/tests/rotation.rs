//! Key rotation end to end through `aws-sdk-kms`: automatic rotation with the server's clock
//! moved instead of waiting, on-demand rotation and its limit, every generation of ciphertext
//! still decrypting, ReEncrypt onto the current material, ListKeyRotations, the status and
//! its dates, AWS's errors, the audit trail, and a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    IncludeKeyMaterial, KeyMaterialState, KeySpec, KeyUsageType, RotationType, RotationsListEntry,
};
use common::*;
use trent_testkit::TestServer;
use trent_types::Timestamp;

const DAY: Duration = Duration::from_secs(86_400);

/// The material new ciphertexts of `key` use, as DescribeKey shows it.
async fn current(kms: &Client, key: &str) -> String {
    describe(kms, key)
        .await
        .current_key_material_id()
        .unwrap()
        .to_owned()
}

/// Waits (the rotation job runs every 50 ms in tests) until `key`'s current material is no
/// longer `was`; returns the new one.
async fn rotated_from(kms: &Client, key: &str, was: &str) -> String {
    for _ in 0..100 {
        let now = current(kms, key).await;
        if now != was {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{key} was not rotated within 5 seconds");
}

/// Gives the job time to act, for checks that it did not.
async fn let_the_job_run() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// Decrypts without naming the key; returns the plaintext and the material that opened it.
async fn decrypt_with_material(kms: &Client, blob: &[u8]) -> (Vec<u8>, String) {
    let out = kms
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .encryption_context("generation", "any")
        .send()
        .await
        .unwrap();
    (
        out.plaintext().unwrap().as_ref().to_vec(),
        out.key_material_id().unwrap().to_owned(),
    )
}

/// Every entry of ListKeyRotations, paging with `limit`.
async fn rotations(
    kms: &Client,
    key: &str,
    include: Option<IncludeKeyMaterial>,
    limit: i32,
) -> Vec<RotationsListEntry> {
    let mut all = Vec::new();
    let mut marker = None;
    loop {
        let page = kms
            .list_key_rotations()
            .key_id(key)
            .set_include_key_material(include.clone())
            .limit(limit)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        let entries = page.rotations();
        assert!(entries.len() <= usize::try_from(limit).unwrap());
        all.extend(entries.iter().cloned());
        if !page.truncated() {
            assert_eq!(page.next_marker(), None);
            return all;
        }
        assert!(!entries.is_empty(), "a truncated page holds something");
        marker = Some(page.next_marker().unwrap().to_owned());
    }
}

async fn rotate_on_demand(kms: &Client, key: &str) {
    let out = kms.rotate_key_on_demand().key_id(key).send().await.unwrap();
    assert_eq!(out.key_id(), Some(key));
}

#[tokio::test]
async fn every_generation_decrypts_and_re_encrypt_moves_to_the_current_material() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    let mut materials = vec![current(&kms, &id).await];
    let mut blobs = vec![encrypt(&kms, &id, b"generation 0", &[("generation", "any")]).await];
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let mut next = server.now().plus_days(90);

    // Automatic, on demand, automatic: each new material is current at once, and the key
    // stays cached and used between them.
    let mut rotated_at = Vec::new();
    for kind in [
        RotationType::Automatic,
        RotationType::OnDemand,
        RotationType::Automatic,
    ] {
        let was = materials.last().unwrap().clone();
        let now = if kind == RotationType::Automatic {
            // Not a moment early...
            server
                .clock
                .set(Timestamp::from_millis(next.millis() - 1000));
            let_the_job_run().await;
            assert_eq!(current(&kms, &id).await, was);
            // ...and on the day.
            server.clock.set(next);
            let new = rotated_from(&kms, &id, &was).await;
            materials.push(new);
            next = next.plus_days(90);
            server.now()
        } else {
            server.clock.advance(DAY);
            rotate_on_demand(&kms, &id).await;
            let new = current(&kms, &id).await;
            assert_ne!(new, was);
            materials.push(new);
            server.now()
        };
        rotated_at.push((kind, now));
        let n = blobs.len();
        blobs.push(
            encrypt(
                &kms,
                &id,
                format!("generation {n}").as_bytes(),
                &[("generation", "any")],
            )
            .await,
        );
    }
    assert_eq!(
        materials
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len(),
        4
    );

    // All four generations decrypt, each with the material it was made under.
    for (n, (blob, material)) in blobs.iter().zip(&materials).enumerate() {
        let (plaintext, used) = decrypt_with_material(&kms, blob).await;
        assert_eq!(plaintext, format!("generation {n}").as_bytes());
        assert_eq!(&used, material, "generation {n}");
    }

    // ReEncrypt takes the oldest ciphertext to the current material.
    let moved = kms
        .re_encrypt()
        .ciphertext_blob(Blob::new(blobs[0].clone()))
        .source_encryption_context("generation", "any")
        .destination_key_id(&id)
        .destination_encryption_context("generation", "any")
        .send()
        .await
        .unwrap();
    assert_eq!(moved.source_key_material_id(), Some(materials[0].as_str()));
    assert_eq!(
        moved.destination_key_material_id(),
        Some(materials[3].as_str())
    );
    let (plaintext, used) =
        decrypt_with_material(&kms, moved.ciphertext_blob().unwrap().as_ref()).await;
    assert_eq!(plaintext, b"generation 0");
    assert_eq!(used, materials[3]);

    // The rotations, as ListKeyRotations tells them; the first material only when asked.
    let listed = rotations(&kms, &id, None, 100).await;
    assert_eq!(listed.len(), 3);
    let all = rotations(&kms, &id, Some(IncludeKeyMaterial::AllKeyMaterial), 100).await;
    assert_eq!(all.len(), 4);
    assert_eq!(&all[1..], &listed[..]);
    for (n, entry) in all.iter().enumerate() {
        assert_eq!(entry.key_id(), Some(id.as_str()));
        assert_eq!(entry.key_material_id(), Some(materials[n].as_str()));
        let state = if n == 3 {
            KeyMaterialState::Current
        } else {
            KeyMaterialState::NonCurrent
        };
        assert_eq!(entry.key_material_state(), Some(&state), "material {n}");
        assert_eq!(entry.key_material_description(), None);
        assert_eq!(entry.import_state(), None);
        if n == 0 {
            assert_eq!(entry.rotation_type(), None);
            assert_eq!(entry.rotation_date(), None);
        } else {
            let (kind, at) = &rotated_at[n - 1];
            assert_eq!(entry.rotation_type(), Some(kind));
            assert_time(entry.rotation_date(), *at);
        }
    }

    // Each rotation left a RotateKey service event naming both materials.
    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await;
    let events = service_events(&data_dir, "RotateKey").await;
    assert_eq!(events.len(), 3);
    for (n, event) in events.iter().enumerate() {
        assert_eq!(event["eventType"], "AwsServiceEvent");
        assert_eq!(event["readOnly"], false);
        assert_eq!(event["resources"][0]["ARN"], key_arn(&id).as_str());
        let details = &event["serviceEventDetails"];
        assert_eq!(details["rotationType"], rotated_at[n].0.as_str());
        assert_eq!(details["keyId"], id.as_str());
        assert_eq!(details["keyOrigin"], "AWS_KMS");
        assert_eq!(details["previousKeyMaterialId"], materials[n].as_str());
        assert_eq!(details["currentKeyMaterialId"], materials[n + 1].as_str());
    }
    drop(temp);
}

#[tokio::test]
async fn the_rotation_status_and_its_dates() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    assert_eq!(status.key_id(), Some(key_arn(&id).as_str()));
    assert_eq!(status.rotation_period_in_days(), None);
    assert_eq!(status.next_rotation_date(), None);
    assert_eq!(status.on_demand_rotation_start_date(), None);

    // Turned on without a period: a year from now.
    let enabled_at = server.now();
    kms.enable_key_rotation().key_id(&id).send().await.unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), Some(365));
    assert_time(status.next_rotation_date(), enabled_at.plus_days(365));

    // On-demand rotation leaves the schedule alone.
    server.clock.advance(10 * DAY);
    rotate_on_demand(&kms, &id).await;
    let after = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(after.next_rotation_date(), status.next_rotation_date());
    assert_eq!(after.on_demand_rotation_start_date(), None);

    // A new period counts from when rotation was turned on; the same again changes nothing.
    server.clock.advance(90 * DAY);
    for _ in 0..2 {
        kms.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(180)
            .send()
            .await
            .unwrap();
        let status = kms
            .get_key_rotation_status()
            .key_id(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(status.rotation_period_in_days(), Some(180));
        assert_time(status.next_rotation_date(), enabled_at.plus_days(180));
    }

    // The automatic rotation sets the next date one period on from itself.
    let was = current(&kms, &id).await;
    server.clock.advance(80 * DAY);
    rotated_from(&kms, &id, &was).await;
    let rotated_at = server.now();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_time(status.next_rotation_date(), rotated_at.plus_days(180));

    // A shorter period whose date has already passed rotates at once.
    server.clock.advance(100 * DAY);
    let was = current(&kms, &id).await;
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    rotated_from(&kms, &id, &was).await;
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_time(status.next_rotation_date(), server.now().plus_days(90));

    // Off: no period, no date, and no more rotations.
    kms.disable_key_rotation().key_id(&id).send().await.unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    assert_eq!(status.rotation_period_in_days(), None);
    assert_eq!(status.next_rotation_date(), None);
    let was = current(&kms, &id).await;
    server.clock.advance(1000 * DAY);
    let_the_job_run().await;
    assert_eq!(current(&kms, &id).await, was);
    assert_eq!(rotations(&kms, &id, None, 100).await.len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn disabled_keys_wait_and_keys_being_deleted_never_rotate() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let resting = key_id(&kms).await;
    let doomed = key_id(&kms).await;
    for key in [&resting, &doomed] {
        kms.enable_key_rotation()
            .key_id(key)
            .rotation_period_in_days(90)
            .send()
            .await
            .unwrap();
    }
    kms.disable_key().key_id(&resting).send().await.unwrap();
    // Scheduled so that its rotation falls due before its deletion does.
    server.clock.advance(80 * DAY);
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(30)
        .send()
        .await
        .unwrap();
    let resting_was = current(&kms, &resting).await;
    let doomed_was = current(&kms, &doomed).await;

    server.clock.advance(11 * DAY);
    let_the_job_run().await;
    assert_eq!(current(&kms, &resting).await, resting_was);
    assert_eq!(current(&kms, &doomed).await, doomed_was);

    // The status still reads in every state: a disabled key keeps its schedule, a key being
    // deleted reads as not rotating (AWS's rule) and gets its schedule back if cancelled.
    for (key, enabled) in [(&resting, true), (&doomed, false)] {
        let status = kms
            .get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .unwrap();
        assert_eq!(status.key_rotation_enabled(), enabled, "{key}");
        assert_eq!(status.next_rotation_date().is_some(), enabled, "{key}");
        assert!(rotations(&kms, key, None, 10).await.is_empty());
    }

    // Enabled again, a key whose rotation is overdue rotates at once.
    kms.enable_key().key_id(&resting).send().await.unwrap();
    rotated_from(&kms, &resting, &resting_was).await;

    // Its deletion cancelled, a key reads as rotating again.
    kms.cancel_key_deletion()
        .key_id(&doomed)
        .send()
        .await
        .unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&doomed)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled());
    assert!(status.next_rotation_date().is_some());
    server.stop().await;
}

#[tokio::test]
async fn list_key_rotations_pages() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    let mut materials = vec![current(&kms, &id).await];
    for _ in 0..5 {
        server.clock.advance(DAY);
        rotate_on_demand(&kms, &id).await;
        materials.push(current(&kms, &id).await);
    }
    let ids = |entries: &[RotationsListEntry]| -> Vec<String> {
        entries
            .iter()
            .map(|e| e.key_material_id().unwrap().to_owned())
            .collect()
    };
    for limit in [1, 2, 3, 5, 6, 100] {
        let listed = rotations(&kms, &id, None, limit).await;
        assert_eq!(ids(&listed), materials[1..], "limit {limit}");
        let listed = rotations(&kms, &id, Some(IncludeKeyMaterial::RotationsOnly), limit).await;
        assert_eq!(ids(&listed), materials[1..], "limit {limit}");
        let all = rotations(&kms, &id, Some(IncludeKeyMaterial::AllKeyMaterial), limit).await;
        assert_eq!(ids(&all), materials, "limit {limit}");
    }

    // A page that ends exactly at the last entry is not truncated.
    let exact = kms
        .list_key_rotations()
        .key_id(&id)
        .limit(5)
        .send()
        .await
        .unwrap();
    assert_eq!(exact.rotations().len(), 5);
    assert!(!exact.truncated());
    assert_eq!(exact.next_marker(), None);

    // A key never rotated has no rotations, and one material.
    let fresh = key_id(&kms).await;
    assert!(rotations(&kms, &fresh, None, 10).await.is_empty());
    let all = rotations(&kms, &fresh, Some(IncludeKeyMaterial::AllKeyMaterial), 10).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0].key_material_state(),
        Some(&KeyMaterialState::Current)
    );

    // Markers: garbage, another key's, or out of the model's range.
    let e = fail(
        kms.list_key_rotations()
            .key_id(&id)
            .marker("not-a-marker")
            .send()
            .await,
    );
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    let first = kms
        .list_key_rotations()
        .key_id(&id)
        .limit(1)
        .send()
        .await
        .unwrap();
    let e = fail(
        kms.list_key_rotations()
            .key_id(&fresh)
            .set_marker(first.next_marker().map(str::to_owned))
            .send()
            .await,
    );
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    let e = fail(kms.list_key_rotations().key_id(&id).limit(0).send().await);
    assert_validation(
        &e,
        &one_violation(Some("0"), "limit", "have value greater than or equal to 1"),
    );
    let e = fail(
        kms.list_key_rotations()
            .key_id(&id)
            .limit(1001)
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(
            Some("1001"),
            "limit",
            "have value less than or equal to 1000",
        ),
    );
    server.stop().await;
}

#[tokio::test]
async fn on_demand_rotation_stops_at_aws_limit() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    let first_blob = encrypt(&kms, &id, b"before", &[]).await;
    for _ in 0..25 {
        rotate_on_demand(&kms, &id).await;
    }
    let before = current(&kms, &id).await;
    let e = fail(kms.rotate_key_on_demand().key_id(&id).send().await);
    assert!(e.is_limit_exceeded_exception(), "{e:?}");
    assert_eq!(current(&kms, &id).await, before);
    assert_eq!(rotations(&kms, &id, None, 1000).await.len(), 25);

    // Automatic rotation is not on-demand rotation: it goes on.
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    server.clock.advance(90 * DAY);
    rotated_from(&kms, &id, &before).await;
    let e = fail(kms.rotate_key_on_demand().key_id(&id).send().await);
    assert!(e.is_limit_exceeded_exception(), "{e:?}");
    assert_eq!(decrypt(&kms, &first_blob, &[]).await, b"before");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_on_demand_rotations_never_both_win_from_one_material() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let kms = kms.clone();
            let id = id.clone();
            tokio::spawn(async move { kms.rotate_key_on_demand().key_id(id).send().await })
        })
        .collect();
    let mut rotated = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => rotated += 1,
            Err(e) => {
                let e = e.into_service_error();
                assert!(e.is_conflict_exception(), "{e:?}");
            }
        }
    }
    assert!(rotated >= 1);
    // One material per successful call, exactly one of them current.
    let all = rotations(&kms, &id, Some(IncludeKeyMaterial::AllKeyMaterial), 100).await;
    assert_eq!(all.len(), 1 + rotated);
    let current_count = all
        .iter()
        .filter(|e| e.key_material_state() == Some(&KeyMaterialState::Current))
        .count();
    assert_eq!(current_count, 1);
    assert_eq!(
        all.last().unwrap().key_material_id(),
        Some(current(&kms, &id).await.as_str())
    );
    server.stop().await;
}

#[tokio::test]
async fn rotation_is_refused_as_aws_refuses_it() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;

    // Periods outside 90..=2560 days: the model's ValidationException.
    for (days, constraint) in [
        (89, "have value greater than or equal to 90"),
        (2561, "have value less than or equal to 2560"),
        (-1, "have value greater than or equal to 90"),
    ] {
        let e = fail(
            kms.enable_key_rotation()
                .key_id(&id)
                .rotation_period_in_days(days)
                .send()
                .await,
        );
        assert_validation(
            &e,
            &one_violation(Some(&days.to_string()), "rotationPeriodInDays", constraint),
        );
    }
    for days in [90, 2560] {
        kms.enable_key_rotation()
            .key_id(&id)
            .rotation_period_in_days(days)
            .send()
            .await
            .unwrap();
    }

    // Keys AWS does not rotate: asymmetric and HMAC. Their status reads "not rotating".
    let unsupported = "You cannot perform this operation on a non-symmetric key or a key with \
         non-ENCRYPT_DECRYPT key usage.";
    for (spec, usage) in [
        (KeySpec::Rsa2048, KeyUsageType::EncryptDecrypt),
        (KeySpec::EccNistP256, KeyUsageType::SignVerify),
        (KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac),
    ] {
        let key = kms
            .create_key()
            .key_spec(spec.clone())
            .key_usage(usage)
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .key_id;
        let e = fail(kms.enable_key_rotation().key_id(&key).send().await);
        assert!(e.is_unsupported_operation_exception(), "{spec:?}: {e:?}");
        assert_eq!(message(&e), unsupported);
        let e = fail(kms.disable_key_rotation().key_id(&key).send().await);
        assert!(e.is_unsupported_operation_exception(), "{spec:?}: {e:?}");
        let e = fail(kms.rotate_key_on_demand().key_id(&key).send().await);
        assert!(e.is_unsupported_operation_exception(), "{spec:?}: {e:?}");
        assert_eq!(message(&e), unsupported);
        let e = fail(kms.list_key_rotations().key_id(&key).send().await);
        assert!(e.is_unsupported_operation_exception(), "{spec:?}: {e:?}");
        let status = kms
            .get_key_rotation_status()
            .key_id(&key)
            .send()
            .await
            .unwrap();
        assert!(!status.key_rotation_enabled(), "{spec:?}");
    }

    // A disabled key: DisabledException for every change; reading still works.
    kms.disable_key().key_id(&id).send().await.unwrap();
    let disabled = format!("{} is disabled.", key_arn(&id));
    let e = fail(kms.enable_key_rotation().key_id(&id).send().await);
    assert!(e.is_disabled_exception(), "{e:?}");
    assert_eq!(message(&e), disabled);
    let e = fail(kms.disable_key_rotation().key_id(&id).send().await);
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(kms.rotate_key_on_demand().key_id(&id).send().await);
    assert!(e.is_disabled_exception(), "{e:?}");
    assert_eq!(message(&e), disabled);
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.rotation_period_in_days(), Some(2560));
    assert!(rotations(&kms, &id, None, 10).await.is_empty());

    // A key pending deletion: KMSInvalidStateException.
    kms.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let pending = format!("{} is pending deletion.", key_arn(&id));
    let e = fail(kms.enable_key_rotation().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert_eq!(message(&e), pending);
    let e = fail(kms.disable_key_rotation().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    let e = fail(kms.rotate_key_on_demand().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    // No such key, and a key of another region.
    let ghost = "00000000-0000-4000-8000-000000000000";
    let e = fail(kms.rotate_key_on_demand().key_id(ghost).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(kms.get_key_rotation_status().key_id(ghost).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let abroad = clock_client(&server, "eu-west-1");
    let e = fail(abroad.enable_key_rotation().key_id(&id).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn rotation_survives_a_restart() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let id = key_id(&kms).await;
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(120)
        .send()
        .await
        .unwrap();
    let mut blobs = vec![encrypt(&kms, &id, b"0", &[]).await];
    rotate_on_demand(&kms, &id).await;
    blobs.push(encrypt(&kms, &id, b"1", &[]).await);
    let was = current(&kms, &id).await;
    server.clock.advance(120 * DAY);
    let latest = rotated_from(&kms, &id, &was).await;
    blobs.push(encrypt(&kms, &id, b"2", &[]).await);
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let listed = rotations(&kms, &id, Some(IncludeKeyMaterial::AllKeyMaterial), 100).await;

    let clock = server.clock.clone();
    let temp = server.stop().await.expect("the fixture's temp dir");
    let server = TestServer::start_in(&temp.path().join("data"), clock).await;
    let kms = clock_client(&server, REGION);

    assert_eq!(current(&kms, &id).await, latest);
    let again = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(again.key_rotation_enabled());
    assert_eq!(again.rotation_period_in_days(), Some(120));
    assert_eq!(again.next_rotation_date(), status.next_rotation_date());
    assert_eq!(
        rotations(&kms, &id, Some(IncludeKeyMaterial::AllKeyMaterial), 100).await,
        listed
    );
    for (n, blob) in blobs.iter().enumerate() {
        assert_eq!(decrypt(&kms, blob, &[]).await, n.to_string().as_bytes());
    }
    // The schedule goes on where it was: one period after the last automatic rotation.
    server.clock.advance(120 * DAY - Duration::from_secs(1));
    let_the_job_run().await;
    assert_eq!(current(&kms, &id).await, latest);
    server.clock.advance(Duration::from_secs(1));
    rotated_from(&kms, &id, &latest).await;
    assert_eq!(rotations(&kms, &id, None, 100).await.len(), 3);
    server.stop().await;
    drop(temp);
}

#[tokio::test]
async fn a_key_policy_can_bound_the_rotation_period() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:EnableKeyRotation","Resource":"*","Condition":{{"NumericGreaterThan":{{"kms:RotationPeriodInDays":180}}}}}}]}}"#
    );
    let id = kms
        .create_key()
        .policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // The default period, 365 days, is what the condition sees when none is given.
    for period in [None, Some(181)] {
        let e = fail(
            kms.enable_key_rotation()
                .key_id(&id)
                .set_rotation_period_in_days(period)
                .send()
                .await,
        );
        assert_eq!(code(&e), "AccessDeniedException", "{period:?}: {e:?}");
    }
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled());
    kms.enable_key_rotation()
        .key_id(&id)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(status.rotation_period_in_days(), Some(90));
    server.stop().await;
}
