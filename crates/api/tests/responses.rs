//! Responses, operations and error kinds as they go on the wire.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns: a failed unwrap is a failed test"
)]

use trent_api::shapes::{AliasListEntry, KeyMetadata, Tag};
use trent_api::{ApiError, Blob, ErrorKind, Operation, SecretBlob, ops, to_body};
use trent_types::{EncryptionAlgorithm, KeySpec, KeyState, KeyUsage, Timestamp};

fn json(body: Vec<u8>) -> String {
    String::from_utf8(body).unwrap()
}

// --- responses -----------------------------------------------------------------------------

#[test]
fn absent_members_are_left_out() {
    assert_eq!(json(to_body(&ops::encrypt::Response::default())), "{}");
    let resp = ops::encrypt::Response {
        key_id: Some("arn:aws:kms:us-east-1:111122223333:key/k".to_owned()),
        ..Default::default()
    };
    assert_eq!(
        json(to_body(&resp)),
        r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/k"}"#
    );
}

#[test]
fn operations_without_output_answer_an_empty_object() {
    assert_eq!(json(to_body(&ops::create_alias::Response {})), "{}");
    assert_eq!(json(to_body(&ops::tag_resource::Response::default())), "{}");
    assert_eq!(json(to_body(&ops::put_key_policy::Response {})), "{}");
}

#[test]
fn blobs_are_base64_and_enums_are_strings() {
    let resp = ops::encrypt::Response {
        ciphertext_blob: Some(Blob::new(vec![0, 1, 2, 255])),
        encryption_algorithm: Some(EncryptionAlgorithm::SymmetricDefault),
        key_id: Some("k".to_owned()),
    };
    assert_eq!(
        json(to_body(&resp)),
        r#"{"CiphertextBlob":"AAEC/w==","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","KeyId":"k"}"#
    );

    let resp = ops::decrypt::Response {
        plaintext: Some(SecretBlob::new(b"hello".to_vec())),
        ..Default::default()
    };
    assert_eq!(json(to_body(&resp)), r#"{"Plaintext":"aGVsbG8="}"#);
    assert!(!format!("{resp:?}").contains("hello"));
}

#[test]
fn key_metadata_with_timestamps_as_epoch_seconds() {
    let meta = KeyMetadata {
        aws_account_id: Some("111122223333".to_owned()),
        key_id: Some("1234abcd-12ab-34cd-56ef-1234567890ab".to_owned()),
        creation_date: Some(Timestamp::from_millis(1_700_000_000_250)),
        enabled: Some(true),
        key_spec: Some(KeySpec::SymmetricDefault),
        key_state: Some(KeyState::Enabled),
        key_usage: Some(KeyUsage::EncryptDecrypt),
        encryption_algorithms: Some(vec![EncryptionAlgorithm::SymmetricDefault]),
        multi_region: Some(false),
        ..Default::default()
    };
    let resp = ops::create_key::Response {
        key_metadata: Some(meta),
    };
    let value: serde_json::Value = serde_json::from_slice(&to_body(&resp)).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "KeyMetadata": {
                "AWSAccountId": "111122223333",
                "CreationDate": 1_700_000_000.25,
                "Enabled": true,
                "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
                "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                "KeySpec": "SYMMETRIC_DEFAULT",
                "KeyState": "Enabled",
                "KeyUsage": "ENCRYPT_DECRYPT",
                "MultiRegion": false
            }
        })
    );
    assert!(value["KeyMetadata"]["CreationDate"].is_f64());
}

#[test]
fn lists_of_structures() {
    let resp = ops::list_aliases::Response {
        aliases: Some(vec![AliasListEntry {
            alias_name: Some("alias/app".to_owned()),
            target_key_id: Some("k".to_owned()),
            creation_date: Some(Timestamp::from_millis(1_000)),
            ..Default::default()
        }]),
        truncated: Some(false),
        next_marker: None,
    };
    assert_eq!(
        json(to_body(&resp)),
        r#"{"Aliases":[{"AliasName":"alias/app","CreationDate":1.0,"TargetKeyId":"k"}],"Truncated":false}"#
    );

    let resp = ops::list_resource_tags::Response {
        tags: Some(vec![Tag {
            tag_key: Some("team".to_owned()),
            tag_value: Some("payments".to_owned()),
        }]),
        ..Default::default()
    };
    assert_eq!(
        json(to_body(&resp)),
        r#"{"Tags":[{"TagKey":"team","TagValue":"payments"}]}"#
    );
}

// --- operations ----------------------------------------------------------------------------

/// Every operation of the model, written out independently of the generated code.
const OPERATIONS: [&str; 56] = [
    "CancelKeyDeletion",
    "ConnectCustomKeyStore",
    "CreateAlias",
    "CreateCustomKeyStore",
    "CreateGrant",
    "CreateKey",
    "Decapsulate",
    "Decrypt",
    "DeleteAlias",
    "DeleteCustomKeyStore",
    "DeleteImportedKeyMaterial",
    "DeriveSharedSecret",
    "DescribeCustomKeyStores",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "DisconnectCustomKeyStore",
    "EnableKey",
    "EnableKeyRotation",
    "Encapsulate",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GenerateRandom",
    "GetKeyLastUsage",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetParametersForImport",
    "GetPublicKey",
    "ImportKeyMaterial",
    "ListAliases",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListKeys",
    "ListResourceTags",
    "ListRetirableGrants",
    "PutKeyPolicy",
    "ReEncrypt",
    "ReplicateKey",
    "RetireGrant",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "TagResource",
    "UntagResource",
    "UpdateAlias",
    "UpdateCustomKeyStore",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "Verify",
    "VerifyMac",
];

#[test]
fn every_operation_is_found_by_its_target() {
    assert_eq!(Operation::ALL.len(), OPERATIONS.len());
    for name in OPERATIONS {
        let op = Operation::from_target(&format!("TrentService.{name}"))
            .unwrap_or_else(|| panic!("{name} not found"));
        assert_eq!(op.name(), name);
        assert_eq!(op.to_string(), name);
        assert!(Operation::ALL.contains(&op));
    }
}

#[test]
fn bad_targets_are_rejected() {
    for target in [
        "",
        "Encrypt",
        "TrentService.",
        "TrentService.encrypt",
        "trentservice.Encrypt",
        "TrentService.Encrypt ",
        " TrentService.Encrypt",
        "TrentService.Encrypt.Extra",
        "TrentService:Encrypt",
        "KMS.Encrypt",
        "TrentService.Fly",
        "TrentService.TrentService.Encrypt",
    ] {
        assert_eq!(Operation::from_target(target), None, "{target:?}");
    }
}

#[test]
fn read_only_operations() {
    for op in [
        Operation::Encrypt,
        Operation::Decrypt,
        Operation::ReEncrypt,
        Operation::GenerateDataKey,
        Operation::Sign,
        Operation::Verify,
        Operation::GenerateRandom,
        Operation::DescribeKey,
        Operation::ListAliases,
        Operation::GetKeyPolicy,
        Operation::Decapsulate,
        Operation::DeriveSharedSecret,
    ] {
        assert!(op.read_only(), "{op}");
    }
    for op in [
        Operation::CreateKey,
        Operation::CreateAlias,
        Operation::DeleteAlias,
        Operation::DisableKey,
        Operation::EnableKeyRotation,
        Operation::ScheduleKeyDeletion,
        Operation::CancelKeyDeletion,
        Operation::PutKeyPolicy,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::ImportKeyMaterial,
        Operation::ReplicateKey,
        Operation::RotateKeyOnDemand,
        Operation::RetireGrant,
        Operation::RevokeGrant,
        Operation::ConnectCustomKeyStore,
        Operation::DisconnectCustomKeyStore,
        Operation::UpdatePrimaryRegion,
    ] {
        assert!(!op.read_only(), "{op}");
    }
    let changing = Operation::ALL.iter().filter(|op| !op.read_only()).count();
    assert_eq!(changing, 27);
}

// --- errors --------------------------------------------------------------------------------

#[test]
fn error_names_and_statuses_follow_the_model() {
    let expected = [
        (ErrorKind::NotFound, "NotFoundException", 404),
        (ErrorKind::AlreadyExists, "AlreadyExistsException", 409),
        (ErrorKind::KmsInvalidState, "KMSInvalidStateException", 409),
        (ErrorKind::Disabled, "DisabledException", 409),
        (ErrorKind::Conflict, "ConflictException", 409),
        (ErrorKind::LimitExceeded, "LimitExceededException", 400),
        (ErrorKind::DryRunOperation, "DryRunOperationException", 412),
        (ErrorKind::KmsInternal, "KMSInternalException", 500),
        (ErrorKind::KeyUnavailable, "KeyUnavailableException", 500),
        (
            ErrorKind::DependencyTimeout,
            "DependencyTimeoutException",
            503,
        ),
        (
            ErrorKind::InvalidCiphertext,
            "InvalidCiphertextException",
            400,
        ),
        (ErrorKind::IncorrectKey, "IncorrectKeyException", 400),
        (
            ErrorKind::CustomKeyStoreHasCmks,
            "CustomKeyStoreHasCMKsException",
            400,
        ),
        (ErrorKind::Tag, "TagException", 400),
        // Protocol errors.
        (
            ErrorKind::UnknownOperation,
            "UnknownOperationException",
            400,
        ),
        (ErrorKind::Serialization, "SerializationException", 400),
        (ErrorKind::Validation, "ValidationException", 400),
        (
            ErrorKind::MissingAuthenticationToken,
            "MissingAuthenticationTokenException",
            403,
        ),
        (
            ErrorKind::IncompleteSignature,
            "IncompleteSignatureException",
            400,
        ),
        (
            ErrorKind::UnrecognizedClient,
            "UnrecognizedClientException",
            400,
        ),
        (
            ErrorKind::InvalidSignature,
            "InvalidSignatureException",
            400,
        ),
        (ErrorKind::AccessDenied, "AccessDeniedException", 400),
        (ErrorKind::Throttling, "ThrottlingException", 400),
        (
            ErrorKind::RequestEntityTooLarge,
            "RequestEntityTooLargeException",
            413,
        ),
    ];
    for (kind, name, status) in expected {
        assert_eq!(kind.name(), name);
        assert_eq!(kind.status(), status, "{name}");
        assert_eq!(ErrorKind::from_name(name), Some(kind));
    }
    assert!(ErrorKind::KmsInternal.is_server_fault());
    assert!(ErrorKind::DependencyTimeout.is_server_fault());
    assert!(!ErrorKind::NotFound.is_server_fault());
    assert!(!ErrorKind::Throttling.is_server_fault());
}

#[test]
fn every_error_kind_is_listed_once_and_named_like_an_exception() {
    // 48 error shapes in the model plus 12 protocol errors.
    assert_eq!(ErrorKind::ALL.len(), 60);
    let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.name()).collect();
    for (kind, name) in ErrorKind::ALL.iter().zip(&names) {
        assert!(name.ends_with("Exception"), "{name}");
        assert_eq!(ErrorKind::from_name(name), Some(*kind));
        assert!(matches!(
            kind.status(),
            400 | 403 | 404 | 408 | 409 | 412 | 413 | 500 | 503
        ));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 60);
    assert_eq!(ErrorKind::from_name("NotFound"), None);
}

#[test]
fn error_bodies() {
    let err = ApiError::new(
        ErrorKind::NotFound,
        "Key 'arn:aws:kms:us-east-1:111122223333:key/k' does not exist",
    );
    assert_eq!(
        json(err.to_json_body()),
        r#"{"__type":"NotFoundException","message":"Key 'arn:aws:kms:us-east-1:111122223333:key/k' does not exist"}"#
    );
    let err = ApiError::new(ErrorKind::Validation, "line\nbreak \"quoted\" \u{1}");
    let body: serde_json::Value = serde_json::from_slice(&err.to_json_body()).unwrap();
    assert_eq!(body["__type"], "ValidationException");
    assert_eq!(body["message"], "line\nbreak \"quoted\" \u{1}");
}
