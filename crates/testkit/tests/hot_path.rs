//! The hot path reads nothing from the database once a key is cached.

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use trent_testkit::TestServer;

#[tokio::test]
async fn cached_keys_are_used_without_reading_the_store() {
    let server = TestServer::start_without_jobs().await;
    let kms = server.client();
    let a = kms.create_key().send().await.unwrap();
    let a = a.key_metadata().unwrap().key_id().to_owned();
    let b = kms.create_key().send().await.unwrap();
    let b = b.key_metadata().unwrap().key_id().to_owned();
    kms.create_alias()
        .alias_name("alias/hot")
        .target_key_id(&a)
        .send()
        .await
        .unwrap();

    // Warm the caches: each key and the alias once.
    let warm = kms
        .encrypt()
        .key_id("alias/hot")
        .plaintext(Blob::new(vec![1; 1024]))
        .send()
        .await
        .unwrap();
    kms.encrypt()
        .key_id(&b)
        .plaintext(Blob::new(vec![1]))
        .send()
        .await
        .unwrap();
    let blob = warm.ciphertext_blob().unwrap().clone();

    let before = server.service().store_counts();
    for _ in 0..20 {
        kms.encrypt()
            .key_id("alias/hot")
            .plaintext(Blob::new(vec![7; 1024]))
            .send()
            .await
            .unwrap();
        kms.encrypt()
            .key_id(&a)
            .plaintext(Blob::new(vec![7; 16]))
            .send()
            .await
            .unwrap();
        kms.decrypt()
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .unwrap();
        kms.re_encrypt()
            .ciphertext_blob(blob.clone())
            .destination_key_id(&b)
            .send()
            .await
            .unwrap();
        kms.generate_data_key()
            .key_id(&a)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await
            .unwrap();
        kms.generate_data_key_without_plaintext()
            .key_id("alias/hot")
            .number_of_bytes(64)
            .send()
            .await
            .unwrap();
    }
    let after = server.service().store_counts();
    assert_eq!(
        after.reads, before.reads,
        "120 cryptographic calls on cached keys read the store"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_change_to_a_key_reaches_the_hot_path_at_once() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = kms.create_key().send().await.unwrap();
    let key = key.key_metadata().unwrap().key_id().to_owned();
    let encrypt = || {
        kms.encrypt()
            .key_id(&key)
            .plaintext(Blob::new(vec![1]))
            .send()
    };
    encrypt().await.unwrap();
    kms.disable_key().key_id(&key).send().await.unwrap();
    let err = encrypt().await.unwrap_err().into_service_error();
    assert!(err.is_disabled_exception(), "{err:?}");
    kms.enable_key().key_id(&key).send().await.unwrap();
    encrypt().await.unwrap();
    server.stop().await;
}
