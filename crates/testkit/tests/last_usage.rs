//! GetKeyLastUsage end to end: every kind of successful cryptographic use is noted with its
//! request and audit event, failures and dry runs are not, uses outlive a restart, and the
//! hot path writes nothing: uses reach the store in batches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_kms::Client;
use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    DataKeySpec, KeyLastUsageTrackingOperation as Tracked, KeySpec, KeyUsageType, MacAlgorithmSpec,
    SigningAlgorithmSpec,
};
use common::*;
use trent_testkit::TestServer;

/// What GetKeyLastUsage says of `key`: (operation, request id, event id, time), if used.
async fn last_use(kms: &Client, key: &str) -> Option<(Tracked, String, String, i64)> {
    let out = kms.get_key_last_usage().key_id(key).send().await.unwrap();
    out.key_last_usage().map(|u| {
        (
            u.operation().unwrap().clone(),
            u.kms_request_id().unwrap().to_owned(),
            u.cloud_trail_event_id().unwrap().to_owned(),
            millis(u.timestamp().unwrap()),
        )
    })
}

async fn create(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    kms.create_key()
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

#[tokio::test]
async fn each_key_remembers_its_last_cryptographic_use() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let a = key_id(&kms).await;
    let b = key_id(&kms).await;
    let signer = create(&kms, KeySpec::EccNistP256, KeyUsageType::SignVerify).await;
    let mac = create(&kms, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;

    // Never used: no KeyLastUsage; tracking began before the key was made.
    let fresh = kms.get_key_last_usage().key_id(&a).send().await.unwrap();
    assert_eq!(fresh.key_id(), Some(key_arn(&a).as_str()));
    assert_eq!(fresh.key_last_usage(), None);
    let created = describe(&kms, &a).await;
    assert_eq!(fresh.key_creation_date(), created.creation_date());
    let tracking_start = millis(fresh.tracking_start_date().unwrap());
    assert!(tracking_start <= millis(created.creation_date().unwrap()));

    let expect = |kms: &Client, key: &str, op: Tracked, request: Option<&str>| {
        let (kms, key, request) = (kms.clone(), key.to_owned(), request.unwrap().to_owned());
        let now = server.now();
        async move {
            let (operation, request_id, _, time) = last_use(&kms, &key).await.unwrap();
            assert_eq!(operation, op, "{key}");
            assert_eq!(request_id, request, "{key}");
            assert!(
                (time - now.millis()).abs() <= 1,
                "{time} is not {}",
                now.millis()
            );
        }
    };

    server.clock.advance(Duration::from_secs(60));
    let enc = kms
        .encrypt()
        .key_id(&a)
        .plaintext(Blob::new(&b"used"[..]))
        .send()
        .await
        .unwrap();
    expect(&kms, &a, Tracked::Encrypt, enc.request_id()).await;
    let blob = enc.ciphertext_blob().unwrap().clone();

    server.clock.advance(Duration::from_secs(60));
    let dec = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .unwrap();
    expect(&kms, &a, Tracked::Decrypt, dec.request_id()).await;

    // Failures, dry runs and calls that use no key material change nothing.
    server.clock.advance(Duration::from_secs(60));
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(blob.clone())
            .encryption_context("wrong", "context")
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    let e = fail(
        kms.encrypt()
            .key_id(&a)
            .plaintext(Blob::new(&b"dry"[..]))
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    describe(&kms, &a).await;
    kms.get_key_last_usage().key_id(&a).send().await.unwrap();
    assert_eq!(
        last_use(&kms, &a).await.unwrap().1,
        dec.request_id().unwrap()
    );

    // ReEncrypt uses both keys.
    server.clock.advance(Duration::from_secs(60));
    let re = kms
        .re_encrypt()
        .ciphertext_blob(blob)
        .destination_key_id(&b)
        .send()
        .await
        .unwrap();
    expect(&kms, &a, Tracked::ReEncrypt, re.request_id()).await;
    expect(&kms, &b, Tracked::ReEncrypt, re.request_id()).await;

    server.clock.advance(Duration::from_secs(60));
    let gdk = kms
        .generate_data_key()
        .key_id(&b)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    expect(&kms, &b, Tracked::GenerateDataKey, gdk.request_id()).await;

    let sig = kms
        .sign()
        .key_id(&signer)
        .message(Blob::new(&b"signed"[..]))
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    expect(&kms, &signer, Tracked::Sign, sig.request_id()).await;
    server.clock.advance(Duration::from_secs(1));
    let ver = kms
        .verify()
        .key_id(&signer)
        .message(Blob::new(&b"signed"[..]))
        .signature(sig.signature().unwrap().clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .unwrap();
    expect(&kms, &signer, Tracked::Verify, ver.request_id()).await;

    let tag = kms
        .generate_mac()
        .key_id(&mac)
        .message(Blob::new(&b"maced"[..]))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    expect(&kms, &mac, Tracked::GenerateMac, tag.request_id()).await;
    server.clock.advance(Duration::from_secs(1));
    let checked = kms
        .verify_mac()
        .key_id(&mac)
        .message(Blob::new(&b"maced"[..]))
        .mac(tag.mac().unwrap().clone())
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap();
    expect(&kms, &mac, Tracked::VerifyMac, checked.request_id()).await;

    let e = fail(
        kms.get_key_last_usage()
            .key_id(key_arn("00000000-0000-4000-8000-000000000000"))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // Across a restart (which writes what was noted), every key keeps its last use.
    let before: Vec<_> = {
        let mut v = Vec::new();
        for key in [&a, &b, &signer, &mac] {
            v.push(last_use(&kms, key).await.unwrap());
        }
        v
    };
    let clock = server.clock.clone();
    let temp = server.stop().await.expect("the fixture's temp dir");
    let data_dir = temp.path().join("data");

    // Each CloudTrailEventId names the audit event of the call that used the key.
    {
        let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db"))
            .await
            .unwrap();
        let records = trent_store::Store::list_audit(&store, 0, 100_000)
            .await
            .unwrap();
        for (operation, request_id, event_id, _) in &before {
            let event = records
                .iter()
                .map(|r| serde_json::from_str::<serde_json::Value>(&r.event_json).unwrap())
                .find(|e| e["eventID"] == event_id.as_str())
                .expect("the event named");
            assert_eq!(event["eventName"], operation.as_str());
            assert_eq!(event["requestID"], request_id.as_str());
        }
        store.close().await;
    }

    let server = TestServer::start_in(&data_dir, clock).await;
    let kms = clock_client(&server, REGION);
    for (key, used) in [&a, &b, &signer, &mac].into_iter().zip(&before) {
        assert_eq!(last_use(&kms, key).await.as_ref(), Some(used));
    }
    let again = kms.get_key_last_usage().key_id(&a).send().await.unwrap();
    assert_eq!(millis(again.tracking_start_date().unwrap()), tracking_start);
    server.stop().await;
    drop(temp);
}

#[tokio::test]
async fn uses_reach_the_store_in_batches_not_per_request() {
    let server = TestServer::start_without_jobs().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let warm = kms
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new(&b"warm"[..]))
        .send()
        .await
        .unwrap();
    let svc = server.service();
    assert_eq!(svc.flush_key_usage().await.unwrap(), 1);
    // The store as another process sees it.
    let observer = trent_store::sqlite::SqliteStore::open(&server.data_dir().join("trent.db"))
        .await
        .unwrap();
    let region = trent_types::Region::parse(REGION).unwrap();
    let key = trent_types::KeyId::parse(&id).unwrap();
    let stored = || async {
        trent_store::Store::key_use(&observer, &region, &key)
            .await
            .unwrap()
            .map(|u| u.request_id)
    };
    assert_eq!(stored().await.as_deref(), warm.request_id());

    let mut last = None;
    for _ in 0..50 {
        let out = kms
            .encrypt()
            .key_id(&id)
            .plaintext(Blob::new(&b"hot"[..]))
            .send()
            .await
            .unwrap();
        last = out.request_id().map(str::to_owned);
    }
    // Noted in memory, and read back from there; the store still holds the first use.
    assert_eq!(stored().await.as_deref(), warm.request_id());
    assert_eq!(last_use(&kms, &id).await.unwrap().1, last.clone().unwrap());

    // One batch writes it; with nothing new noted, the next writes nothing.
    assert_eq!(svc.flush_key_usage().await.unwrap(), 1);
    assert_eq!(stored().await, last);
    assert_eq!(svc.flush_key_usage().await.unwrap(), 0);
    assert_eq!(last_use(&kms, &id).await.unwrap().1, last.unwrap());
    observer.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_key_used_lately_is_kept_from_deletion_by_its_policy() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    // Neither disable nor delete a key used in the last 30 days.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Deny","Principal":"*","Action":["kms:DisableKey","kms:ScheduleKeyDeletion"],"Resource":"*",
          "Condition":{{"NumericLessThan":{{"kms:TrailingDaysWithoutKeyUsage":30}}}}}}]}}"#
    );
    let key = kms
        .create_key()
        .policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let day = Duration::from_secs(86_400);
    let refused = |e: &dyn aws_sdk_kms::error::ProvideErrorMetadata| {
        assert_eq!(e.code(), Some("AccessDeniedException"), "{:?}", e.message());
    };
    // Never used: the days count from its creation.
    server.clock.advance(29 * day);
    refused(&fail(kms.disable_key().key_id(&key).send().await));
    server.clock.advance(2 * day);
    kms.encrypt()
        .key_id(&key)
        .plaintext(Blob::new("x"))
        .send()
        .await
        .unwrap();
    // Just used: 0 days.
    refused(&fail(kms.schedule_key_deletion().key_id(&key).send().await));
    server.clock.advance(30 * day);
    kms.disable_key().key_id(&key).send().await.unwrap();
    kms.schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    server.stop().await;
}
