//! The cost of an authorization decision for a cached key with a realistic key policy: AWS's
//! default statement, key administrators, key users under an encryption-context condition,
//! the grants statement for AWS services, and a deny of deletion to all but administrators —
//! evaluated for an `Encrypt` by a key user, with the condition keys a KMS request carries.
//! The goal is well under 10 µs per decision.

// Bench setup: a fixture that fails to parse should stop the bench loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, criterion_group, criterion_main};
use trent_policy::{ContextValue, Policy, RequestContext, authorize};
use trent_types::{PrincipalArn, Timestamp};

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

const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn context(principal: &PrincipalArn) -> RequestContext {
    RequestContext::builder("kms:Encrypt", KEY_ARN, principal)
        .current_time(Timestamp::from_millis(1_718_000_000_000))
        .value("aws:SourceIp", IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)))
        .value("aws:SecureTransport", true)
        .value("aws:UserAgent", "aws-sdk-rust/1.0 os/linux lang/rust")
        .value("aws:RequestedRegion", "us-east-1")
        .value("aws:userid", "AROAEXAMPLEID:session")
        .value("kms:CallerAccount", "111122223333")
        .value("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        .value("kms:KeySpec", "SYMMETRIC_DEFAULT")
        .value("kms:KeyUsage", "ENCRYPT_DECRYPT")
        .value("kms:KeyOrigin", "AWS_KMS")
        .value("kms:EncryptionContext:Department", "IT")
        .value("kms:EncryptionContext:Project", "atlas")
        .values("kms:EncryptionContextKeys", ["Department", "Project"])
        .values("kms:ResourceAliases", ["alias/it-data"])
        .value("aws:ResourceTag/Env", ContextValue::string("prod"))
        .build()
}

fn bench(c: &mut Criterion) {
    let policy = Policy::parse_key_policy(KEY_POLICY).expect("the bench policy parses");
    let principal =
        PrincipalArn::parse("arn:aws:iam::111122223333:role/KeyUser").expect("a valid ARN");
    let ctx = context(&principal);
    assert!(authorize(&policy, &[], false, &ctx).is_allowed());

    c.bench_function("authorize: Encrypt, cached policy and context", |b| {
        b.iter(|| authorize(black_box(&policy), &[], false, black_box(&ctx)))
    });
    c.bench_function("authorize: Encrypt, building the context", |b| {
        b.iter(|| {
            let ctx = context(black_box(&principal));
            authorize(black_box(&policy), &[], false, &ctx)
        })
    });
    // A caller the key policy delegates to IAM: one identity policy evaluated too.
    let alice = PrincipalArn::parse("arn:aws:iam::111122223333:user/alice").expect("a valid ARN");
    let identity = Policy::parse_identity_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"arn:aws:kms:*:111122223333:key/*"}]}"#,
    )
    .expect("the identity policy parses");
    let alice_ctx = context(&alice);
    assert!(authorize(&policy, &[&identity], false, &alice_ctx).is_allowed());
    c.bench_function("authorize: Encrypt through IAM delegation", |b| {
        b.iter(|| {
            authorize(
                black_box(&policy),
                &[&identity],
                false,
                black_box(&alice_ctx),
            )
        })
    });
    c.bench_function("parse: the key policy", |b| {
        b.iter(|| Policy::parse_key_policy(black_box(KEY_POLICY)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
