//! Several Trent nodes on one store: each appends its calls to the one audit trail, none
//! waits on another's place in it, and the chain over all of them verifies; a change made
//! through one node reaches the caches of the others.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_kms::primitives::Blob;
use common::*;
use trent_core::Identities;
use trent_testkit::TestServer;

/// A few state-changing calls and a few cryptographic ones, as one node's client makes them.
async fn work(kms: &aws_sdk_kms::Client, node: &str) -> String {
    let key = kms
        .create_key()
        .description(format!("made on node {node}"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    for i in 0..5 {
        kms.tag_resource()
            .key_id(&key)
            .tags(tag("round", &i.to_string()))
            .send()
            .await
            .unwrap();
        kms.encrypt()
            .key_id(&key)
            .plaintext(Blob::new(b"across nodes".to_vec()))
            .send()
            .await
            .unwrap();
    }
    kms.disable_key().key_id(&key).send().await.unwrap();
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_sharing_a_store_extend_one_audit_trail() {
    let a = TestServer::start().await;
    let b = a.another_node(Identities::default_local()).await;
    let (kms_a, kms_b) = (a.client(), b.client());

    let (key_a, key_b) = tokio::join!(work(&kms_a, "a"), work(&kms_b, "b"));
    // Each node sees the other's changes in the store.
    let described = kms_a.describe_key().key_id(&key_b).send().await.unwrap();
    assert_eq!(
        described.key_metadata.unwrap().description.as_deref(),
        Some("made on node b")
    );

    // Both stop within the drain limit: neither waits forever on the audit trail.
    let stopped = tokio::time::timeout(Duration::from_secs(30), async {
        b.stop().await;
        a.stop().await
    })
    .await
    .expect("both nodes stop");
    let temp = stopped.unwrap();
    let dir = temp.path().join("data");

    // One chain, verified by `service_events`, holding every call of both nodes once.
    for (name, count) in [
        ("CreateKey", 2),
        ("TagResource", 10),
        ("Encrypt", 10),
        ("DisableKey", 2),
    ] {
        let events = service_events(&dir, name).await;
        assert_eq!(events.len(), count, "{name}");
    }
    let created = service_events(&dir, "CreateKey").await;
    let mut made: Vec<_> = created
        .iter()
        .map(|e| {
            let arn = e["resources"][0]["ARN"].as_str().unwrap();
            arn.rsplit('/').next().unwrap().to_owned()
        })
        .collect();
    made.sort();
    let mut expected = vec![key_a, key_b];
    expected.sort();
    assert_eq!(made, expected);
}

/// Retries `attempt` until it gives `want` or five seconds pass; returns the last outcome.
async fn eventually<F, Fut>(want: &str, mut attempt: F) -> String
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let got = attempt().await;
        if got == want || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// "ok" with the key ARN, or the error code.
async fn encrypt_on(kms: &aws_sdk_kms::Client, key: &str) -> String {
    match kms
        .encrypt()
        .key_id(key)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
    {
        Ok(out) => format!("ok {}", out.key_id.unwrap()),
        Err(e) => code(&fail::<(), _, _>(Err(e))).to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_through_one_node_reaches_the_cache_of_another() {
    let a = TestServer::start().await;
    let b = a.another_node(Identities::default_local()).await;
    let (kms_a, kms_b) = (a.client(), b.client());
    let new_key = |description: &'static str| {
        let kms = kms_a.clone();
        async move {
            kms.create_key()
                .description(description)
                .send()
                .await
                .unwrap()
                .key_metadata
                .unwrap()
                .arn
                .unwrap()
        }
    };
    let (first, second, third) = (
        new_key("first").await,
        new_key("second").await,
        new_key("third").await,
    );

    // Node B caches each key (and the alias) by using it.
    let alias = "alias/moving";
    kms_a
        .create_alias()
        .alias_name(alias)
        .target_key_id(&first)
        .send()
        .await
        .unwrap();
    for key in [first.as_str(), second.as_str(), third.as_str()] {
        assert!(encrypt_on(&kms_b, key).await.starts_with("ok"));
    }
    assert_eq!(encrypt_on(&kms_b, alias).await, format!("ok {first}"));

    // A key state, an alias's target and a key policy, each changed through node A.
    kms_a.disable_key().key_id(&first).send().await.unwrap();
    kms_a
        .update_alias()
        .alias_name(alias)
        .target_key_id(&second)
        .send()
        .await
        .unwrap();
    let deny_encrypt = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
        {"Effect":"Deny","Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*"}]}"#;
    kms_a
        .put_key_policy()
        .key_id(&third)
        .policy(deny_encrypt)
        .send()
        .await
        .unwrap();

    assert_eq!(
        eventually("DisabledException", || encrypt_on(&kms_b, &first)).await,
        "DisabledException"
    );
    let moved = format!("ok {second}");
    assert_eq!(
        eventually(&moved, || encrypt_on(&kms_b, alias)).await,
        moved
    );
    assert_eq!(
        eventually("AccessDeniedException", || encrypt_on(&kms_b, &third)).await,
        "AccessDeniedException"
    );
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_missed_pruned_changes_drops_its_whole_cache() {
    let a = TestServer::start().await;
    let b = a.another_lagging_node(Identities::default_local()).await;
    let (kms_a, kms_b) = (a.client(), b.client());
    let key = kms_a
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    assert!(encrypt_on(&kms_b, &key).await.starts_with("ok"));
    kms_a.disable_key().key_id(&key).send().await.unwrap();

    // The disable's change is pruned before node B reads it; a later change leaves a gap.
    let store = trent_store::sqlite::SqliteStore::open(&a.data_dir().join("trent.db"))
        .await
        .unwrap();
    trent_store::Store::prune_changes(&store, 0).await.unwrap();
    kms_a.create_key().send().await.unwrap();
    assert!(
        encrypt_on(&kms_b, &key).await.starts_with("ok"),
        "still cached"
    );

    // Node B cannot tell what it missed, so it forgets everything and reads the key anew.
    assert!(b.service().apply_changes().await.unwrap() > 0);
    assert_eq!(encrypt_on(&kms_b, &key).await, "DisabledException");
    b.stop().await;
    a.stop().await;
}
