//! What survives a restart (keys in every state, aliases, tags, old ciphertexts) and what
//! never reaches the disk (plaintexts and data keys, raw or base64, in the database or its
//! write-ahead log).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_kms::types::{DataKeySpec, KeyState};
use common::*;
use trent_testkit::TestServer;

#[tokio::test]
async fn everything_survives_a_restart() {
    let server = TestServer::start().await;
    let kms = server.client();
    let plaintext = kms
        .generate_random()
        .number_of_bytes(48)
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap()
        .into_inner();
    let a = kms
        .create_key()
        .description("kept across restarts")
        .tags(tag("b", "2"))
        .tags(tag("a", "1"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let a_id = a.key_id().to_owned();
    let disabled = key_id(&kms).await;
    kms.disable_key().key_id(&disabled).send().await.unwrap();
    let pending = key_id(&kms).await;
    let deletion = kms
        .schedule_key_deletion()
        .key_id(&pending)
        .pending_window_in_days(9)
        .send()
        .await
        .unwrap();
    create_alias(&kms, "alias/kept", &a_id).await;
    let blob = encrypt(&kms, "alias/kept", &plaintext, &[("app", "restart")]).await;
    let data_key = kms
        .generate_data_key()
        .key_id(&a_id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let data_plain = data_key.plaintext().unwrap().as_ref().to_vec();
    let data_blob = data_key.ciphertext_blob().unwrap().as_ref().to_vec();

    // Neither plaintext is in the database, while it runs...
    let data_dir = server.data_dir().to_owned();
    let files = assert_not_in_db(&data_dir, &[&plaintext, &data_plain]);
    assert!(files.contains(&"trent.db-wal".to_owned()), "{files:?}");

    let clock = server.clock.clone();
    let temp = server.stop().await.expect("the fixture's temp dir");
    // ... nor once it stopped.
    assert_not_in_db(&data_dir, &[&plaintext, &data_plain]);

    let server = TestServer::start_in(&temp.path().join("data"), clock).await;
    let kms = server.client();
    let meta = describe(&kms, &a_id).await;
    assert_eq!(meta, a);
    assert_eq!(
        tags_of(&kms, &a_id).await,
        [
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(
        describe(&kms, &disabled).await.key_state(),
        Some(&KeyState::Disabled)
    );
    let p = describe(&kms, &pending).await;
    assert_eq!(p.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(p.pending_deletion_window_in_days(), Some(9));
    assert_eq!(p.deletion_date(), deletion.deletion_date());
    assert_eq!(alias_names(&kms).await, ["alias/kept"]);
    assert_eq!(describe(&kms, "alias/kept").await.key_id(), a_id);
    let mut listed = all_keys(&kms, 2).await;
    listed.sort();
    let mut expected = vec![a_id.clone(), disabled.clone(), pending.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    assert_eq!(decrypt(&kms, &blob, &[("app", "restart")]).await, plaintext);
    assert_eq!(decrypt(&kms, &data_blob, &[]).await, data_plain);
    let fresh = encrypt(&kms, "alias/kept", b"new", &[]).await;
    assert_eq!(decrypt(&kms, &fresh, &[]).await, b"new");

    server.stop().await;
    assert_not_in_db(&temp.path().join("data"), &[&plaintext, &data_plain]);
    drop(temp);
}
