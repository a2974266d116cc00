//! Properties that hold for every policy and every request:
//! - parsing never panics, on any string and any JSON;
//! - evaluation never panics, on any parsed policy;
//! - an explicit deny is never overridden, whatever else the policies and grants say;
//! - removing an `Allow` statement never grants more;
//! - a context holding only the keys the policies read (`Policy::context_keys`) decides as
//!   the full context does.

// Test code: a failed unwrap is a failed test with its location. (clippy.toml already allows
// this inside `#[test]` functions; this extends it to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::IpAddr;

use proptest::prelude::*;
use serde_json::{Value, json};
use trent_policy::{
    ContextValue, Decision, Policy, RequestContext, authorize, authorize_explained,
};
use trent_types::{PrincipalArn, Timestamp};

const PRINCIPALS: [&str; 7] = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::111122223333:role/KeyAdmin",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::444455556666:role/app",
];
const ACTIONS: [&str; 6] = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:ScheduleKeyDeletion",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
];
const RESOURCES: [&str; 4] = [
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:111122223333:alias/alice-key",
    "arn:aws:kms:eu-west-1:444455556666:key/0987dcba-09fe-87dc-65ba-ab0987654321",
    "*",
];
const KEYS: [&str; 11] = [
    "aws:PrincipalTag/team",
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:SecureTransport",
    "kms:EncryptionContextKeys",
    "kms:EncryptionContext:Dept",
    "aws:PrincipalArn",
    "aws:Sizes",
    "aws:Key",
    "kms:GranteePrincipal",
];

// ---- policies -------------------------------------------------------------------------

fn one_or_many(values: Vec<&'static str>) -> Value {
    if values.len() == 1 {
        json!(values[0])
    } else {
        json!(values)
    }
}

fn principal_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("*")),
        prop::collection::vec(
            prop::sample::select(vec![
                "*",
                "111122223333",
                "444455556666",
                PRINCIPALS[0],
                PRINCIPALS[1],
                PRINCIPALS[2],
                PRINCIPALS[3],
                PRINCIPALS[4],
                PRINCIPALS[5],
            ]),
            1..3
        )
        .prop_map(|v| json!({"AWS": one_or_many(v)})),
        Just(json!({"Service": "ec2.amazonaws.com"})),
    ]
}

fn actions() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        prop::sample::select(vec![
            "*",
            "kms:*",
            "kms:Encrypt",
            "KMS:decrypt",
            "kms:Generate*",
            "kms:?ncrypt",
            "kms:*Key*",
            "s3:*",
        ]),
        1..3,
    )
    .prop_map(one_or_many)
}

fn resources() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        prop::sample::select(vec![
            "*",
            RESOURCES[0],
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:111122223333:alias/${aws:username}-*",
            "arn:aws:kms:u*1:key/*",
            "arn:aws:kms:*",
        ]),
        1..3,
    )
    .prop_map(one_or_many)
}

fn condition() -> impl Strategy<Value = (String, String, Value)> {
    let families: Vec<(&str, Vec<&str>)> = vec![
        (
            "StringEquals",
            vec!["blue", "Blue", "b*", "alice", "${aws:username}", "", "Dept"],
        ),
        (
            "StringNotEquals",
            vec!["blue", "${aws:PrincipalTag/team}", "Dept"],
        ),
        ("StringEqualsIgnoreCase", vec!["BLUE", "alice"]),
        (
            "StringNotEqualsIgnoreCase",
            vec!["BLUE", "${aws:username, 'x'}"],
        ),
        ("StringLike", vec!["b*", "*", "x?y", "${aws:username}*"]),
        ("StringNotLike", vec!["b*", "${*}"]),
        ("NumericEquals", vec!["1", "10", "-3.5"]),
        ("NumericNotEquals", vec!["1", "30"]),
        ("NumericLessThan", vec!["10"]),
        ("NumericGreaterThanEquals", vec!["10", "0.5"]),
        ("DateEquals", vec!["2020-01-01T00:00:00Z", "1577836800"]),
        ("DateNotEquals", vec!["2024-01-01"]),
        ("DateLessThan", vec!["2024-01-01T00:00:00Z"]),
        ("DateGreaterThan", vec!["2020-01-01T00:00:00+02:00"]),
        ("Bool", vec!["true", "false", "${aws:PrincipalTag/team}"]),
        ("BinaryEquals", vec!["AAEC", "QmluYXJ5"]),
        (
            "IpAddress",
            vec!["10.0.0.0/8", "203.0.113.5", "2001:db8::/32"],
        ),
        ("NotIpAddress", vec!["0.0.0.0/0", "10.0.0.0/8"]),
        (
            "ArnLike",
            vec!["arn:aws:iam::*:user/*", "*", "${aws:PrincipalArn}"],
        ),
        (
            "ArnNotEquals",
            vec![PRINCIPALS[0], "arn:aws:iam::111122223333:*"],
        ),
        ("Null", vec!["true", "false"]),
    ];
    (
        prop::sample::select(families),
        prop::sample::select(vec!["", "ForAnyValue:", "ForAllValues:"]),
        any::<bool>(),
        prop::sample::select(KEYS.to_vec()),
        any::<prop::sample::Index>(),
        1..3usize,
    )
        .prop_map(|((base, values), set, if_exists, key, index, n)| {
            let suffix = if if_exists && base != "Null" {
                "IfExists"
            } else {
                ""
            };
            let chosen: Vec<&str> = (0..n)
                .map(|i| values[(index.index(values.len()) + i) % values.len()])
                .collect();
            (
                format!("{set}{base}{suffix}"),
                key.to_owned(),
                one_or_many(chosen),
            )
        })
}

/// A statement of a key policy (`with_principal`) or an identity policy.
fn statement(with_principal: bool) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["Allow", "Deny"]),
        principal_value(),
        any::<bool>(),
        actions(),
        any::<bool>(),
        resources(),
        any::<bool>(),
        prop::collection::vec(condition(), 0..3),
    )
        .prop_map(
            move |(
                effect,
                principal,
                not_principal,
                action,
                not_action,
                resource,
                not_resource,
                conds,
            )| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), json!(effect));
                if with_principal {
                    // NotPrincipal only with Deny, as IAM supports it.
                    let key = if not_principal && effect == "Deny" {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    };
                    s.insert(key.into(), principal);
                }
                s.insert(
                    if not_action { "NotAction" } else { "Action" }.into(),
                    action,
                );
                s.insert(
                    if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    }
                    .into(),
                    resource,
                );
                if !conds.is_empty() {
                    let mut block = serde_json::Map::new();
                    for (op, key, values) in conds {
                        let entry = block.entry(op).or_insert_with(|| json!({}));
                        if let Value::Object(m) = entry {
                            m.insert(key, values);
                        }
                    }
                    s.insert("Condition".into(), Value::Object(block));
                }
                Value::Object(s)
            },
        )
}

fn document(statements: &[Value]) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

fn key_statements() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(statement(true), 0..6)
}

fn identity_statements() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(statement(false), 0..4)
}

// ---- requests -------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Request {
    principal: &'static str,
    action: &'static str,
    resource: &'static str,
    values: Vec<(&'static str, Vec<ContextValue>)>,
}

impl Request {
    fn context(&self) -> RequestContext {
        let principal = PrincipalArn::parse(self.principal).unwrap();
        self.values
            .iter()
            .fold(
                RequestContext::builder(self.action, self.resource, &principal),
                |b, (k, v)| b.values(k, v.iter().cloned()),
            )
            .build()
    }
}

fn context_value() -> impl Strategy<Value = ContextValue> {
    prop_oneof![
        prop::sample::select(vec![
            "blue",
            "Blue",
            "alice",
            "Dept",
            "",
            "b*",
            "x?y",
            "10",
            "30",
            "-3.5",
            "true",
            "FALSE",
            "AAEC",
            "10.1.2.3",
            "203.0.113.5",
            "2020-01-01T00:00:00Z",
            "1577836800",
            PRINCIPALS[0],
            PRINCIPALS[4],
            "not an arn",
        ])
        .prop_map(ContextValue::from),
        any::<bool>().prop_map(ContextValue::boolean),
        (-50i64..50).prop_map(ContextValue::from),
        (0i64..2_000_000_000).prop_map(|s| ContextValue::date(Timestamp::from_millis(s * 1000))),
        prop::sample::select(vec![
            "10.0.0.1",
            "192.0.2.1",
            "2001:db8::1",
            "::ffff:10.0.0.1"
        ])
        .prop_map(|s| ContextValue::ip(s.parse::<IpAddr>().unwrap())),
        prop::collection::vec(any::<u8>(), 0..4).prop_map(|b| ContextValue::binary(&b)),
        "\\PC{0,12}".prop_map(ContextValue::from),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(PRINCIPALS.to_vec()),
        prop::sample::select(ACTIONS.to_vec()),
        prop::sample::select(RESOURCES.to_vec()),
        prop::collection::vec(
            (
                prop::sample::select(KEYS.to_vec()),
                prop::collection::vec(context_value(), 0..3),
            ),
            0..6,
        ),
    )
        .prop_map(|(principal, action, resource, values)| Request {
            principal,
            action,
            resource,
            values,
        })
}

// ---- arbitrary JSON -------------------------------------------------------------------

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "*",
            "Allow",
            "Deny",
            "kms:*",
            "arn:aws:iam::111122223333:root",
            "2012-10-17",
            "${aws:username}",
            "${",
            "StringLike",
            "ForAllValues:ArnLike",
        ])
        .prop_map(Value::from),
        "\\PC{0,10}".prop_map(Value::from),
    ];
    let names = prop::sample::select(vec![
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "StringEquals",
        "NumericLessThanIfExists",
        "ForAnyValue:IpAddress",
        "Null",
        "aws:k",
        "DateEquals",
        "BinaryEquals",
        "Bool",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(names.clone().prop_map(String::from), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn parse_all_kinds(s: &str) {
    let _ = Policy::parse(s);
    let _ = Policy::parse_key_policy(s);
    let _ = Policy::parse_identity_policy(s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_arbitrary_strings_never_panics(s in any::<String>()) {
        parse_all_kinds(&s);
    }

    #[test]
    fn parsing_printable_strings_never_panics(s in "\\PC*") {
        parse_all_kinds(&s);
    }

    #[test]
    fn parsing_arbitrary_json_never_panics(v in arbitrary_json(), req in request()) {
        let text = v.to_string();
        parse_all_kinds(&text);
        // Whatever parses also evaluates.
        if let Ok(policy) = Policy::parse(&text) {
            let ctx = req.context();
            let _ = policy.evaluate(&ctx);
            let _ = authorize(&policy, &[&policy], false, &ctx);
        }
    }

    #[test]
    fn evaluation_never_panics(key in key_statements(), ids in identity_statements(), req in request(), grants in any::<bool>()) {
        let key = Policy::parse_key_policy(&document(&key)).unwrap();
        let id = Policy::parse_identity_policy(&document(&ids)).unwrap();
        let ctx = req.context();
        let _ = key.evaluate_detailed(&ctx);
        let _ = id.evaluate(&ctx);
        let _ = authorize_explained(&key, &[&id], grants, &ctx);
    }

    #[test]
    fn an_explicit_deny_is_never_overridden(
        key in key_statements(),
        ids in identity_statements(),
        deny in statement(true),
        req in request(),
        grants in any::<bool>(),
    ) {
        let ctx = req.context();
        let mut deny = deny;
        deny["Effect"] = json!("Deny");
        let alone = Policy::parse_key_policy(&document(std::slice::from_ref(&deny))).unwrap();
        let id = Policy::parse_identity_policy(&document(&ids)).unwrap();
        if alone.evaluate(&ctx) == Decision::ExplicitDeny {
            let mut with_deny = key.clone();
            with_deny.push(deny.clone());
            let policy = Policy::parse_key_policy(&document(&with_deny)).unwrap();
            prop_assert_eq!(policy.evaluate(&ctx), Decision::ExplicitDeny);
            prop_assert_eq!(authorize(&policy, &[&id], grants, &ctx), Decision::ExplicitDeny);
        }
        // The same in an identity policy (without its principal).
        let mut id_deny = deny.clone();
        if let Value::Object(m) = &mut id_deny {
            m.remove("Principal");
            m.remove("NotPrincipal");
        }
        let id_alone = Policy::parse_identity_policy(&document(std::slice::from_ref(&id_deny))).unwrap();
        if id_alone.evaluate(&ctx) == Decision::ExplicitDeny {
            let key = Policy::parse_key_policy(&document(&key)).unwrap();
            prop_assert_eq!(authorize(&key, &[&id, &id_alone], grants, &ctx), Decision::ExplicitDeny);
        }
        // An unconditional deny of everything, anywhere, denies.
        let mut all = key.clone();
        all.push(json!({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}));
        let policy = Policy::parse_key_policy(&document(&all)).unwrap();
        prop_assert_eq!(authorize(&policy, &[&id], grants, &ctx), Decision::ExplicitDeny);
    }

    #[test]
    fn a_context_of_only_the_keys_the_policies_read_decides_the_same(
        key in key_statements(),
        ids in identity_statements(),
        req in request(),
        grants in any::<bool>(),
    ) {
        let key = Policy::parse_key_policy(&document(&key)).unwrap();
        let id = Policy::parse_identity_policy(&document(&ids)).unwrap();
        let read = |k: &str| {
            let k = k.to_lowercase();
            key.context_keys().iter().chain(id.context_keys()).any(|r| **r == *k)
        };
        let restricted = Request {
            values: req.values.iter().filter(|(k, _)| read(k)).cloned().collect(),
            ..req.clone()
        };
        let (full, only) = (req.context(), restricted.context());
        prop_assert_eq!(key.evaluate_detailed(&full), key.evaluate_detailed(&only));
        prop_assert_eq!(id.evaluate(&full), id.evaluate(&only));
        prop_assert_eq!(
            authorize_explained(&key, &[&id], grants, &full),
            authorize_explained(&key, &[&id], grants, &only)
        );
    }

    #[test]
    fn removing_an_allow_never_grants_more(
        key in key_statements(),
        ids in identity_statements(),
        req in request(),
        grants in any::<bool>(),
        pick in any::<prop::sample::Index>(),
    ) {
        let ctx = req.context();
        let rank = |d: Decision| match d {
            Decision::ExplicitDeny => 0,
            Decision::ImplicitDeny => 1,
            Decision::Allow => 2,
        };
        let parse_key = |s: &[Value]| Policy::parse_key_policy(&document(s)).unwrap();
        let parse_id = |s: &[Value]| Policy::parse_identity_policy(&document(s)).unwrap();
        let (full_key, full_id) = (parse_key(&key), parse_id(&ids));
        let before = authorize(&full_key, &[&full_id], grants, &ctx);

        let without = |statements: &[Value]| -> Option<Vec<Value>> {
            let allows: Vec<usize> = statements
                .iter()
                .enumerate()
                .filter(|(_, s)| s["Effect"] == "Allow")
                .map(|(i, _)| i)
                .collect();
            (!allows.is_empty()).then(|| {
                let drop = allows[pick.index(allows.len())];
                statements.iter().enumerate().filter(|&(i, _)| i != drop).map(|(_, s)| s.clone()).collect()
            })
        };
        if let Some(fewer) = without(&key) {
            let smaller = parse_key(&fewer);
            prop_assert!(rank(smaller.evaluate(&ctx)) <= rank(full_key.evaluate(&ctx)));
            prop_assert!(rank(authorize(&smaller, &[&full_id], grants, &ctx)) <= rank(before));
        }
        if let Some(fewer) = without(&ids) {
            let smaller = parse_id(&fewer);
            prop_assert!(rank(smaller.evaluate(&ctx)) <= rank(full_id.evaluate(&ctx)));
            prop_assert!(rank(authorize(&full_key, &[&smaller], grants, &ctx)) <= rank(before));
        }
    }
}
