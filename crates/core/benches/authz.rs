//! The cost of one authorization decision through `authz.rs` for a cached key: the request
//! context built from the caller, the key (its tags and aliases) and the operation's condition
//! keys, then evaluated against the key's parsed policy and the caller's identity policies —
//! everything the hot path does for an Encrypt on a cached key besides the cryptography.
//!
//! Two cases: a realistic five-statement key policy (AWS's console policy with a condition on
//! the encryption context and a deny of deletion) and a key user named in it; and AWS's
//! default key policy with an administrator allowed by an identity policy (Trent's
//! out-of-the-box setup). The goal is well under 10 µs per decision. Then the same key holding
//! 500 grants: a key user the policy allows pays nothing for them (grants are asked only when
//! the policies leave a request undecided), and a grantee pays for the scan.

// Bench setup: a fixture that fails to parse should stop the bench loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use trent_core::authz::{Conditions, KeyFacts, authorize_key};
use trent_core::ops::OpSpec;
use trent_core::{ADMINISTRATOR_ACCESS, Caller, Principal};
use trent_policy::Policy;
use trent_store::{GrantConstraints, GrantRecord, KeyRecord, Tag};
use trent_types::{
    AccountId, AliasName, EncryptionContext, GrantId, GrantOperation, KeyId, KeySpec, KeyState,
    KeyUsage, Origin, PrincipalArn, Region, Timestamp,
};

const KEY_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Id": "key-consolepolicy-3",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Sid": "Allow access for Key Administrators",
      "Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::111122223333:role/KeyAdmin", "arn:aws:iam::111122223333:user/security"]},
      "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                 "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                 "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                 "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
      "Resource": "*"
    },
    {
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyUser"},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
      "Resource": "*",
      "Condition": {"StringEquals": {"kms:EncryptionContext:Department": "IT"}}
    },
    {
      "Sid": "Allow attachment of persistent resources",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyUser"},
      "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      "Resource": "*",
      "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}
    },
    {
      "Sid": "Deny deletion except by administrators",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "kms:ScheduleKeyDeletion",
      "Resource": "*",
      "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/KeyAdmin"}}
    }
  ]
}"#;

const ENCRYPT: OpSpec = OpSpec {
    operation: trent_api::Operation::Encrypt,
    action: "kms:Encrypt",
    key_states: trent_core::state::ENABLED,
    key_usages: Some(&[KeyUsage::EncryptDecrypt]),
    cross_account: true,
};

fn caller(arn: &str, policies: &[&str]) -> Caller {
    let mut p = Principal::new(PrincipalArn::parse(arn).unwrap()).with_tag("team", "data");
    for json in policies {
        p = p.with_policy(json).unwrap();
    }
    Caller {
        principal: p.arn.clone(),
        identity: Arc::new(p),
        access_key_id: "AKIAEXAMPLE".into(),
        region: Region::parse("us-east-1").unwrap(),
        source_ip: "203.0.113.7".parse().unwrap(),
        user_agent: "aws-sdk-rust/1.0 os/linux lang/rust".into(),
        secure_transport: true,
        request_id: "bench".into(),
    }
}

fn record(policy: &str) -> KeyRecord {
    KeyRecord {
        region: Region::parse("us-east-1").unwrap(),
        account: AccountId::parse("111122223333").unwrap(),
        key_id: KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
        description: String::new(),
        key_spec: KeySpec::SymmetricDefault,
        key_usage: KeyUsage::EncryptDecrypt,
        origin: Origin::AwsKms,
        state: KeyState::Enabled,
        creation_date: Timestamp::from_millis(1_700_000_000_000),
        deletion_date: None,
        pending_window_days: None,
        policy: policy.to_owned(),
        multi_region: false,
        current_material: None,
        version: 1,
        rotation: None,
    }
}

fn bench(c: &mut Criterion) {
    let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let tags = [Tag {
        key: "Env".into(),
        value: "prod".into(),
    }];
    let aliases = [AliasName::parse("alias/it-data").unwrap()];
    let context = EncryptionContext::from_pairs([
        ("Department".to_owned(), "IT".to_owned()),
        ("Project".to_owned(), "atlas".to_owned()),
    ])
    .unwrap();
    let conditions = Conditions::NONE
        .encryption_context(&context)
        .encryption_algorithm("SYMMETRIC_DEFAULT");
    let now = Timestamp::from_millis(1_718_000_000_000);

    let realistic = record(KEY_POLICY);
    let realistic_policy = Policy::parse_key_policy(KEY_POLICY).unwrap();
    let key = KeyFacts {
        record: &realistic,
        arn,
        policy: Some(&realistic_policy),
        tags: &tags,
        aliases: Some(&aliases),
        grants: &[],
        multi_region_type: None,
    };
    let key_user = caller("arn:aws:iam::111122223333:role/KeyUser", &[]);
    authorize_key(&key_user, &ENCRYPT, &key, None, &conditions, now).unwrap();
    c.bench_function(
        "authz: Encrypt by a key user, five-statement key policy",
        |b| {
            b.iter(|| {
                authorize_key(
                    black_box(&key_user),
                    &ENCRYPT,
                    black_box(&key),
                    None,
                    black_box(&conditions),
                    now,
                )
            })
        },
    );

    let account = AccountId::parse("111122223333").unwrap();
    let default_text = Policy::default_key_policy(&account);
    let default = record(&default_text);
    let default_policy = Policy::parse_key_policy(&default_text).unwrap();
    let key = KeyFacts {
        record: &default,
        arn,
        policy: Some(&default_policy),
        tags: &tags,
        aliases: Some(&aliases),
        grants: &[],
        multi_region_type: None,
    };
    let admin = caller(
        "arn:aws:iam::111122223333:user/admin",
        &[ADMINISTRATOR_ACCESS],
    );
    authorize_key(&admin, &ENCRYPT, &key, None, &conditions, now).unwrap();
    c.bench_function(
        "authz: Encrypt by an administrator, default key policy",
        |b| {
            b.iter(|| {
                authorize_key(
                    black_box(&admin),
                    &ENCRYPT,
                    black_box(&key),
                    None,
                    black_box(&conditions),
                    now,
                )
            })
        },
    );

    // The realistic key with 500 grants, the last one for the grantee.
    let grants: Vec<GrantRecord> = (0..500u16)
        .map(|i| {
            let mut id = [0; 32];
            id[..2].copy_from_slice(&i.to_be_bytes());
            let grantee = if i == 499 {
                "arn:aws:iam::111122223333:role/Grantee".to_owned()
            } else {
                format!("arn:aws:iam::111122223333:role/Other{i}")
            };
            GrantRecord {
                region: realistic.region.clone(),
                key_id: realistic.key_id.clone(),
                grant_id: GrantId(id),
                name: None,
                grantee: PrincipalArn::parse(&grantee).unwrap(),
                retiring: None,
                operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
                constraints: GrantConstraints {
                    equals: None,
                    subset: Some([("Project".to_owned(), "atlas".to_owned())].into()),
                },
                issuing_account: realistic.account.clone(),
                creation_date: now,
                token_hash: [0; 32],
            }
        })
        .collect();
    let key = KeyFacts {
        record: &realistic,
        arn,
        policy: Some(&realistic_policy),
        tags: &tags,
        aliases: Some(&aliases),
        grants: &grants,
        multi_region_type: None,
    };
    let grantee = caller("arn:aws:iam::111122223333:role/Grantee", &[]);
    authorize_key(&key_user, &ENCRYPT, &key, None, &conditions, now).unwrap();
    authorize_key(&grantee, &ENCRYPT, &key, None, &conditions, now).unwrap();
    for (name, who) in [
        (
            "authz: Encrypt by a key user, key with 500 grants",
            &key_user,
        ),
        ("authz: Encrypt by the grantee of the 500th grant", &grantee),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                authorize_key(
                    black_box(who),
                    &ENCRYPT,
                    black_box(&key),
                    None,
                    black_box(&conditions),
                    now,
                )
            })
        });
    }

    // What a metadata operation pays when the key cache does not hold the policy parsed.
    c.bench_function("authz: parsing the five-statement key policy", |b| {
        b.iter(|| Policy::parse_key_policy(black_box(KEY_POLICY)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
