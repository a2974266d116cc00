//! Parsing: what a valid policy is, and the exact message for each way a document is not.

// Test code: a failed unwrap is a failed test with its location. (clippy.toml already allows
// this inside `#[test]` functions; this extends it to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use trent_policy::{MAX_POLICY_BYTES, Policy, PolicyError, PolicyKind, PolicyVersion};
use trent_types::AccountId;

fn key_err(json: &str) -> String {
    Policy::parse_key_policy(json).unwrap_err().to_string()
}

fn id_err(json: &str) -> String {
    Policy::parse_identity_policy(json).unwrap_err().to_string()
}

/// A key policy with one statement whose body is `body`.
fn key_stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{{body}}}]}}"#)
}

const OK_BODY: &str = r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*""#;

#[test]
fn valid_documents() {
    let default = Policy::default_key_policy(&AccountId::parse("111122223333").unwrap());
    let policy = Policy::parse_key_policy(&default).unwrap();
    assert_eq!(policy.kind(), Some(PolicyKind::Key));
    assert_eq!(policy.version(), PolicyVersion::V2012);
    assert_eq!(policy.id(), Some("key-default-1"));
    assert_eq!(policy.statement_count(), 1);

    // Statement as a single object; Version 2008 and absent; Sid with spaces in a key policy.
    let single = r#"{"Version":"2008-10-17","Statement":{"Sid":"Allow use of the key","Effect":"Deny","NotPrincipal":{"AWS":["111122223333"]},"NotAction":"kms:Decrypt","NotResource":"arn:aws:kms:*:111122223333:key/*"}}"#;
    assert_eq!(
        Policy::parse_key_policy(single).unwrap().version(),
        PolicyVersion::V2008
    );
    let unversioned =
        r#"{"Statement":[{"Effect":"Allow","Action":["kms:Encrypt"],"Resource":["*"]}]}"#;
    let policy = Policy::parse_identity_policy(unversioned).unwrap();
    assert_eq!(policy.version(), PolicyVersion::Unspecified);
    assert_eq!(policy.kind(), Some(PolicyKind::Identity));

    // Every operator, with IfExists and set operators, in either case.
    let conditions = r#"{
        "StringEquals":{"a:k":"v"},"StringNotEqualsIfExists":{"a:k":["v","w"]},
        "stringequalsignorecase":{"a:k":"v"},"StringNotEqualsIgnoreCase":{"a:k":"v"},
        "ForAnyValue:StringLike":{"a:k":"v*"},"ForAllValues:StringNotLike":{"a:k":"v?"},
        "NumericEquals":{"a:n":1},"NumericNotEquals":{"a:n":"2"},"NumericLessThan":{"a:n":3.5},
        "NumericLessThanEquals":{"a:n":4},"NumericGreaterThan":{"a:n":-5},
        "NumericGreaterThanEqualsIfExists":{"a:n":6},
        "DateEquals":{"a:d":"2020-01-01T00:00:00Z"},"DateNotEquals":{"a:d":1577836800},
        "DateLessThan":{"a:d":"2020-01-01"},"DateLessThanEquals":{"a:d":"2020-01-01T00:00Z"},
        "DateGreaterThan":{"a:d":"2020-01-01T00:00:00+01:00"},"DateGreaterThanEquals":{"a:d":"2020-01"},
        "Bool":{"a:b":true},"BoolIfExists":{"a:b":"FALSE"},"BinaryEquals":{"a:x":"AAEC"},
        "IpAddress":{"a:ip":["10.0.0.0/8","2001:db8::/32"]},"NotIpAddress":{"a:ip":"192.0.2.1"},
        "ArnEquals":{"a:arn":"arn:aws:iam::111122223333:root"},"ArnLike":{"a:arn":"arn:*"},
        "ArnNotEquals":{"a:arn":"*"},"ArnNotLikeIfExists":{"a:arn":"arn:aws:*"},
        "Null":{"a:k":"true"}
    }"#;
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{conditions}}}]}}"#
    );
    Policy::parse_identity_policy(&json).unwrap();
    // The grammar-only parser takes statements of either kind.
    let mixed = format!(
        r#"{{"Statement":[{{{OK_BODY}}},{{"Effect":"Allow","Action":"kms:*","Resource":"*"}}]}}"#
    );
    assert_eq!(Policy::parse(&mixed).unwrap().kind(), None);
}

#[test]
fn size_limit() {
    let pad = " ".repeat(MAX_POLICY_BYTES);
    let json = format!("{}{pad}", key_stmt(OK_BODY));
    assert_eq!(
        key_err(&json),
        format!(
            "Policy document is {} bytes, which exceeds the limit of 32768 bytes.",
            json.len()
        )
    );
    let exact = key_stmt(OK_BODY);
    let fill = " ".repeat(MAX_POLICY_BYTES - exact.len());
    Policy::parse_key_policy(&format!("{exact}{fill}")).unwrap();
}

#[test]
fn malformed_json_and_shapes() {
    assert_eq!(
        key_err("{\"Statement\": ["),
        "Policy contains invalid JSON: EOF while parsing a list at line 1 column 15"
    );
    assert_eq!(
        key_err(""),
        "Policy contains invalid JSON: EOF while parsing a value at line 1 column 0"
    );
    assert_eq!(
        key_err("[]"),
        "Syntax errors in policy: the policy document must be a JSON object."
    );
    assert_eq!(key_err("{}"), "Missing required field Statement.");
    assert_eq!(
        key_err(r#"{"Statement":"x"}"#),
        "Syntax errors in policy: Statement must be an object or an array of objects."
    );
    assert_eq!(
        key_err(r#"{"Statement":[1]}"#),
        "Syntax errors in policy: each statement must be a JSON object."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"Sid":7"#))),
        "Syntax errors in policy: Sid must be a string."
    );
    assert_eq!(
        key_err(r#"{"Id":1,"Statement":[]}"#),
        "Syntax errors in policy: Id must be a string."
    );
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Principal":"*","Action":7,"Resource":"*""#
        )),
        "Syntax errors in policy: Action must be a string or an array of strings."
    );
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Principal":"*","Action":"kms:*","NotResource":[1]"#
        )),
        "Syntax errors in policy: NotResource must be a string or an array of strings."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"Condition":[]"#))),
        "Syntax errors in policy: Condition must map condition operators to condition keys."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(
            r#"{OK_BODY},"Condition":{{"StringEquals":"x"}}"#
        ))),
        "Syntax errors in policy: the StringEquals condition must map condition keys to values."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(
            r#"{OK_BODY},"Condition":{{"StringEquals":{{"a:k":{{"x":1}}}}}}"#
        ))),
        "Syntax errors in policy: the values of the StringEquals condition must be strings, numbers or booleans."
    );
}

#[test]
fn unknown_elements_and_versions() {
    assert_eq!(
        key_err(r#"{"Version":"2012-10-17","Statment":[]}"#),
        "Policy contains an unsupported element: Statment"
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"Principals":"*""#))),
        "Policy contains an unsupported element: Principals"
    );
    // Element names are case-sensitive.
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"sid":"x""#))),
        "Policy contains an unsupported element: sid"
    );
    assert_eq!(
        key_err(r#"{"Version":"2012-10-18","Statement":[]}"#),
        "The policy Version 2012-10-18 is not supported; use \"2012-10-17\"."
    );
    assert_eq!(
        key_err(r#"{"Version":2012,"Statement":[]}"#),
        "The policy Version 2012 is not supported; use \"2012-10-17\"."
    );
}

#[test]
fn effects_actions_resources() {
    let no_effect = r#""Principal":"*","Action":"kms:*","Resource":"*""#;
    assert_eq!(
        key_err(&key_stmt(no_effect)),
        "Missing required field Effect."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#""Effect":"allow",{no_effect}"#))),
        "Invalid effect: allow"
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#""Effect":true,{no_effect}"#))),
        "Invalid effect: true"
    );
    assert_eq!(
        id_err(r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#),
        "Policy statement must contain actions."
    );
    assert_eq!(
        id_err(r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#),
        "Policy statement must contain actions."
    );
    assert_eq!(
        id_err(r#"{"Statement":{"Effect":"Allow","Action":"kms:*"}}"#),
        "Policy statement must contain resources."
    );
    assert_eq!(
        Policy::parse(r#"{"Statement":{"Effect":"Allow","Action":"kms:*"}}"#)
            .unwrap_err()
            .to_string(),
        "Policy statement must contain resources."
    );
    // A key policy statement without them is accepted (and inert); see evaluation.rs.
    Policy::parse_key_policy(&key_stmt(r#""Effect":"Allow","Principal":"*""#)).unwrap();
    assert_eq!(
        key_err(&key_stmt(&format!(
            r#"{OK_BODY},"NotAction":"kms:Decrypt""#
        ))),
        "A policy statement cannot contain both Action and NotAction."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"NotResource":"*""#))),
        "A policy statement cannot contain both Resource and NotResource."
    );
    assert_eq!(
        key_err(&key_stmt(&format!(r#"{OK_BODY},"NotPrincipal":"*""#))),
        "A policy statement cannot contain both Principal and NotPrincipal."
    );
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Principal":"*","Action":"Encrypt","Resource":"*""#
        )),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Principal":"*","Action":":Encrypt","Resource":"*""#
        )),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"my-key""#
        )),
        "Resource my-key must be in ARN format or \"*\"."
    );
}

#[test]
fn principals() {
    assert_eq!(
        key_err(&key_stmt(
            r#""Effect":"Allow","Action":"kms:*","Resource":"*""#
        )),
        "Missing required field Principal."
    );
    assert_eq!(
        id_err(&key_stmt(OK_BODY)),
        "Policy document should not specify a principal."
    );
    assert_eq!(
        id_err(&key_stmt(
            r#""Effect":"Deny","NotPrincipal":"*","Action":"kms:*","Resource":"*""#
        )),
        "Policy document should not specify a principal."
    );
    for bad in [
        r#""alice""#,
        r#"{"AWS":"alice"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:user/*"}"#,
        r#"{"AWS":"arn:aws:iam::*:root"}"#,
        r#"{"AWS":"arn:aws:kms:us-east-1:111122223333:key/k"}"#,
        r#"{"AWS":"11112222333"}"#,
        r#"{"AWS":[]}"#,
        r#"{"Users":"x"}"#,
        r#"{}"#,
    ] {
        assert_eq!(
            key_err(&key_stmt(&format!(
                r#""Effect":"Allow","Principal":{bad},"Action":"kms:*","Resource":"*""#
            ))),
            "Policy contains a statement with one or more invalid principals.",
            "{bad}"
        );
    }
}

#[test]
fn sids() {
    let two = |a: &str, b: &str| {
        format!(
            r#"{{"Statement":[{{"Sid":"{a}","Effect":"Allow","Action":"kms:*","Resource":"*"}},{{"Sid":"{b}","Effect":"Allow","Action":"kms:*","Resource":"*"}}]}}"#
        )
    };
    assert_eq!(
        id_err(&two("One", "One")),
        "Statement IDs (SID) in a single policy must be unique."
    );
    assert_eq!(
        id_err(&two("Allow use", "Two")),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
    );
    Policy::parse_identity_policy(&two("One", "Two")).unwrap();
    // Key policies: any Sid, duplicates included.
    let key = |sid: &str| {
        format!(r#"{{"Statement":[{{"Sid":"{sid}",{OK_BODY}}},{{"Sid":"{sid}",{OK_BODY}}}]}}"#)
    };
    Policy::parse_key_policy(&key("Enable IAM User Permissions")).unwrap();
}

#[test]
fn conditions() {
    let with = |cond: &str| key_err(&key_stmt(&format!(r#"{OK_BODY},"Condition":{cond}"#)));
    assert_eq!(
        with(r#"{"StringEqualz":{"a:k":"v"}}"#),
        "Invalid Condition type : StringEqualz."
    );
    assert_eq!(
        with(r#"{"NullIfExists":{"a:k":"true"}}"#),
        "Invalid Condition type : NullIfExists."
    );
    assert_eq!(
        with(r#"{"ForSomeValues:StringEquals":{"a:k":"v"}}"#),
        "Invalid Condition type : ForSomeValues:StringEquals."
    );
    assert_eq!(
        with(r#"{"StringEquals":{"username":"v"}}"#),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    );
    let invalid = |op: &str, v: &str| format!("Invalid value {v} for condition operator {op}.");
    assert_eq!(
        with(r#"{"NumericLessThan":{"a:n":"ten"}}"#),
        invalid("NumericLessThan", "ten")
    );
    assert_eq!(
        with(r#"{"NumericEquals":{"a:n":["1","NaN"]}}"#),
        invalid("NumericEquals", "NaN")
    );
    assert_eq!(
        with(r#"{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}"#),
        invalid("DateGreaterThan", "yesterday")
    );
    assert_eq!(
        with(r#"{"DateEquals":{"aws:CurrentTime":"2020-02-30"}}"#),
        invalid("DateEquals", "2020-02-30")
    );
    assert_eq!(with(r#"{"Bool":{"a:b":"yes"}}"#), invalid("Bool", "yes"));
    assert_eq!(
        with(r#"{"BinaryEquals":{"a:x":"not base64!"}}"#),
        invalid("BinaryEquals", "not base64!")
    );
    assert_eq!(
        with(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}"#),
        invalid("IpAddress", "10.0.0.0/33")
    );
    assert_eq!(
        with(r#"{"NotIpAddress":{"aws:SourceIp":"ten"}}"#),
        invalid("NotIpAddress", "ten")
    );
    assert_eq!(
        with(r#"{"Null":{"a:k":"maybe"}}"#),
        invalid("Null", "maybe")
    );
    // Variables are not allowed with numeric operators (IAM "Variables and tags").
    assert_eq!(
        with(r#"{"NumericEquals":{"a:n":"${aws:username}"}}"#),
        invalid("NumericEquals", "${aws:username}")
    );
}

#[test]
fn errors_compare_structurally() {
    assert_eq!(
        Policy::parse_key_policy(&key_stmt(
            r#""Effect":"Allow","Action":"kms:*","Resource":"*""#
        ))
        .unwrap_err(),
        PolicyError::MissingPrincipal
    );
}

#[test]
fn context_keys_are_every_key_a_policy_can_read() {
    let default = Policy::default_key_policy(&AccountId::parse("111122223333").unwrap());
    assert!(
        Policy::parse_key_policy(&default)
            .unwrap()
            .context_keys()
            .is_empty()
    );
    let policy = Policy::parse_identity_policy(
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:*:*:key/${aws:PrincipalTag/KeyId}",
           "Condition":{
             "StringEquals":{"kms:EncryptionContext:Dept":"${aws:username}","aws:ResourceTag/Team":"x"},
             "ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/${aws:PrincipalTag/Team, 'none'}*"},
             "ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/*"},
             "Bool":{"aws:SecureTransport":"${kms:GrantIsForAWSResource}"},
             "IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
             "Null":{"kms:RequestAlias":"false"}}},
          {"Effect":"Deny","Action":"kms:Decrypt","Resource":"*",
           "Condition":{"NumericLessThan":{"kms:ScheduleKeyDeletionPendingWindowInDays":"7"}}}]}"#,
    )
    .unwrap();
    let keys: Vec<&str> = policy.context_keys().iter().map(|k| &**k).collect();
    assert_eq!(
        keys,
        [
            "aws:principalaccount",
            "aws:principalarn",
            "aws:principaltag/keyid",
            "aws:principaltag/team",
            "aws:resourcetag/team",
            "aws:securetransport",
            "aws:sourceip",
            "aws:username",
            "kms:encryptioncontext:dept",
            "kms:grantisforawsresource",
            "kms:requestalias",
            "kms:resourcealiases",
            "kms:schedulekeydeletionpendingwindowindays",
        ]
    );
    // In a 2008-10-17 policy `${...}` is text, not a variable.
    let old = Policy::parse_identity_policy(
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"arn:aws:kms:*:*:key/${aws:username}"}]}"#,
    )
    .unwrap();
    assert!(old.context_keys().is_empty());
}
