//! Key policies and IAM policies end to end: several principals in two accounts, each with
//! its own access key, calling a real server with `aws-sdk-kms`. The scenarios are the
//! examples of AWS's key policy documentation: key administrators who manage but do not use
//! a key, key users who use but do not delete it, an encryption-context condition,
//! cross-account decryption, explicit denies, attribute-based access control by tag and by
//! alias, the policy lockout safety check — and the audit event a refusal leaves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use common::{code, ctx, fail, message, tag};
use serde_json::Value;
use trent_core::{ADMINISTRATOR_ACCESS, Identities, Principal};
use trent_testkit::TestServer;
use trent_types::PrincipalArn;

const A: &str = "111122223333";
const B: &str = "444455556666";
const REGION: &str = "us-east-1";

fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{A}:key/{key_id}")
}

/// An identity policy of one statement.
fn allow(actions: &str, resource: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"{condition}}}]}}"#
    )
}

/// Who calls, by access key id: each principal's key is its name, its secret the name
/// followed by `-secret`.
const PRINCIPALS: &[&str] = &[
    "admin", "keyadmin", "keyuser", "alice", "bob", "creator", "dana", "erin", "grace", "carol",
    "dave",
];

fn identities() -> Identities {
    let abac = allow(
        r#"["kms:Encrypt","kms:Decrypt"]"#,
        "arn:aws:kms:*:111122223333:key/*",
        r#"{"StringEquals":{"aws:ResourceTag/project":"${aws:PrincipalTag/project}"}}"#,
    );
    let by_alias = allow(
        r#""kms:Encrypt""#,
        "*",
        r#"{"ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/finance-key"}}"#,
    );
    let deny_deletion = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*"}]}"#;
    // (access key, principal, identity policies, principal tags)
    type Row<'a> = (&'a str, String, Vec<String>, Vec<(&'a str, &'a str)>);
    let table: Vec<Row> = vec![
        (
            "admin",
            user(A, "admin"),
            vec![ADMINISTRATOR_ACCESS.to_owned()],
            vec![],
        ),
        // Named in key policies; no identity policy at all.
        ("keyadmin", role(A, "KeyAdmin"), vec![], vec![]),
        ("keyuser", role(A, "KeyUser"), vec![], vec![]),
        (
            "alice",
            user(A, "alice"),
            vec![allow(r#""kms:*""#, "*", "")],
            vec![],
        ),
        ("bob", user(A, "bob"), vec![], vec![]),
        (
            "creator",
            user(A, "creator"),
            vec![allow(r#""kms:CreateKey""#, "*", "")],
            vec![],
        ),
        (
            "dana",
            user(A, "dana"),
            vec![abac],
            vec![("project", "atlas")],
        ),
        ("erin", user(A, "erin"), vec![by_alias], vec![]),
        (
            "grace",
            user(A, "grace"),
            vec![ADMINISTRATOR_ACCESS.to_owned(), deny_deletion.to_owned()],
            vec![],
        ),
        (
            "carol",
            user(B, "carol"),
            vec![allow(
                r#""kms:Decrypt""#,
                "arn:aws:kms:us-east-1:111122223333:key/*",
                "",
            )],
            vec![],
        ),
        ("dave", user(B, "dave"), vec![], vec![]),
    ];
    let mut ids = Identities::default();
    for (key, arn, policies, tags) in table {
        let mut p = Principal::new(PrincipalArn::parse(&arn).unwrap());
        for json in &policies {
            p = p.with_policy(json).unwrap();
        }
        for (k, v) in tags {
            p = p.with_tag(k, v);
        }
        ids.add(key, format!("{key}-secret"), &Arc::new(p));
    }
    ids
}

struct World {
    server: TestServer,
}

impl World {
    async fn start() -> Self {
        Self {
            server: TestServer::start_with_identities(identities()).await,
        }
    }

    fn as_(&self, who: &str) -> Client {
        assert!(PRINCIPALS.contains(&who), "{who}");
        self.server
            .client_with(who, &format!("{who}-secret"), REGION)
    }
}

/// Creates a key as `admin` with `policy` (the default one when `None`).
async fn create_key(kms: &Client, policy: Option<&str>) -> String {
    kms.create_key()
        .set_policy(policy.map(str::to_owned))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

async fn encrypt(kms: &Client, key: &str, context: &[(&str, &str)]) -> Vec<u8> {
    kms.encrypt()
        .key_id(key)
        .plaintext(Blob::new("secret data"))
        .set_encryption_context(ctx(context))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap()
        .into_inner()
}

/// Asserts an AccessDeniedException with exactly AWS's message.
fn assert_denied<E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug>(
    e: &E,
    principal: &str,
    action: &str,
    resource: &str,
    clause: &str,
) {
    assert_eq!(code(e), "AccessDeniedException", "{e:?}");
    assert_eq!(
        message(e),
        format!(
            "User: {principal} is not authorized to perform: {action} on resource: {resource} {clause}"
        )
    );
}

fn no_key_policy(action: &str) -> String {
    format!("because no resource-based policy allows the {action} action")
}

fn no_identity_policy(action: &str) -> String {
    format!("because no identity-based policy allows the {action} action")
}

/// AWS's default console key policy: the account, key administrators, key users.
fn console_policy() -> String {
    format!(
        r#"{{
  "Version": "2012-10-17",
  "Id": "key-consolepolicy-3",
  "Statement": [
    {{
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {{"AWS": "arn:aws:iam::{A}:root"}},
      "Action": "kms:*",
      "Resource": "*"
    }},
    {{
      "Sid": "Allow access for Key Administrators",
      "Effect": "Allow",
      "Principal": {{"AWS": "{admin}"}},
      "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
                 "kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*",
                 "kms:TagResource", "kms:UntagResource", "kms:ScheduleKeyDeletion",
                 "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
      "Resource": "*"
    }},
    {{
      "Sid": "Allow use of the key",
      "Effect": "Allow",
      "Principal": {{"AWS": "{user}"}},
      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                 "kms:DescribeKey"],
      "Resource": "*"
    }},
    {{
      "Sid": "Allow attachment of persistent resources",
      "Effect": "Allow",
      "Principal": {{"AWS": "{user}"}},
      "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      "Resource": "*",
      "Condition": {{"Bool": {{"kms:GrantIsForAWSResource": "true"}}}}
    }}
  ]
}}"#,
        admin = role(A, "KeyAdmin"),
        user = role(A, "KeyUser"),
    )
}

#[tokio::test]
async fn principals_without_identity_policies_get_nothing_from_iam() {
    let world = World::start().await;
    let bob = world.as_("bob");
    let bob_arn = user(A, "bob");
    let create = |who: &str| {
        format!(
            "User: {who} is not authorized to perform: kms:CreateKey on resource: * {}",
            no_identity_policy("kms:CreateKey")
        )
    };
    let e = fail(bob.create_key().send().await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    assert_eq!(message(&e), create(&bob_arn));
    let e = fail(bob.list_keys().send().await);
    assert_denied(
        &e,
        &bob_arn,
        "kms:ListKeys",
        "*",
        &no_identity_policy("kms:ListKeys"),
    );
    let e = fail(bob.list_aliases().send().await);
    assert_denied(
        &e,
        &bob_arn,
        "kms:ListAliases",
        "*",
        &no_identity_policy("kms:ListAliases"),
    );
    let e = fail(bob.generate_random().number_of_bytes(8).send().await);
    assert_denied(
        &e,
        &bob_arn,
        "kms:GenerateRandom",
        "*",
        &no_identity_policy("kms:GenerateRandom"),
    );

    // The default key policy hands the decision to IAM, which allows bob nothing.
    let admin = world.as_("admin");
    let key = create_key(&admin, None).await;
    let e = fail(
        bob.encrypt()
            .key_id(key_arn(&key))
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_denied(
        &e,
        &bob_arn,
        "kms:Encrypt",
        &key_arn(&key),
        &no_identity_policy("kms:Encrypt"),
    );

    // CreateKey with tags needs kms:TagResource too; without tags, kms:CreateKey is enough.
    let creator = world.as_("creator");
    creator.create_key().send().await.unwrap();
    let e = fail(creator.create_key().tags(tag("team", "x")).send().await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    assert_eq!(
        message(&e),
        format!(
            "User: {} is not authorized to perform: kms:TagResource {}",
            user(A, "creator"),
            no_identity_policy("kms:TagResource")
        )
    );

    // The out-of-the-box access key is not one of this deployment's.
    let e = fail(world.server.client().list_keys().send().await);
    assert_eq!(code(&e), "UnrecognizedClientException", "{e:?}");
    world.server.stop().await;
}

#[tokio::test]
async fn key_administrators_manage_the_key_and_key_users_use_it() {
    let world = World::start().await;
    let key = create_key(&world.as_("admin"), Some(&console_policy())).await;
    let arn = key_arn(&key);
    let keyadmin = world.as_("keyadmin");
    let keyuser = world.as_("keyuser");
    let admin_arn = role(A, "KeyAdmin");
    let user_arn = role(A, "KeyUser");

    // Administrators manage...
    keyadmin.describe_key().key_id(&key).send().await.unwrap();
    keyadmin.disable_key().key_id(&key).send().await.unwrap();
    keyadmin.enable_key().key_id(&key).send().await.unwrap();
    keyadmin
        .tag_resource()
        .key_id(&key)
        .tags(tag("owner", "security"))
        .send()
        .await
        .unwrap();
    keyadmin
        .update_key_description()
        .key_id(&key)
        .description("managed")
        .send()
        .await
        .unwrap();
    let policy = keyadmin.get_key_policy().key_id(&key).send().await.unwrap();
    assert_eq!(policy.policy(), Some(console_policy().as_str()));
    keyadmin
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    keyadmin
        .cancel_key_deletion()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    keyadmin.enable_key().key_id(&key).send().await.unwrap();
    // ...but do not use the key.
    let e = fail(
        keyadmin
            .encrypt()
            .key_id(&key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    // (The account statement names the caller's account: IAM would decide, and allows
    // nothing.)
    assert_denied(
        &e,
        &admin_arn,
        "kms:Encrypt",
        &arn,
        &no_identity_policy("kms:Encrypt"),
    );
    // An alias needs kms:CreateAlias on the alias too, which only an identity policy can
    // give: the console policy's kms:Create* is not enough.
    let e = fail(
        keyadmin
            .create_alias()
            .alias_name("alias/managed")
            .target_key_id(&key)
            .send()
            .await,
    );
    assert_denied(
        &e,
        &admin_arn,
        "kms:CreateAlias",
        &format!("arn:aws:kms:{REGION}:{A}:alias/managed"),
        &no_identity_policy("kms:CreateAlias"),
    );

    // Users use...
    let blob = encrypt(&keyuser, &key, &[]).await;
    let plain = keyuser
        .decrypt()
        .ciphertext_blob(Blob::new(blob.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext().unwrap().as_ref(), b"secret data");
    keyuser
        .generate_data_key()
        .key_id(&key)
        .number_of_bytes(32)
        .send()
        .await
        .unwrap();
    keyuser
        .re_encrypt()
        .ciphertext_blob(Blob::new(blob))
        .destination_key_id(&key)
        .send()
        .await
        .unwrap();
    keyuser.describe_key().key_id(&key).send().await.unwrap();
    // ...but do not manage or delete.
    let e = fail(keyuser.schedule_key_deletion().key_id(&key).send().await);
    assert_denied(
        &e,
        &user_arn,
        "kms:ScheduleKeyDeletion",
        &arn,
        &no_identity_policy("kms:ScheduleKeyDeletion"),
    );
    let e = fail(keyuser.disable_key().key_id(&key).send().await);
    assert_denied(
        &e,
        &user_arn,
        "kms:DisableKey",
        &arn,
        &no_identity_policy("kms:DisableKey"),
    );
    let e = fail(keyuser.get_key_policy().key_id(&key).send().await);
    assert_denied(
        &e,
        &user_arn,
        "kms:GetKeyPolicy",
        &arn,
        &no_identity_policy("kms:GetKeyPolicy"),
    );
    world.server.stop().await;
}

#[tokio::test]
async fn an_encryption_context_condition_allows_decrypt_only_with_that_context() {
    let world = World::start().await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
  {{"Effect":"Allow","Principal":{{"AWS":"{user}"}},"Action":"kms:Decrypt","Resource":"*",
    "Condition":{{"StringEquals":{{"kms:EncryptionContext:purpose":"backup"}}}}}}]}}"#,
        user = role(A, "KeyUser")
    );
    let admin = world.as_("admin");
    let key = create_key(&admin, Some(&policy)).await;
    let backup = encrypt(&admin, &key, &[("purpose", "backup")]).await;
    let other = encrypt(&admin, &key, &[("purpose", "other")]).await;
    let bare = encrypt(&admin, &key, &[]).await;
    let keyuser = world.as_("keyuser");
    let decrypt = |blob: Vec<u8>, context: &[(&str, &str)]| {
        keyuser
            .decrypt()
            .ciphertext_blob(Blob::new(blob))
            .set_encryption_context(ctx(context))
            .send()
    };
    let out = decrypt(backup.clone(), &[("purpose", "backup")])
        .await
        .unwrap();
    assert_eq!(out.plaintext().unwrap().as_ref(), b"secret data");
    for (blob, context) in [
        (other, &[("purpose", "other")][..]),
        (bare, &[][..]),
        (backup, &[("purpose", "BACKUP")][..]),
    ] {
        let e = fail(decrypt(blob, context).await);
        assert_denied(
            &e,
            &role(A, "KeyUser"),
            "kms:Decrypt",
            &key_arn(&key),
            &no_identity_policy("kms:Decrypt"),
        );
    }
    world.server.stop().await;
}

#[tokio::test]
async fn cross_account_decrypt_needs_the_key_policy_and_the_callers_identity_policy() {
    let world = World::start().await;
    let shared = format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
  {{"Sid":"Allow use by account B","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{B}:root"}},
    "Action":["kms:Decrypt","kms:DescribeKey","kms:DisableKey"],"Resource":"*"}}]}}"#
    );
    let admin = world.as_("admin");
    let key = create_key(&admin, Some(&shared)).await;
    let arn = key_arn(&key);
    let blob = encrypt(&admin, &key, &[("k", "v")]).await;
    let carol = world.as_("carol");
    let carol_arn = user(B, "carol");

    // Both sides allow: by the key's ARN, or with the ciphertext alone naming the key.
    for key_id in [Some(arn.clone()), None] {
        let out = carol
            .decrypt()
            .set_key_id(key_id)
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("k", "v")
            .send()
            .await
            .unwrap();
        assert_eq!(out.plaintext().unwrap().as_ref(), b"secret data");
        assert_eq!(out.key_id(), Some(arn.as_str()));
    }
    // The key policy allows DescribeKey, carol's identity policy does not.
    let e = fail(carol.describe_key().key_id(&arn).send().await);
    assert_denied(
        &e,
        &carol_arn,
        "kms:DescribeKey",
        &arn,
        &no_identity_policy("kms:DescribeKey"),
    );
    // A caller of account B without an identity policy gets nothing.
    let e = fail(
        world
            .as_("dave")
            .decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .encryption_context("k", "v")
            .send()
            .await,
    );
    assert_denied(
        &e,
        &user(B, "dave"),
        "kms:Decrypt",
        &arn,
        &no_identity_policy("kms:Decrypt"),
    );
    // DisableKey is not a cross-account operation, whatever the key policy says.
    let e = fail(carol.disable_key().key_id(&arn).send().await);
    assert_denied(
        &e,
        &carol_arn,
        "kms:DisableKey",
        &arn,
        &no_key_policy("kms:DisableKey"),
    );

    // A key whose policy does not name account B refuses carol, whatever her policy says.
    let private = create_key(&admin, None).await;
    let private_blob = encrypt(&admin, &private, &[]).await;
    let e = fail(
        carol
            .decrypt()
            .key_id(key_arn(&private))
            .ciphertext_blob(Blob::new(private_blob))
            .send()
            .await,
    );
    assert_denied(
        &e,
        &carol_arn,
        "kms:Decrypt",
        &key_arn(&private),
        &no_key_policy("kms:Decrypt"),
    );
    world.server.stop().await;
}

#[tokio::test]
async fn an_explicit_deny_wins() {
    let world = World::start().await;
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
  {{"Effect":"Deny","Principal":{{"AWS":"{alice}"}},"Action":"kms:Decrypt","Resource":"*"}}]}}"#,
        alice = user(A, "alice")
    );
    let admin = world.as_("admin");
    let key = create_key(&admin, Some(&policy)).await;
    let alice = world.as_("alice");
    // alice's identity policy allows kms:*; the key policy denies her Decrypt.
    let blob = encrypt(&alice, &key, &[]).await;
    let e = fail(
        alice
            .decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert_denied(
        &e,
        &user(A, "alice"),
        "kms:Decrypt",
        &key_arn(&key),
        "with an explicit deny in a resource-based policy",
    );
    admin
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .send()
        .await
        .unwrap();

    // grace is an administrator whose own identity policy denies key deletion.
    let grace = world.as_("grace");
    grace.describe_key().key_id(&key).send().await.unwrap();
    let e = fail(grace.schedule_key_deletion().key_id(&key).send().await);
    assert_denied(
        &e,
        &user(A, "grace"),
        "kms:ScheduleKeyDeletion",
        &key_arn(&key),
        "with an explicit deny in an identity-based policy",
    );
    world.server.stop().await;
}

#[tokio::test]
async fn a_principal_named_in_the_key_policy_needs_no_identity_policy() {
    let world = World::start().await;
    let bob_arn = user(A, "bob");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
  {{"Effect":"Allow","Principal":{{"AWS":"{bob_arn}"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#
    );
    let key = create_key(&world.as_("admin"), Some(&policy)).await;
    let bob = world.as_("bob");
    let blob = encrypt(&bob, &key, &[]).await;
    // Decrypt is allowed only to the account, which delegates to bob's identity policies:
    // he has none.
    let e = fail(bob.decrypt().ciphertext_blob(Blob::new(blob)).send().await);
    assert_denied(
        &e,
        &bob_arn,
        "kms:Decrypt",
        &key_arn(&key),
        &no_identity_policy("kms:Decrypt"),
    );
    world.server.stop().await;
}

#[tokio::test]
async fn key_policies_round_trip() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = create_key(&admin, None).await;

    // The default key policy: the account may do everything.
    let got = admin.get_key_policy().key_id(&key).send().await.unwrap();
    assert_eq!(got.policy_name(), Some("default"));
    let default: Value = serde_json::from_str(got.policy().unwrap()).unwrap();
    assert_eq!(
        default,
        serde_json::json!({
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [{
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{A}:root")},
                "Action": "kms:*",
                "Resource": "*",
            }],
        })
    );
    let named = admin
        .get_key_policy()
        .key_id(key_arn(&key))
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(named.policy(), got.policy());
    let e = fail(
        admin
            .get_key_policy()
            .key_id(&key)
            .policy_name("other")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    for (limit, marker) in [
        (None, None),
        (Some(1), None),
        (Some(1000), Some("whatever")),
    ] {
        let list = admin
            .list_key_policies()
            .key_id(&key)
            .set_limit(limit)
            .set_marker(marker.map(str::to_owned))
            .send()
            .await
            .unwrap();
        assert_eq!(list.policy_names(), ["default"]);
        assert!(!list.truncated());
        assert_eq!(list.next_marker(), None);
    }

    // PutKeyPolicy stores the document as given.
    let mine = console_policy();
    admin
        .put_key_policy()
        .key_id(&key)
        .policy(&mine)
        .send()
        .await
        .unwrap();
    let got = admin.get_key_policy().key_id(&key).send().await.unwrap();
    assert_eq!(got.policy(), Some(mine.as_str()));
    let e = fail(
        admin
            .put_key_policy()
            .key_id(&key)
            .policy_name("other")
            .policy(&mine)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // Malformed documents, with what is wrong.
    let root = format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#);
    let statement = |principal: &str| {
        format!(r#"{{"Effect":"Allow","Principal":{principal},"Action":"kms:*","Resource":"*"}}"#)
    };
    let long_sid = "x".repeat(33_000);
    let cases = [
        ("{".to_owned(), "Policy contains invalid JSON"),
        (
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{}],"Extra":1}}"#,
                statement(&root)
            ),
            "Policy contains an unsupported element: Extra",
        ),
        (
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                statement(r#"{"AWS":"bob"}"#)
            ),
            "Policy contains a statement with one or more invalid principals.",
        ),
        // A well-formed ARN of a user that does not exist.
        (
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{},{}]}}"#,
                statement(&root),
                statement(&format!(r#"{{"AWS":"{}"}}"#, user(A, "nobody")))
            ),
            "Policy contains a statement with one or more invalid principals: \
             arn:aws:iam::111122223333:user/nobody",
        ),
        (
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{long_sid}","Effect":"Allow","Principal":{root},"Action":"kms:*","Resource":"*"}}]}}"#
            ),
            "which exceeds the limit of 32768 bytes",
        ),
    ];
    for (policy, wanted) in &cases {
        let e = fail(
            admin
                .put_key_policy()
                .key_id(&key)
                .policy(policy)
                .send()
                .await,
        );
        assert!(e.is_malformed_policy_document_exception(), "{e:?}");
        assert!(message(&e).contains(wanted), "{}: {wanted}", message(&e));
        let e = fail(admin.create_key().policy(policy).send().await);
        assert!(e.is_malformed_policy_document_exception(), "{e:?}");
    }
    // Nothing of the refused documents was stored.
    let got = admin.get_key_policy().key_id(&key).send().await.unwrap();
    assert_eq!(got.policy(), Some(mine.as_str()));
    world.server.stop().await;
}

#[tokio::test]
async fn the_lockout_safety_check_and_its_bypass() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let lockout = "The new key policy will not allow you to update the key policy in the future.";
    // Only the key user, and only to encrypt: nobody could change this policy again.
    let users_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#,
        role(A, "KeyUser")
    );
    let e = fail(admin.create_key().policy(&users_only).send().await);
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");
    assert_eq!(message(&e), lockout);
    let key = create_key(&admin, None).await;
    encrypt(&admin, &key, &[]).await;
    let e = fail(
        admin
            .put_key_policy()
            .key_id(&key)
            .policy(&users_only)
            .send()
            .await,
    );
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");
    assert_eq!(message(&e), lockout);
    // A policy that allows only the account passes for a caller whose identity policy
    // allows kms:PutKeyPolicy, and fails for one whose does not.
    let root_only = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    admin
        .put_key_policy()
        .key_id(&key)
        .policy(&root_only)
        .send()
        .await
        .unwrap();
    // A key administrator named in the policy passes without any identity policy.
    let console = create_key(&admin, Some(&console_policy())).await;
    let keyadmin = world.as_("keyadmin");
    keyadmin
        .put_key_policy()
        .key_id(&console)
        .policy(console_policy())
        .send()
        .await
        .unwrap();
    let e = fail(
        keyadmin
            .put_key_policy()
            .key_id(&console)
            .policy(&root_only)
            .send()
            .await,
    );
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");

    // The bypass: the policy is stored, and takes effect at once on the cached key.
    admin
        .put_key_policy()
        .key_id(&key)
        .policy(&users_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    encrypt(&world.as_("keyuser"), &key, &[]).await;
    let e = fail(
        admin
            .encrypt()
            .key_id(&key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert_denied(
        &e,
        &user(A, "admin"),
        "kms:Encrypt",
        &key_arn(&key),
        &no_key_policy("kms:Encrypt"),
    );
    let e = fail(admin.get_key_policy().key_id(&key).send().await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    let created = admin
        .create_key()
        .policy(&users_only)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    let created = created.key_metadata().unwrap().key_id().to_owned();
    let e = fail(admin.describe_key().key_id(&created).send().await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    world.server.stop().await;
}

#[tokio::test]
async fn key_policies_can_be_read_and_changed_while_the_key_is_pending_deletion() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = create_key(&admin, None).await;
    admin
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let got = admin.get_key_policy().key_id(&key).send().await.unwrap();
    admin.list_key_policies().key_id(&key).send().await.unwrap();
    admin
        .put_key_policy()
        .key_id(&key)
        .policy(got.policy().unwrap())
        .send()
        .await
        .unwrap();
    world.server.stop().await;
}

#[tokio::test]
async fn resource_tags_decide_at_once() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let dana = world.as_("dana");
    let dana_arn = user(A, "dana");
    let key = create_key(&admin, None).await;
    let arn = key_arn(&key);
    // Cached by a first use.
    encrypt(&admin, &key, &[]).await;
    let try_encrypt = || dana.encrypt().key_id(&key).plaintext(Blob::new("x")).send();
    let e = fail(try_encrypt().await);
    assert_denied(
        &e,
        &dana_arn,
        "kms:Encrypt",
        &arn,
        &no_identity_policy("kms:Encrypt"),
    );

    // dana's policy allows keys tagged with her own project.
    admin
        .tag_resource()
        .key_id(&key)
        .tags(tag("project", "atlas"))
        .send()
        .await
        .unwrap();
    try_encrypt().await.unwrap();
    admin
        .tag_resource()
        .key_id(&key)
        .tags(tag("project", "zeus"))
        .send()
        .await
        .unwrap();
    let e = fail(try_encrypt().await);
    assert_denied(
        &e,
        &dana_arn,
        "kms:Encrypt",
        &arn,
        &no_identity_policy("kms:Encrypt"),
    );
    admin
        .tag_resource()
        .key_id(&key)
        .tags(tag("project", "atlas"))
        .send()
        .await
        .unwrap();
    try_encrypt().await.unwrap();
    admin
        .untag_resource()
        .key_id(&key)
        .tag_keys("project")
        .send()
        .await
        .unwrap();
    assert_eq!(code(&fail(try_encrypt().await)), "AccessDeniedException");
    world.server.stop().await;
}

#[tokio::test]
async fn request_alias_and_resource_aliases_conditions() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let user_arn = role(A, "KeyUser");

    // kms:RequestAlias: the key user may encrypt only when naming the key by one alias.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
  {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
  {{"Effect":"Allow","Principal":{{"AWS":"{user_arn}"}},"Action":"kms:Encrypt","Resource":"*",
    "Condition":{{"StringEquals":{{"kms:RequestAlias":"alias/allowed"}}}}}}]}}"#
    );
    let key = create_key(&admin, Some(&policy)).await;
    for alias in ["alias/allowed", "alias/other"] {
        admin
            .create_alias()
            .alias_name(alias)
            .target_key_id(&key)
            .send()
            .await
            .unwrap();
    }
    let keyuser = world.as_("keyuser");
    encrypt(&keyuser, "alias/allowed", &[]).await;
    encrypt(
        &keyuser,
        &format!("arn:aws:kms:{REGION}:{A}:alias/allowed"),
        &[],
    )
    .await;
    for by in [key.clone(), key_arn(&key), "alias/other".to_owned()] {
        let e = fail(
            keyuser
                .encrypt()
                .key_id(&by)
                .plaintext(Blob::new("x"))
                .send()
                .await,
        );
        assert_denied(
            &e,
            &user_arn,
            "kms:Encrypt",
            &key_arn(&key),
            &no_identity_policy("kms:Encrypt"),
        );
    }

    // kms:ResourceAliases: erin may encrypt with any key that has the alias
    // alias/finance-key, however she names it; alias changes decide at once.
    let erin = world.as_("erin");
    let erin_arn = user(A, "erin");
    let first = create_key(&admin, None).await;
    let second = create_key(&admin, None).await;
    encrypt(&admin, &first, &[]).await;
    encrypt(&admin, &second, &[]).await;
    let try_encrypt = |key: String| erin.encrypt().key_id(key).plaintext(Blob::new("x")).send();
    let e = fail(try_encrypt(first.clone()).await);
    assert_denied(
        &e,
        &erin_arn,
        "kms:Encrypt",
        &key_arn(&first),
        &no_identity_policy("kms:Encrypt"),
    );
    admin
        .create_alias()
        .alias_name("alias/finance-key")
        .target_key_id(&first)
        .send()
        .await
        .unwrap();
    try_encrypt(first.clone()).await.unwrap();
    try_encrypt("alias/finance-key".to_owned()).await.unwrap();
    assert_eq!(
        code(&fail(try_encrypt(second.clone()).await)),
        "AccessDeniedException"
    );
    admin
        .update_alias()
        .alias_name("alias/finance-key")
        .target_key_id(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&fail(try_encrypt(first.clone()).await)),
        "AccessDeniedException"
    );
    try_encrypt(second.clone()).await.unwrap();
    admin
        .delete_alias()
        .alias_name("alias/finance-key")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(&fail(try_encrypt(second).await)),
        "AccessDeniedException"
    );
    world.server.stop().await;
}

#[tokio::test]
async fn a_refusal_is_audited_naming_the_key() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = create_key(&admin, None).await;
    let arn = key_arn(&key);
    // Refused on a cold key (before its material is unsealed) and on a cached one.
    let bob = world.as_("bob");
    let first = fail(
        bob.encrypt()
            .key_id(&key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    encrypt(&admin, &key, &[]).await;
    let second = fail(
        bob.encrypt()
            .key_id(&key)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    let wanted = format!(
        "User: {} is not authorized to perform: kms:Encrypt on resource: {arn} {}",
        user(A, "bob"),
        no_identity_policy("kms:Encrypt")
    );
    assert_eq!(message(&first), wanted);
    assert_eq!(message(&second), wanted);

    let db = world.server.data_dir().join("trent.db");
    let _temp = world.server.stop().await;
    let store = trent_store::sqlite::SqliteStore::open(&db).await.unwrap();
    let events: Vec<Value> = trent_store::Store::list_audit(&store, 0, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.event_json).unwrap())
        .collect();
    let denied: Vec<&Value> = events
        .iter()
        .filter(|e| e["errorCode"] == "AccessDeniedException")
        .collect();
    assert_eq!(denied.len(), 2, "{events:?}");
    for event in denied {
        assert_eq!(event["eventName"], "Encrypt");
        assert_eq!(event["errorMessage"], wanted.as_str());
        assert_eq!(event["userIdentity"]["arn"], user(A, "bob").as_str());
        assert_eq!(event["resources"][0]["ARN"], arn.as_str());
        assert_eq!(event["resources"][0]["accountId"], A);
    }
}
