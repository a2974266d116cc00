//! Request bodies as clients send them: parsing, AWS's validation messages, serialization
//! errors, and secrets that stay out of `Debug` and error messages.

#![allow(
    clippy::unwrap_used,
    reason = "helpers outside #[test] fns: a failed unwrap is a failed test"
)]

use trent_api::{ApiError, ErrorKind, ops, parse_request};

fn validation_message<R>(body: &str) -> String
where
    R: serde::de::DeserializeOwned + trent_api::Validate + std::fmt::Debug,
{
    let err = parse_request::<R>(body.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation, "{err}");
    assert_eq!(err.status(), 400);
    err.message
}

fn serialization_error<R>(body: &str) -> ApiError
where
    R: serde::de::DeserializeOwned + trent_api::Validate + std::fmt::Debug,
{
    let err = parse_request::<R>(body.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Serialization, "{err}");
    err
}

// --- parsing -------------------------------------------------------------------------------

#[test]
fn create_key_with_tags() {
    let body = br#"{
        "Description": "app key",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "MultiRegion": false,
        "Tags": [{"TagKey": "team", "TagValue": "payments"}, {"TagKey": "env", "TagValue": ""}],
        "SomethingNew": {"ignored": true}
    }"#;
    let req: ops::create_key::Request = parse_request(body).unwrap();
    assert_eq!(req.description.as_deref(), Some("app key"));
    assert_eq!(req.key_usage.as_deref(), Some("ENCRYPT_DECRYPT"));
    assert_eq!(req.key_spec.as_deref(), Some("SYMMETRIC_DEFAULT"));
    assert_eq!(req.multi_region, Some(false));
    assert_eq!(req.policy, None);
    let tags = req.tags.unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].tag_key.as_deref(), Some("team"));
    assert_eq!(tags[0].tag_value.as_deref(), Some("payments"));
    assert_eq!(tags[1].tag_value.as_deref(), Some(""));
}

#[test]
fn encrypt_with_encryption_context() {
    let body = br#"{"KeyId":"alias/app","Plaintext":"aGVsbG8=",
        "EncryptionContext":{"purpose":"test","tenant":"42"},"GrantTokens":["tok"]}"#;
    let req: ops::encrypt::Request = parse_request(body).unwrap();
    assert_eq!(req.key_id.as_deref(), Some("alias/app"));
    assert_eq!(req.plaintext.as_ref().unwrap().as_bytes(), b"hello");
    let ctx = req.encryption_context.unwrap();
    assert_eq!(ctx.len(), 2);
    assert_eq!(ctx["purpose"], "test");
    assert_eq!(ctx["tenant"], "42");
    let tokens = req.grant_tokens.unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].as_str(), "tok");
    // A grant token carries its grant's authority: it stays out of Debug output.
    assert!(!format!("{tokens:?}").contains("tok"));
    assert_eq!(req.dry_run, None);
}

#[test]
fn list_aliases_with_limit_and_marker() {
    let req: ops::list_aliases::Request =
        parse_request(br#"{"Limit": 50, "Marker": "eyJvZmZzZXQiOjUwfQ=="}"#).unwrap();
    assert_eq!(req.limit, Some(50));
    assert_eq!(req.marker.as_deref(), Some("eyJvZmZzZXQiOjUwfQ=="));
    assert_eq!(req.key_id, None);
}

#[test]
fn empty_body_is_an_empty_object() {
    let req: ops::list_keys::Request = parse_request(b"").unwrap();
    assert_eq!(req.limit, None);
    let req: ops::generate_random::Request = parse_request(b" \n ").unwrap();
    assert_eq!(req.number_of_bytes, None);
    assert_eq!(
        validation_message::<ops::describe_key::Request>(""),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn json_null_counts_as_absent() {
    let req: ops::list_aliases::Request = parse_request(br#"{"Limit": null}"#).unwrap();
    assert_eq!(req.limit, None);
    assert_eq!(
        validation_message::<ops::describe_key::Request>(r#"{"KeyId": null}"#),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn timestamps_and_nested_request_structures() {
    let body =
        br#"{"KeyId":"k","ImportToken":"AQID","EncryptedKeyMaterial":"BAUG","ValidTo":1700000000.5,
        "ExpirationModel":"KEY_MATERIAL_EXPIRES"}"#;
    let req: ops::import_key_material::Request = parse_request(body).unwrap();
    assert_eq!(req.valid_to, Some(1_700_000_000.5));
    assert_eq!(req.import_token.unwrap().as_bytes(), &[1, 2, 3]);

    let body = br#"{"KeyId":"k","GranteePrincipal":"arn:aws:iam::111122223333:role/app",
        "Operations":["Encrypt","Decrypt"],
        "Constraints":{"EncryptionContextSubset":{"tenant":"42"}}}"#;
    let req: ops::create_grant::Request = parse_request(body).unwrap();
    assert_eq!(req.operations.unwrap(), vec!["Encrypt", "Decrypt"]);
    let constraints = req.constraints.unwrap();
    assert_eq!(
        constraints.encryption_context_subset.unwrap()["tenant"],
        "42"
    );
    assert_eq!(constraints.encryption_context_equals, None);
}

// --- validation messages -------------------------------------------------------------------

#[test]
fn missing_required_member() {
    assert_eq!(
        validation_message::<ops::encrypt::Request>(r#"{"Plaintext":"aGVsbG8="}"#),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn string_too_long() {
    let key_id = "a".repeat(2049);
    let body = format!(r#"{{"KeyId":"{key_id}"}}"#);
    assert_eq!(
        validation_message::<ops::describe_key::Request>(&body),
        format!(
            "1 validation error detected: Value '{key_id}' at 'keyId' failed to satisfy \
             constraint: Member must have length less than or equal to 2048"
        )
    );
}

#[test]
fn several_errors_in_member_order_with_the_sensitive_form() {
    // KeyId comes before Plaintext in the model; Plaintext is sensitive: no value printed.
    assert_eq!(
        validation_message::<ops::encrypt::Request>(r#"{"Plaintext":"","KeyId":""}"#),
        "2 validation errors detected: \
         Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn blob_too_long_never_prints_the_bytes() {
    let plaintext = base64_of(&[b'x'; 4097]);
    let body = format!(r#"{{"KeyId":"k","Plaintext":"{plaintext}"}}"#);
    let message = validation_message::<ops::encrypt::Request>(&body);
    assert_eq!(
        message,
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: \
         Member must have length less than or equal to 4096"
    );
}

#[test]
fn sensitive_string_never_prints() {
    let body = r#"{"CustomKeyStoreName":"store","KeyStorePassword":"abc"}"#;
    assert_eq!(
        validation_message::<ops::create_custom_key_store::Request>(body),
        "1 validation error detected: Value at 'keyStorePassword' failed to satisfy constraint: \
         Member must have length greater than or equal to 7"
    );
}

#[test]
fn nested_sensitive_members_never_print() {
    let body = r#"{"CustomKeyStoreName":"store","XksProxyAuthenticationCredential":
        {"AccessKeyId":"lowercase-is-wrong!!","RawSecretAccessKey":"s3cr3t!"}}"#;
    let message = validation_message::<ops::create_custom_key_store::Request>(body);
    assert_eq!(
        message,
        "3 validation errors detected: \
         Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[A-Z2-7]+$; \
         Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: \
         Member must have length greater than or equal to 43; \
         Value at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[a-zA-Z0-9\\/+=]+$"
    );
    assert!(!message.contains("s3cr3t") && !message.contains("lowercase"));

    let body = r#"{"CustomKeyStoreName":"store","XksProxyAuthenticationCredential":{}}"#;
    assert_eq!(
        validation_message::<ops::create_custom_key_store::Request>(body),
        "2 validation errors detected: \
         Value null at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy constraint: \
         Member must not be null; \
         Value null at 'xksProxyAuthenticationCredential.rawSecretAccessKey' failed to satisfy constraint: \
         Member must not be null"
    );
}

#[test]
fn number_out_of_range() {
    assert_eq!(
        validation_message::<ops::list_aliases::Request>(r#"{"Limit":0}"#),
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: \
         Member must have value greater than or equal to 1"
    );
    assert_eq!(
        validation_message::<ops::list_aliases::Request>(r#"{"Limit":1001}"#),
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: \
         Member must have value less than or equal to 1000"
    );
    assert_eq!(
        validation_message::<ops::enable_key_rotation::Request>(
            r#"{"KeyId":"k","RotationPeriodInDays":30}"#
        ),
        "1 validation error detected: Value '30' at 'rotationPeriodInDays' failed to satisfy \
         constraint: Member must have value greater than or equal to 90"
    );
    assert_eq!(
        validation_message::<ops::schedule_key_deletion::Request>(
            r#"{"KeyId":"k","PendingWindowInDays":-1}"#
        ),
        "1 validation error detected: Value '-1' at 'pendingWindowInDays' failed to satisfy \
         constraint: Member must have value greater than or equal to 7"
    );
}

#[test]
fn value_outside_the_enum() {
    assert_eq!(
        validation_message::<ops::create_key::Request>(r#"{"KeySpec":"RSA_1024"}"#),
        "1 validation error detected: Value 'RSA_1024' at 'keySpec' failed to satisfy constraint: \
         Member must satisfy enum value set: [RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, \
         ECC_NIST_P384, ECC_NIST_P521, ECC_SECG_P256K1, SYMMETRIC_DEFAULT, HMAC_224, HMAC_256, \
         HMAC_384, HMAC_512, SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519, \
         ML_KEM_512, ML_KEM_768, ML_KEM_1024]"
    );
    // Enum values are case-sensitive, as in AWS.
    assert_eq!(
        validation_message::<ops::create_key::Request>(r#"{"KeyUsage":"encrypt_decrypt"}"#),
        "1 validation error detected: Value 'encrypt_decrypt' at 'keyUsage' failed to satisfy \
         constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, \
         GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]"
    );
}

#[test]
fn pattern_and_null_together() {
    assert_eq!(
        validation_message::<ops::create_alias::Request>(r#"{"AliasName":"alias/bad name"}"#),
        "2 validation errors detected: \
         Value 'alias/bad name' at 'aliasName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$; \
         Value null at 'targetKeyId' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn patterns_use_java_ascii_classes() {
    // `[\w]+` and `\d` are ASCII in Java; the regex crate's would accept these.
    assert_eq!(
        validation_message::<ops::get_key_policy::Request>(r#"{"KeyId":"k","PolicyName":"é"}"#),
        "1 validation error detected: Value 'é' at 'policyName' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w]+"
    );
    assert_eq!(
        validation_message::<ops::replicate_key::Request>(
            r#"{"KeyId":"k","ReplicaRegion":"us-east-١"}"#
        ),
        "1 validation error detected: Value 'us-east-١' at 'replicaRegion' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$"
    );
    // Unanchored patterns match anywhere, as AWS applies them.
    parse_request::<ops::get_key_policy::Request>(br#"{"KeyId":"k","PolicyName":"default!"}"#)
        .unwrap();
    parse_request::<ops::replicate_key::Request>(br#"{"KeyId":"k","ReplicaRegion":"eu-west-1"}"#)
        .unwrap();
    parse_request::<ops::create_key::Request>(br#"{"XksKeyId":"a-b_c.d"}"#).unwrap();
}

#[test]
fn anchored_patterns_reject_a_trailing_newline() {
    // Java's `$` would accept "alias/app\n"; the stricter reading is kept on purpose.
    let message = validation_message::<ops::create_alias::Request>(
        r#"{"AliasName":"alias/app\n","TargetKeyId":"k"}"#,
    );
    assert_eq!(
        message,
        "1 validation error detected: Value 'alias/app\n' at 'aliasName' failed to satisfy \
         constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
    );
}

#[test]
fn nested_list_items_are_numbered_from_one() {
    let body = r#"{"KeyId":"k","Tags":[{"TagKey":"","TagValue":"v"},{"TagKey":"ok"}]}"#;
    assert_eq!(
        validation_message::<ops::tag_resource::Request>(body),
        "2 validation errors detected: \
         Value '' at 'tags.1.member.tagKey' failed to satisfy constraint: \
         Member must have length greater than or equal to 1; \
         Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null"
    );
    let body = r#"{"KeyId":"k","Operations":["Encrypt","Fly"]}"#;
    assert_eq!(
        validation_message::<ops::create_grant::Request>(body),
        "1 validation error detected: Value 'Fly' at 'operations.2.member' failed to satisfy \
         constraint: Member must satisfy enum value set: [Decrypt, Encrypt, GenerateDataKey, \
         GenerateDataKeyWithoutPlaintext, ReEncryptFrom, ReEncryptTo, Sign, Verify, GetPublicKey, \
         CreateGrant, RetireGrant, DescribeKey, GenerateDataKeyPair, \
         GenerateDataKeyPairWithoutPlaintext, GenerateMac, VerifyMac, DeriveSharedSecret, \
         Encapsulate, Decapsulate]"
    );
}

#[test]
fn list_item_counts() {
    let tokens: Vec<String> = (0..11).map(|i| format!("\"t{i}\"")).collect();
    let body = format!(r#"{{"KeyId":"k","GrantTokens":[{}]}}"#, tokens.join(","));
    assert_eq!(
        validation_message::<ops::describe_key::Request>(&body),
        "1 validation error detected: Value at 'grantTokens' failed to satisfy constraint: \
         Member must have length less than or equal to 10"
    );
    assert_eq!(
        validation_message::<ops::list_keys::Request>(r#"{"ResourceOwners":[]}"#),
        "1 validation error detected: Value at 'resourceOwners' failed to satisfy constraint: \
         Member must have length greater than or equal to 1"
    );
    assert_eq!(
        validation_message::<ops::describe_key::Request>(r#"{"KeyId":"k","GrantTokens":[""]}"#),
        "1 validation error detected: Value '' at 'grantTokens.1.member' failed to satisfy \
         constraint: Member must have length greater than or equal to 1"
    );
}

#[test]
fn the_request_shape_names_members_exactly() {
    // `AWSAccountId`-style names are matched exactly; a differently cased member is unknown
    // and so ignored, which leaves the required member missing.
    assert_eq!(
        validation_message::<ops::describe_key::Request>(r#"{"keyId":"k"}"#),
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: \
         Member must not be null"
    );
}

// --- serialization errors ------------------------------------------------------------------

#[test]
fn malformed_json() {
    let err = serialization_error::<ops::describe_key::Request>(r#"{"KeyId": "k",}"#);
    assert_eq!(err.message, "Malformed JSON at line 1 column 15");
    let err = serialization_error::<ops::describe_key::Request>(r#"{"KeyId": "k""#);
    assert_eq!(err.message, "Unexpected end of JSON input");
    let err = serialization_error::<ops::describe_key::Request>(r#"{"KeyId": "k"} {}"#);
    assert!(err.message.starts_with("Malformed JSON"), "{}", err.message);
}

#[test]
fn body_that_is_not_an_object() {
    for body in ["[]", r#"["k"]"#, "null", "42", r#""KeyId""#] {
        let err = serialization_error::<ops::describe_key::Request>(body);
        assert_eq!(err.message, "Request body must be a JSON object");
    }
}

#[test]
fn wrong_types_do_not_echo_values() {
    let err = serialization_error::<ops::list_aliases::Request>(r#"{"Limit":"secret-ish"}"#);
    assert_eq!(
        err.message,
        "Expected i64, found a string at line 1 column 21"
    );

    let err = serialization_error::<ops::encrypt::Request>(r#"{"KeyId":"k","Plaintext":12345}"#);
    assert_eq!(
        err.message,
        "Expected a base64 string, found a number at line 1 column 30"
    );
    assert!(!err.message.contains("12345"));

    let err = serialization_error::<ops::create_key::Request>(r#"{"Tags":{"TagKey":"k"}}"#);
    assert!(
        err.message
            .starts_with("Expected a sequence, found an object"),
        "{}",
        err.message
    );

    let err = serialization_error::<ops::create_key::Request>(r#"{"MultiRegion":"yes"}"#);
    assert!(
        err.message
            .starts_with("Expected a boolean, found a string"),
        "{}",
        err.message
    );

    let err = serialization_error::<ops::encrypt::Request>(
        r#"{"KeyId":"k","EncryptionContext":{"a":1}}"#,
    );
    assert!(
        err.message.starts_with("Expected a string, found a number"),
        "{}",
        err.message
    );
}

#[test]
fn bad_base64_does_not_echo_the_value() {
    let err =
        serialization_error::<ops::encrypt::Request>(r#"{"KeyId":"k","Plaintext":"c2VjcmV0!"}"#);
    assert_eq!(err.message, "Blob is not valid base64 at line 1 column 36");
    let err = serialization_error::<ops::decrypt::Request>(r#"{"CiphertextBlob":"nope nope"}"#);
    assert!(
        err.message.starts_with("Blob is not valid base64"),
        "{}",
        err.message
    );
}

#[test]
fn duplicate_members_are_rejected() {
    let err = serialization_error::<ops::describe_key::Request>(r#"{"KeyId":"a","KeyId":"b"}"#);
    assert_eq!(err.message, "Duplicate field `KeyId` at line 1 column 20");
}

#[test]
fn serialization_exception_body() {
    let err = serialization_error::<ops::describe_key::Request>("{");
    assert_eq!(err.status(), 400);
    assert_eq!(
        String::from_utf8(err.to_json_body()).unwrap(),
        r#"{"__type":"SerializationException","message":"Unexpected end of JSON input"}"#
    );
}

// --- secrets -------------------------------------------------------------------------------

#[test]
fn debug_of_a_request_never_shows_the_secret() {
    // "top secret plaintext" in base64.
    let body = br#"{"KeyId":"k","Plaintext":"dG9wIHNlY3JldCBwbGFpbnRleHQ="}"#;
    let req: ops::encrypt::Request = parse_request(body).unwrap();
    assert_eq!(
        req.plaintext.as_ref().unwrap().as_bytes(),
        b"top secret plaintext"
    );
    let debug = format!("{req:?}");
    assert!(debug.contains("SecretBlob(..)"), "{debug}");
    assert!(!debug.contains("top secret"), "{debug}");
    assert!(!debug.contains("dG9wIHNlY3JldCBwbGFpbnRleHQ"), "{debug}");
    assert!(!debug.contains("116, 111, 112"), "{debug}");

    let body = br#"{"CustomKeyStoreId":"cks-1","KeyStorePassword":"correct horse"}"#;
    let req: ops::update_custom_key_store::Request = parse_request(body).unwrap();
    assert_eq!(
        req.key_store_password.as_ref().unwrap().as_str(),
        "correct horse"
    );
    let debug = format!("{req:?}");
    assert!(!debug.contains("correct horse"), "{debug}");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
