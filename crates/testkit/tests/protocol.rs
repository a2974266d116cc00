//! The protocol through `aws-sdk-kms`: what the SDK refuses to send, the server's validation
//! messages word for word, DryRun, request ids, and the audit event every call leaves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_kms::operation::RequestId;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    DataKeySpec, DryRunModifierType, EncryptionAlgorithmSpec, KeySpec, KeyUsageType,
};
use common::*;
use serde_json::Value;
use trent_store::Store;
use trent_store::sqlite::SqliteStore;
use trent_testkit::TestServer;

const DRY_RUN: &str = "The request would have succeeded, but the DryRun option is set.";

#[tokio::test]
async fn the_server_checks_required_members() {
    // This SDK sends a request without a member the model requires; the server refuses it
    // as AWS does.
    let server = TestServer::start().await;
    let kms = server.client();
    let e = fail(kms.encrypt().plaintext(Blob::new("no key")).send().await);
    assert_validation(&e, &one_violation_null("keyId"));
    let e = fail(kms.describe_key().send().await);
    assert_validation(&e, &one_violation_null("keyId"));
    let e = fail(kms.create_alias().alias_name("alias/x").send().await);
    assert_validation(&e, &one_violation_null("targetKeyId"));
    let e = fail(kms.generate_random().send().await);
    assert_validation(&e, &one_violation_null("numberOfBytes"));
    let e = fail(kms.encrypt().send().await);
    assert_validation(
        &e,
        "2 validation errors detected: \
         Value null at 'keyId' failed to satisfy constraint: Member must not be null; \
         Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
    );
    server.stop().await;
}

#[tokio::test]
async fn validation_messages_are_aws_words() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;

    for limit in [0, 1001] {
        let constraint = if limit == 0 {
            "have value greater than or equal to 1"
        } else {
            "have value less than or equal to 1000"
        };
        let expected = one_violation(Some(&limit.to_string()), "limit", constraint);
        let e = fail(kms.list_keys().limit(limit).send().await);
        assert_validation(&e, &expected);
        let e = fail(kms.list_aliases().limit(limit).send().await);
        assert_validation(&e, &expected);
        let e = fail(
            kms.list_resource_tags()
                .key_id(&id)
                .limit(limit)
                .send()
                .await,
        );
        assert_validation(&e, &expected);
    }
    // Limits at the edges are fine.
    kms.list_keys().limit(1).send().await.unwrap();
    kms.list_keys().limit(1000).send().await.unwrap();

    let e = fail(
        kms.schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(31)
            .send()
            .await,
    );
    assert_validation(
        &e,
        "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy \
         constraint: Member must have value less than or equal to 30",
    );

    let long = "d".repeat(8193);
    let expected = one_violation(
        Some(&long),
        "description",
        "have length less than or equal to 8192",
    );
    let e = fail(kms.create_key().description(&long).send().await);
    assert_validation(&e, &expected);
    let e = fail(
        kms.update_key_description()
            .key_id(&id)
            .description(&long)
            .send()
            .await,
    );
    assert_validation(&e, &expected);

    let long_id = "k".repeat(2049);
    let e = fail(kms.describe_key().key_id(&long_id).send().await);
    assert_validation(
        &e,
        &one_violation(
            Some(&long_id),
            "keyId",
            "have length less than or equal to 2048",
        ),
    );
    let e = fail(kms.describe_key().key_id("").send().await);
    assert_validation(
        &e,
        &one_violation(Some(""), "keyId", "have length greater than or equal to 1"),
    );

    // Enum values the SDK passes through unchecked.
    let e = fail(
        kms.create_key()
            .key_spec(KeySpec::from("AES_512"))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");
    assert!(
        message(&e).starts_with(
            "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy \
             constraint: Member must satisfy enum value set: [RSA_2048, "
        ),
        "{e:?}"
    );
    let e = fail(
        kms.create_key()
            .key_usage(KeyUsageType::from("WRAP"))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");
    assert!(message(&e).contains("Value 'WRAP' at 'keyUsage'"), "{e:?}");
    let e = fail(
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::from("AES_512"))
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(
            Some("AES_512"),
            "keySpec",
            "satisfy enum value set: [AES_256, AES_128]",
        ),
    );
    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .encryption_algorithm(EncryptionAlgorithmSpec::from("ROT13"))
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(
            Some("ROT13"),
            "encryptionAlgorithm",
            "satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]",
        ),
    );

    // Several violations at once, in member order.
    let e = fail(kms.list_keys().limit(0).marker("").send().await);
    assert_validation(
        &e,
        "2 validation errors detected: \
         Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; \
         Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );

    // Blobs and sensitive members are never echoed.
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(vec![1u8; 6145]))
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(
            None,
            "ciphertextBlob",
            "have length less than or equal to 6144",
        ),
    );
    server.stop().await;
}

#[tokio::test]
async fn a_missing_ciphertext_is_a_validation_error() {
    // The model no longer marks CiphertextBlob required (a dry run with IGNORE_CIPHERTEXT
    // needs none), so the SDK sends requests without it; the server must refuse them.
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let e = fail(kms.decrypt().key_id(&id).send().await);
    assert_validation(&e, &one_violation_null("ciphertextBlob"));
    let e = fail(kms.re_encrypt().destination_key_id(&id).send().await);
    assert_validation(&e, &one_violation_null("ciphertextBlob"));
    server.stop().await;
}

fn one_violation_null(member: &str) -> String {
    format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    )
}

#[tokio::test]
async fn dry_run_says_whether_the_call_would_succeed() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let other = key_id(&kms).await;
    let blob = encrypt(&kms, &id, b"dry", &[("k", "v")]).await;

    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    assert_eq!(message(&e), DRY_RUN);
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("k", "v")
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    assert_eq!(message(&e), DRY_RUN);
    let e = fail(
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    let e = fail(
        kms.generate_data_key_without_plaintext()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("k", "v")
            .destination_key_id(&other)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_dry_run_operation_exception(), "{e:?}");
    // DryRun false is an ordinary call.
    let ok = kms
        .encrypt()
        .key_id(&id)
        .plaintext(Blob::new("x"))
        .dry_run(false)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.key_id(), Some(key_arn(&id).as_str()));

    // A dry run that would fail answers the real error.
    let e = fail(
        kms.encrypt()
            .key_id("alias/none")
            .plaintext(Blob::new("x"))
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .encryption_algorithm(EncryptionAlgorithmSpec::RsaesOaepSha256)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_invalid_key_usage_exception(), "{e:?}");
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .key_id(&other)
            .encryption_context("k", "v")
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_incorrect_key_exception(), "{e:?}");

    kms.disable_key().key_id(&id).send().await.unwrap();
    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("k", "v")
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(encrypt(&kms, &other, b"o", &[]).await))
            .destination_key_id(&id)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_dry_run_of_decrypt_checks_the_ciphertext_unless_told_not_to() {
    // AWS: without DryRunModifiers a dry run validates the ciphertext; IGNORE_CIPHERTEXT
    // checks only that the call would be authorized, on the key KeyId names.
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let blob = encrypt(&kms, &id, b"dry", &[("k", "v")]).await;

    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(flip(&blob, blob.len() - 1)))
            .encryption_context("k", "v")
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("k", "other")
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .destination_key_id(&id)
            .dry_run(true)
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");

    for ciphertext in [None, Some(vec![0u8; 10])] {
        let e = fail(
            kms.decrypt()
                .set_ciphertext_blob(ciphertext.clone().map(Blob::new))
                .key_id(&id)
                .dry_run(true)
                .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
                .send()
                .await,
        );
        assert!(e.is_dry_run_operation_exception(), "{e:?}");
        let e = fail(
            kms.re_encrypt()
                .set_ciphertext_blob(ciphertext.map(Blob::new))
                .source_key_id(&id)
                .destination_key_id(&id)
                .dry_run(true)
                .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
                .send()
                .await,
        );
        assert!(e.is_dry_run_operation_exception(), "{e:?}");
    }
    // Authorization still needs a key that can be used.
    let e = fail(
        kms.decrypt()
            .key_id("alias/none")
            .dry_run(true)
            .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    kms.disable_key().key_id(&id).send().await.unwrap();
    let e = fail(
        kms.decrypt()
            .key_id(&id)
            .dry_run(true)
            .dry_run_modifiers(DryRunModifierType::IgnoreCiphertext)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let server = TestServer::start().await;
    let kms = server.client();
    let ok = kms.list_keys().send().await.unwrap();
    assert_uuid(ok.request_id().unwrap());
    let e = fail(kms.describe_key().key_id("alias/none").send().await);
    assert_uuid(e.request_id().unwrap());
    let e = fail(kms.list_keys().limit(0).send().await);
    assert_uuid(e.request_id().unwrap());
    assert_ne!(ok.request_id(), e.request_id());
    server.stop().await;
}

fn assert_uuid(s: &str) {
    assert!(uuid::Uuid::parse_str(s).is_ok(), "{s} is not a UUID");
}

/// One call the audit test made: its operation, the request id it got, the error code it
/// ended in, and the key ARN its event must name.
struct Call {
    name: &'static str,
    request_id: String,
    error: Option<&'static str>,
    key: Option<String>,
}

macro_rules! ok {
    ($calls:ident, $name:literal, $key:expr, $call:expr) => {{
        let out = $call.send().await.unwrap();
        $calls.push(Call {
            name: $name,
            request_id: out.request_id().unwrap().to_owned(),
            error: None,
            key: $key,
        });
        out
    }};
}

macro_rules! err {
    ($calls:ident, $name:literal, $code:literal, $key:expr, $call:expr) => {{
        let e = fail($call.send().await);
        assert_eq!(code(&e), $code, "{e:?}");
        $calls.push(Call {
            name: $name,
            request_id: e.request_id().unwrap().to_owned(),
            error: Some($code),
            key: $key,
        });
    }};
}

#[tokio::test]
async fn every_call_leaves_one_audit_event_without_secrets() {
    let server = TestServer::start().await;
    let data_dir = server.data_dir().to_owned();
    let kms = server.client();
    let mut calls: Vec<Call> = Vec::new();
    // Things that must never reach the trail.
    let mut secrets: Vec<Vec<u8>> = Vec::new();

    let created = ok!(
        calls,
        "CreateKey",
        None,
        kms.create_key().description("audited")
    );
    let id = created.key_metadata().unwrap().key_id().to_owned();
    let arn = key_arn(&id);
    calls.last_mut().unwrap().key = Some(arn.clone());
    let k = || Some(arn.clone());

    ok!(calls, "DescribeKey", k(), kms.describe_key().key_id(&id));
    ok!(calls, "ListKeys", None, kms.list_keys());
    ok!(
        calls,
        "CreateAlias",
        k(),
        kms.create_alias()
            .alias_name("alias/audit")
            .target_key_id(&id)
    );
    ok!(
        calls,
        "TagResource",
        k(),
        kms.tag_resource().key_id(&id).tags(tag("t", "v"))
    );
    ok!(
        calls,
        "ListResourceTags",
        k(),
        kms.list_resource_tags().key_id(&id)
    );
    ok!(
        calls,
        "UntagResource",
        k(),
        kms.untag_resource().key_id(&id).tag_keys("t")
    );
    ok!(
        calls,
        "UpdateKeyDescription",
        k(),
        kms.update_key_description()
            .key_id(&id)
            .description("still audited")
    );

    let plaintext = b"the audit trail must not see this".to_vec();
    secrets.push(plaintext.clone());
    let enc = ok!(
        calls,
        "Encrypt",
        k(),
        kms.encrypt()
            .key_id("alias/audit")
            .plaintext(Blob::new(plaintext.clone()))
            .encryption_context("purpose", "audit")
    );
    let blob = enc.ciphertext_blob().unwrap().as_ref().to_vec();
    secrets.push(blob.clone());
    let dec = ok!(
        calls,
        "Decrypt",
        k(),
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("purpose", "audit")
    );
    assert_eq!(dec.plaintext().unwrap().as_ref(), plaintext);
    let re = ok!(
        calls,
        "ReEncrypt",
        k(),
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .source_encryption_context("purpose", "audit")
            .destination_key_id(&id)
    );
    secrets.push(re.ciphertext_blob().unwrap().as_ref().to_vec());
    let dk = ok!(
        calls,
        "GenerateDataKey",
        k(),
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
    );
    secrets.push(dk.plaintext().unwrap().as_ref().to_vec());
    secrets.push(dk.ciphertext_blob().unwrap().as_ref().to_vec());
    let dk = ok!(
        calls,
        "GenerateDataKeyWithoutPlaintext",
        k(),
        kms.generate_data_key_without_plaintext()
            .key_id(&id)
            .number_of_bytes(24)
    );
    secrets.push(dk.ciphertext_blob().unwrap().as_ref().to_vec());
    let random = ok!(
        calls,
        "GenerateRandom",
        None,
        kms.generate_random().number_of_bytes(40)
    );
    secrets.push(random.plaintext().unwrap().as_ref().to_vec());
    ok!(calls, "ListAliases", None, kms.list_aliases());
    ok!(
        calls,
        "UpdateAlias",
        k(),
        kms.update_alias()
            .alias_name("alias/audit")
            .target_key_id(&id)
    );
    ok!(calls, "DisableKey", k(), kms.disable_key().key_id(&id));

    let refused = b"refused plaintext, still secret".to_vec();
    secrets.push(refused.clone());
    err!(
        calls,
        "Encrypt",
        "DisabledException",
        // A refused call does not name its key yet (see below).
        None,
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(refused.clone()))
    );
    ok!(calls, "EnableKey", k(), kms.enable_key().key_id(&id));
    err!(
        calls,
        "Decrypt",
        "InvalidCiphertextException",
        k(),
        kms.decrypt().ciphertext_blob(Blob::new(blob.clone()))
    );
    err!(
        calls,
        "Encrypt",
        "ValidationException",
        None,
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(vec![9u8; 4097]))
    );
    err!(
        calls,
        "DescribeKey",
        "NotFoundException",
        None,
        kms.describe_key().key_id("alias/none")
    );
    ok!(
        calls,
        "DeleteAlias",
        k(),
        kms.delete_alias().alias_name("alias/audit")
    );
    ok!(
        calls,
        "ScheduleKeyDeletion",
        k(),
        kms.schedule_key_deletion().key_id(&id)
    );
    err!(
        calls,
        "Encrypt",
        "KMSInvalidStateException",
        // A refused call does not name its key yet (see below).
        None,
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(refused.clone()))
    );
    ok!(
        calls,
        "CancelKeyDeletion",
        k(),
        kms.cancel_key_deletion().key_id(&id)
    );

    // Every operation Trent implements was called at least once.
    let mut names: Vec<_> = calls.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 21, "{names:?}");

    let temp = server.stop().await;
    let store = SqliteStore::open(&data_dir.join("trent.db")).await.unwrap();
    let records = store.list_audit(0, 10_000).await.unwrap();
    trent_audit::verify_chain([0; 32], 1, &records).unwrap();
    assert_eq!(records.len(), calls.len(), "one event per call");

    let encoded: Vec<String> = secrets.iter().map(|s| b64(s)).collect();
    for (record, call) in records.iter().zip(&calls) {
        let event: Value = serde_json::from_str(&record.event_json).unwrap();
        let what = format!("{} ({:?})", call.name, call.error);
        assert_eq!(event["eventName"], call.name, "{what}");
        assert_eq!(event["eventSource"], "kms.amazonaws.com");
        assert_eq!(event["eventType"], "AwsApiCall");
        assert_eq!(event["awsRegion"], REGION);
        assert_eq!(event["recipientAccountId"], ACCOUNT);
        assert_eq!(event["userIdentity"]["accountId"], ACCOUNT);
        assert_eq!(event["userIdentity"]["accessKeyId"], "test");
        assert_eq!(event["requestID"], call.request_id.as_str(), "{what}");
        assert_eq!(event["eventID"], record.event_id.as_str());
        match call.error {
            Some(code) => assert_eq!(event["errorCode"], code, "{what}"),
            None => {
                assert!(event.get("errorCode").is_none(), "{what}: {event}");
                assert!(event.get("errorMessage").is_none(), "{what}: {event}");
            }
        }
        if let Some(arn) = &call.key {
            let resources = event["resources"]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: no resources: {event}"));
            assert!(
                resources.iter().any(|r| r["ARN"] == arn.as_str()
                    && r["type"] == "AWS::KMS::Key"
                    && r["accountId"] == ACCOUNT),
                "{what}: {event}"
            );
        }
        for secret in &encoded {
            assert!(
                !record.event_json.contains(secret.as_str()),
                "{what} holds a secret: {}",
                record.event_json
            );
        }
        for secret in &secrets {
            if let Ok(text) = std::str::from_utf8(secret) {
                assert!(
                    !record.event_json.contains(text),
                    "{what} holds a plaintext"
                );
            }
        }
    }
    // The parameters CloudTrail keeps are there.
    let encrypt_event: Value = serde_json::from_str(&records[8].event_json).unwrap();
    assert_eq!(encrypt_event["eventName"], "Encrypt");
    assert_eq!(encrypt_event["requestParameters"]["keyId"], "alias/audit");
    assert_eq!(
        encrypt_event["requestParameters"]["encryptionContext"]["purpose"],
        "audit"
    );
    drop(temp);
}

#[tokio::test]
async fn a_refused_call_names_its_key_in_the_audit_event() {
    // CloudTrail names the key of a call that found it, whatever the outcome.
    let server = TestServer::start().await;
    let data_dir = server.data_dir().to_owned();
    let kms = server.client();
    let id = key_id(&kms).await;
    kms.disable_key().key_id(&id).send().await.unwrap();
    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    kms.schedule_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let e = fail(kms.enable_key().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    let temp = server.stop().await;

    let store = SqliteStore::open(&data_dir.join("trent.db")).await.unwrap();
    let records = store.list_audit(0, 100).await.unwrap();
    let refused: Vec<Value> = records
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.event_json).unwrap())
        .filter(|e| e.get("errorCode").is_some())
        .collect();
    assert_eq!(refused.len(), 2);
    for event in refused {
        assert_eq!(
            event["resources"][0]["ARN"],
            key_arn(&id).as_str(),
            "{event}"
        );
    }
    drop(temp);
}
