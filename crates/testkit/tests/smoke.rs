use aws_sdk_kms::primitives::Blob;
use trent_testkit::TestServer;

#[tokio::test]
async fn create_encrypt_decrypt() {
    let server = TestServer::start().await;
    let kms = server.client();
    let key = kms.create_key().description("smoke").send().await.unwrap();
    let meta = key.key_metadata().unwrap();
    let key_id = meta.key_id().to_owned();
    let enc = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(b"hello".to_vec()))
        .encryption_context("purpose", "smoke")
        .send()
        .await
        .unwrap();
    let dec = kms
        .decrypt()
        .ciphertext_blob(enc.ciphertext_blob().unwrap().clone())
        .encryption_context("purpose", "smoke")
        .send()
        .await
        .unwrap();
    assert_eq!(dec.plaintext().unwrap().as_ref(), b"hello");
    server.stop().await;
}
