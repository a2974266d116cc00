//! Cryptography end to end through `aws-sdk-kms`: Encrypt, Decrypt, ReEncrypt,
//! GenerateDataKey, GenerateDataKeyWithoutPlaintext and GenerateRandom, with encryption
//! contexts, tampered ciphertexts, wrong keys and the limits of the model.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use aws_sdk_kms::Client;
use aws_sdk_kms::config::interceptors::AfterDeserializationInterceptorContextRef;
use aws_sdk_kms::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_kms::error::BoxError;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, EncryptionAlgorithmSpec};
use common::*;
use trent_testkit::TestServer;

/// The layout of a version 1 blob of a key with a 36-character id: version, id length, id,
/// material id, nonce, then the body and the 16-byte tag.
const KEY_ID_AT: usize = 2;
const MATERIAL_AT: usize = KEY_ID_AT + 36;
const NONCE_AT: usize = MATERIAL_AT + 32;
const BODY_AT: usize = NONCE_AT + 12;
const TAG_LEN: usize = 16;

async fn decrypt_fails(kms: &Client, blob: &[u8], context: &[(&str, &str)]) -> String {
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob))
            .set_encryption_context(ctx(context))
            .send()
            .await,
    );
    code(&e).to_owned()
}

#[tokio::test]
async fn encrypt_and_decrypt_round_trip() {
    let server = TestServer::start().await;
    let kms = server.client();
    let meta = describe(&kms, &key_id(&kms).await).await;
    let id = meta.key_id();
    let arn = key_arn(id);
    let material = meta.current_key_material_id().unwrap();

    for context in [
        &[][..],
        &[("purpose", "test")][..],
        &[("a", "1"), ("b", "2"), ("ünï", "cødé")][..],
    ] {
        for plaintext in [&b"x"[..], b"hello world", &[0u8; 4096], &[0xff; 1000]] {
            let enc = kms
                .encrypt()
                .key_id(id)
                .plaintext(Blob::new(plaintext))
                .set_encryption_context(ctx(context))
                .send()
                .await
                .unwrap();
            assert_eq!(enc.key_id(), Some(arn.as_str()));
            assert_eq!(
                enc.encryption_algorithm(),
                Some(&EncryptionAlgorithmSpec::SymmetricDefault)
            );
            let blob = enc.ciphertext_blob().unwrap().as_ref();
            assert_eq!(blob.len(), BODY_AT + plaintext.len() + TAG_LEN);
            assert!(!contains(blob, plaintext) || plaintext.len() < 4);

            let dec = kms
                .decrypt()
                .ciphertext_blob(Blob::new(blob))
                .set_encryption_context(ctx(context))
                .send()
                .await
                .unwrap();
            assert_eq!(dec.plaintext().unwrap().as_ref(), plaintext);
            assert_eq!(dec.key_id(), Some(arn.as_str()));
            assert_eq!(
                dec.encryption_algorithm(),
                Some(&EncryptionAlgorithmSpec::SymmetricDefault)
            );
            assert_eq!(dec.key_material_id(), Some(material));
        }
    }

    // Two encryptions of the same plaintext differ (fresh nonce).
    let one = encrypt(&kms, id, b"same", &[]).await;
    let two = encrypt(&kms, id, b"same", &[]).await;
    assert_ne!(one, two);
    server.stop().await;
}

#[tokio::test]
async fn the_encryption_context_must_match_exactly() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let context = [("tenant", "acme"), ("purpose", "billing")];
    let blob = encrypt(&kms, &id, b"bound", &context).await;

    // Order does not matter.
    assert_eq!(
        decrypt(&kms, &blob, &[("purpose", "billing"), ("tenant", "acme")]).await,
        b"bound"
    );
    for wrong in [
        &[][..],
        &[("tenant", "acme")][..],
        &[
            ("tenant", "acme"),
            ("purpose", "billing"),
            ("extra", "pair"),
        ][..],
        &[("tenant", "acme"), ("purpose", "payroll")][..],
        &[("tenant", "ACME"), ("purpose", "billing")][..],
        &[("Tenant", "acme"), ("purpose", "billing")][..],
    ] {
        assert_eq!(
            decrypt_fails(&kms, &blob, wrong).await,
            "InvalidCiphertextException",
            "{wrong:?}"
        );
    }

    // A context where none was given fails too.
    let bare = encrypt(&kms, &id, b"bare", &[]).await;
    assert_eq!(
        decrypt_fails(&kms, &bare, &[("any", "thing")]).await,
        "InvalidCiphertextException"
    );
    server.stop().await;
}

#[tokio::test]
async fn tampered_ciphertexts_are_invalid() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let plaintext = b"sixteen byte msg and more";
    let blob = encrypt(&kms, &id, plaintext, &[("k", "v")]).await;
    let tag_at = blob.len() - TAG_LEN;
    assert_eq!(blob[0], 1, "version 1");
    assert_eq!(usize::from(blob[1]), id.len());
    assert_eq!(&blob[KEY_ID_AT..MATERIAL_AT], id.as_bytes());

    let positions = [
        ("version", 0),
        ("key id length", 1),
        ("key id, first", KEY_ID_AT),
        ("key id, last", MATERIAL_AT - 1),
        ("material id, first", MATERIAL_AT),
        ("material id, last", NONCE_AT - 1),
        ("nonce, first", NONCE_AT),
        ("nonce, last", BODY_AT - 1),
        ("body, first", BODY_AT),
        ("body, last", tag_at - 1),
        ("tag, first", tag_at),
        ("tag, last", blob.len() - 1),
    ];
    for (what, at) in positions {
        for bit in [0x01, 0x80] {
            let mut bad = blob.clone();
            bad[at] ^= bit;
            let e = fail(
                kms.decrypt()
                    .ciphertext_blob(Blob::new(bad))
                    .encryption_context("k", "v")
                    .send()
                    .await,
            );
            assert!(
                e.is_invalid_ciphertext_exception(),
                "{what} ^ {bit:#x}: {e:?}"
            );
        }
    }

    // Truncated anywhere.
    for len in [
        1,
        2,
        KEY_ID_AT + 10,
        MATERIAL_AT,
        NONCE_AT + 5,
        BODY_AT,
        blob.len() - 1,
    ] {
        assert_eq!(
            decrypt_fails(&kms, &blob[..len], &[("k", "v")]).await,
            "InvalidCiphertextException",
            "truncated to {len}"
        );
    }
    // Extended.
    let mut longer = blob.clone();
    longer.push(0);
    assert_eq!(
        decrypt_fails(&kms, &longer, &[("k", "v")]).await,
        "InvalidCiphertextException"
    );
    // Garbage.
    for garbage in [
        vec![0u8; 100],
        vec![1u8; 100],
        b"this is not a ciphertext at all, not even close".to_vec(),
        vec![2; 1],
    ] {
        assert_eq!(
            decrypt_fails(&kms, &garbage, &[]).await,
            "InvalidCiphertextException",
            "{garbage:?}"
        );
    }
    // The blob still decrypts: nothing above changed the key.
    assert_eq!(decrypt(&kms, &blob, &[("k", "v")]).await, plaintext);
    server.stop().await;
}

#[tokio::test]
async fn a_ciphertext_naming_another_keys_id_is_invalid() {
    // The key id inside the blob is authenticated: pointing it at another key (even one that
    // exists) makes the blob invalid, not a ciphertext of that key.
    let server = TestServer::start().await;
    let kms = server.client();
    let a = key_id(&kms).await;
    let b = key_id(&kms).await;
    let blob = encrypt(&kms, &a, b"mine", &[]).await;
    let mut swapped = blob.clone();
    swapped[KEY_ID_AT..MATERIAL_AT].copy_from_slice(b.as_bytes());
    assert_eq!(
        decrypt_fails(&kms, &swapped, &[]).await,
        "InvalidCiphertextException"
    );
    // And pointing it at a key that does not exist.
    let mut nowhere = blob.clone();
    nowhere[KEY_ID_AT..MATERIAL_AT].copy_from_slice(b"00000000-0000-4000-8000-000000000000");
    assert_eq!(
        decrypt_fails(&kms, &nowhere, &[]).await,
        "InvalidCiphertextException"
    );
    server.stop().await;
}

#[tokio::test]
async fn decrypt_checks_the_key_id_it_is_given() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let other = key_id(&kms).await;
    create_alias(&kms, "alias/right", &id).await;
    create_alias(&kms, "alias/wrong", &other).await;
    let blob = encrypt(&kms, &id, b"whose", &[]).await;

    for right in [
        id.clone(),
        key_arn(&id),
        "alias/right".to_owned(),
        alias_arn("alias/right"),
    ] {
        let dec = kms
            .decrypt()
            .key_id(&right)
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"whose", "{right}");
        assert_eq!(dec.key_id(), Some(key_arn(&id).as_str()));
    }
    for wrong in [
        other.clone(),
        key_arn(&other),
        "alias/wrong".to_owned(),
        alias_arn("alias/wrong"),
    ] {
        let e = fail(
            kms.decrypt()
                .key_id(&wrong)
                .ciphertext_blob(Blob::new(blob.clone()))
                .send()
                .await,
        );
        assert!(e.is_incorrect_key_exception(), "{wrong}: {e:?}");
    }
    let e = fail(
        kms.decrypt()
            .key_id("alias/missing")
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn re_encrypt_moves_a_ciphertext_between_keys() {
    let server = TestServer::start().await;
    let kms = server.client();
    let a = create_key(&kms).await;
    let b = create_key(&kms).await;
    let blob = encrypt(&kms, a.key_id(), b"travelling", &[("from", "a")]).await;

    // To another key, with a new context.
    let out = kms
        .re_encrypt()
        .ciphertext_blob(Blob::new(blob.clone()))
        .source_encryption_context("from", "a")
        .destination_key_id(b.key_id())
        .destination_encryption_context("to", "b")
        .send()
        .await
        .unwrap();
    assert_eq!(out.source_key_id(), Some(key_arn(a.key_id()).as_str()));
    assert_eq!(out.key_id(), Some(key_arn(b.key_id()).as_str()));
    assert_eq!(
        out.source_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    assert_eq!(
        out.destination_encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    assert_eq!(out.source_key_material_id(), a.current_key_material_id());
    assert_eq!(
        out.destination_key_material_id(),
        b.current_key_material_id()
    );
    let moved = out.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_eq!(&moved[KEY_ID_AT..MATERIAL_AT], b.key_id().as_bytes());
    assert_eq!(decrypt(&kms, &moved, &[("to", "b")]).await, b"travelling");
    assert_eq!(
        decrypt_fails(&kms, &moved, &[("from", "a")]).await,
        "InvalidCiphertextException"
    );

    // To the same key, dropping the context.
    let out = kms
        .re_encrypt()
        .ciphertext_blob(Blob::new(blob.clone()))
        .source_encryption_context("from", "a")
        .destination_key_id(a.key_id())
        .send()
        .await
        .unwrap();
    let same = out.ciphertext_blob().unwrap().as_ref().to_vec();
    assert_ne!(same, blob);
    assert_eq!(out.key_id(), Some(key_arn(a.key_id()).as_str()));
    assert_eq!(decrypt(&kms, &same, &[]).await, b"travelling");

    // The source context must match.
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("from", "b")
            .destination_key_id(b.key_id())
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .destination_key_id(b.key_id())
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");

    // A tampered source.
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(flip(&blob, blob.len() - 1)))
            .source_encryption_context("from", "a")
            .destination_key_id(b.key_id())
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");

    // A source key that is not the blob's.
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("from", "a")
            .source_key_id(b.key_id())
            .destination_key_id(b.key_id())
            .send()
            .await,
    );
    assert!(e.is_incorrect_key_exception(), "{e:?}");

    // A destination that does not exist.
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("from", "a")
            .destination_key_id("alias/none")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // An asymmetric algorithm for a symmetric destination.
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("from", "a")
            .destination_key_id(b.key_id())
            .destination_encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .send()
            .await,
    );
    assert!(e.is_invalid_key_usage_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn generate_data_key_sizes_and_round_trips() {
    let server = TestServer::start().await;
    let kms = server.client();
    let meta = create_key(&kms).await;
    let id = meta.key_id();
    let cases: [(Option<DataKeySpec>, Option<i32>, usize); 6] = [
        (Some(DataKeySpec::Aes256), None, 32),
        (Some(DataKeySpec::Aes128), None, 16),
        (None, Some(1), 1),
        (None, Some(64), 64),
        (None, Some(1024), 1024),
        (None, Some(32), 32),
    ];
    for (spec, bytes, len) in cases {
        let out = kms
            .generate_data_key()
            .key_id(id)
            .set_key_spec(spec.clone())
            .set_number_of_bytes(bytes)
            .encryption_context("use", "data-key")
            .send()
            .await
            .unwrap();
        let plaintext = out.plaintext().unwrap().as_ref().to_vec();
        assert_eq!(plaintext.len(), len, "{spec:?} {bytes:?}");
        assert_eq!(out.key_id(), Some(key_arn(id).as_str()));
        assert_eq!(out.key_material_id(), meta.current_key_material_id());
        let blob = out.ciphertext_blob().unwrap().as_ref();
        assert_eq!(blob.len(), BODY_AT + len + TAG_LEN);
        assert_eq!(decrypt(&kms, blob, &[("use", "data-key")]).await, plaintext);
        assert_eq!(
            decrypt_fails(&kms, blob, &[]).await,
            "InvalidCiphertextException"
        );
    }

    // Fresh every time.
    let one = kms
        .generate_data_key()
        .key_id(id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    let two = kms
        .generate_data_key()
        .key_id(id)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap();
    assert_ne!(one.plaintext(), two.plaintext());

    // Exactly one of KeySpec and NumberOfBytes.
    let e = fail(kms.generate_data_key().key_id(id).send().await);
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    let e = fail(
        kms.generate_data_key()
            .key_id(id)
            .key_spec(DataKeySpec::Aes256)
            .number_of_bytes(32)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    let e = fail(
        kms.generate_data_key_without_plaintext()
            .key_id(id)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    let e = fail(
        kms.generate_data_key_without_plaintext()
            .key_id(id)
            .key_spec(DataKeySpec::Aes128)
            .number_of_bytes(16)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");

    // Out of the model's range.
    for (n, constraint) in [
        (0, "have value greater than or equal to 1"),
        (1025, "have value less than or equal to 1024"),
    ] {
        let e = fail(
            kms.generate_data_key()
                .key_id(id)
                .number_of_bytes(n)
                .send()
                .await,
        );
        assert_validation(
            &e,
            &one_violation(Some(&n.to_string()), "numberOfBytes", constraint),
        );
    }
    server.stop().await;
}

/// Keeps the raw body of each response, for what the typed output cannot show (a member
/// that should not be there at all).
#[derive(Clone, Debug, Default)]
struct RawBodies(Arc<Mutex<Vec<Vec<u8>>>>);

impl Intercept for RawBodies {
    fn name(&self) -> &'static str {
        "RawBodies"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.response().body().bytes().unwrap_or_default();
        self.0.lock().unwrap().push(body.to_vec());
        Ok(())
    }
}

#[tokio::test]
async fn generate_data_key_without_plaintext() {
    let server = TestServer::start().await;
    let kms = server.client();
    let meta = describe(&kms, &key_id(&kms).await).await;
    let id = meta.key_id();
    let raw = RawBodies::default();
    let out = kms
        .generate_data_key_without_plaintext()
        .key_id(id)
        .key_spec(DataKeySpec::Aes256)
        .encryption_context("no", "plaintext")
        .customize()
        .interceptor(raw.clone())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&raw.0.lock().unwrap()[0]).unwrap();
    let mut members: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    members.sort();
    assert_eq!(members, ["CiphertextBlob", "KeyId", "KeyMaterialId"]);
    assert_eq!(out.key_id(), Some(key_arn(id).as_str()));
    assert_eq!(out.key_material_id(), meta.current_key_material_id());
    let blob = out.ciphertext_blob().unwrap().as_ref().to_vec();
    let plaintext = decrypt(&kms, &blob, &[("no", "plaintext")]).await;
    assert_eq!(plaintext.len(), 32);

    let other = kms
        .generate_data_key_without_plaintext()
        .key_id(id)
        .number_of_bytes(7)
        .send()
        .await
        .unwrap();
    let other = decrypt(&kms, other.ciphertext_blob().unwrap().as_ref(), &[]).await;
    assert_eq!(other.len(), 7);
    server.stop().await;
}

#[tokio::test]
async fn generate_random() {
    let server = TestServer::start().await;
    let kms = server.client();
    for n in [1, 2, 32, 1024] {
        let out = kms
            .generate_random()
            .number_of_bytes(n)
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.plaintext().unwrap().as_ref().len(),
            usize::try_from(n).unwrap()
        );
    }
    let one = kms
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    let two = kms
        .generate_random()
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    assert_ne!(one.plaintext(), two.plaintext());
    assert_ne!(one.plaintext().unwrap().as_ref(), [0u8; 32]);

    for (n, constraint) in [
        (0, "have value greater than or equal to 1"),
        (1025, "have value less than or equal to 1024"),
        (-1, "have value greater than or equal to 1"),
    ] {
        let e = fail(kms.generate_random().number_of_bytes(n).send().await);
        assert_validation(
            &e,
            &one_violation(Some(&n.to_string()), "numberOfBytes", constraint),
        );
    }
    let e = fail(
        kms.generate_random()
            .number_of_bytes(8)
            .custom_key_store_id("cks-1234567890abcdef0")
            .send()
            .await,
    );
    assert!(e.is_custom_key_store_not_found_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn asymmetric_algorithms_do_not_fit_a_symmetric_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let blob = encrypt(&kms, &id, b"sym", &[]).await;
    for algorithm in [
        EncryptionAlgorithmSpec::RsaesOaepSha256,
        EncryptionAlgorithmSpec::RsaesOaepSha1,
        EncryptionAlgorithmSpec::Sm2Pke,
    ] {
        let e = fail(
            kms.encrypt()
                .key_id(&id)
                .plaintext(Blob::new("x"))
                .encryption_algorithm(algorithm.clone())
                .send()
                .await,
        );
        assert!(e.is_invalid_key_usage_exception(), "{e:?}");
        let e = fail(
            kms.decrypt()
                .ciphertext_blob(Blob::new(blob.clone()))
                .encryption_algorithm(algorithm)
                .send()
                .await,
        );
        assert!(e.is_invalid_key_usage_exception(), "{e:?}");
    }
    let ok = kms
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("x"))
        .encryption_algorithm(EncryptionAlgorithmSpec::SymmetricDefault)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.encryption_algorithm(),
        Some(&EncryptionAlgorithmSpec::SymmetricDefault)
    );
    server.stop().await;
}

#[tokio::test]
async fn plaintext_limits() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let big = vec![7u8; 4096];
    let blob = encrypt(&kms, &id, &big, &[]).await;
    assert_eq!(decrypt(&kms, &blob, &[]).await, big);

    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(vec![7u8; 4097]))
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(None, "plaintext", "have length less than or equal to 4096"),
    );
    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(Vec::new()))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn empty_encryption_context_keys_and_values_are_refused() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let blob = encrypt(&kms, &id, b"ctx", &[("k", "v")]).await;
    for (k, v) in [("", "value"), ("key", ""), ("", "")] {
        let e = fail(
            kms.encrypt()
                .key_id(&id)
                .plaintext(Blob::new("x"))
                .encryption_context(k, v)
                .send()
                .await,
        );
        assert_eq!(code(&e), "ValidationException", "{k:?}={v:?}: {e:?}");
        let e = fail(
            kms.decrypt()
                .ciphertext_blob(Blob::new(blob.clone()))
                .encryption_context(k, v)
                .send()
                .await,
        );
        assert_eq!(code(&e), "ValidationException", "{e:?}");
        let e = fail(
            kms.generate_data_key()
                .key_id(&id)
                .key_spec(DataKeySpec::Aes256)
                .encryption_context(k, v)
                .send()
                .await,
        );
        assert_eq!(code(&e), "ValidationException", "{e:?}");
        let e = fail(
            kms.re_encrypt()
                .ciphertext_blob(Blob::new(blob.clone()))
                .source_encryption_context("k", "v")
                .destination_key_id(&id)
                .destination_encryption_context(k, v)
                .send()
                .await,
        );
        assert_eq!(code(&e), "ValidationException", "{e:?}");
    }
    server.stop().await;
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
