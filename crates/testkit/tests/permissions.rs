//! Operations that need more than one permission, end to end: ReEncrypt asks for
//! kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key; CreateAlias,
//! UpdateAlias and DeleteAlias ask on the alias (identity policies only, as an alias has no
//! policy of its own) and on every key involved, the alias's old key included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use common::{code, fail, message};
use trent_core::{ADMINISTRATOR_ACCESS, Identities, Principal};
use trent_testkit::TestServer;
use trent_types::PrincipalArn;

const A: &str = "111122223333";
const REGION: &str = "us-east-1";
const KEY_USER: &str = "arn:aws:iam::111122223333:role/KeyUser";
const ALIASER: &str = "arn:aws:iam::111122223333:user/aliaser";

fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{A}:key/{key_id}")
}

fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:{REGION}:{A}:{name}")
}

/// `admin` may do anything; `keyuser` has no identity policy and gets only what key
/// policies name it for; `aliaser` may manage aliases named `alias/app-*` and use any key of
/// its account through IAM.
fn identities() -> Identities {
    let aliaser = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Action":["kms:CreateAlias","kms:UpdateAlias","kms:DeleteAlias"],
        "Resource":["arn:aws:kms:{REGION}:{A}:alias/app-*","arn:aws:kms:{REGION}:{A}:key/*"]}}]}}"#
    );
    let table = [
        (
            "admin",
            "arn:aws:iam::111122223333:user/admin",
            Some(ADMINISTRATOR_ACCESS.to_owned()),
        ),
        ("keyuser", KEY_USER, None),
        ("aliaser", ALIASER, Some(aliaser)),
    ];
    let mut ids = Identities::default();
    for (key, arn, policy) in table {
        let mut p = Principal::new(PrincipalArn::parse(arn).unwrap());
        if let Some(json) = policy {
            p = p.with_policy(&json).unwrap();
        }
        ids.add(key, format!("{key}-secret"), &Arc::new(p));
    }
    ids
}

fn client(server: &TestServer, who: &str) -> Client {
    server.client_with(who, &format!("{who}-secret"), REGION)
}

/// A key policy: the account root may do anything (IAM decides for the account's
/// principals) unless `root` is false; `KeyUser` may do `actions`.
fn policy(root: bool, actions: &[&str]) -> String {
    let mut statements = vec![format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:user/admin"}},"Action":"kms:*","Resource":"*"}}"#
    )];
    if root {
        statements.push(format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}"#
        ));
    }
    if !actions.is_empty() {
        let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
        statements.push(format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{KEY_USER}"}},"Action":[{}],"Resource":"*"}}"#,
            actions.join(",")
        ));
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

async fn create_key(admin: &Client, policy: &str) -> String {
    admin
        .create_key()
        .policy(policy)
        .bypass_policy_lockout_safety_check(false)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

fn assert_denied<E: aws_sdk_kms::error::ProvideErrorMetadata + std::fmt::Debug>(
    e: &E,
    principal: &str,
    action: &str,
    resource: &str,
    by: &str,
) {
    assert_eq!(code(e), "AccessDeniedException", "{e:?}");
    assert_eq!(
        message(e),
        format!(
            "User: {principal} is not authorized to perform: {action} on resource: {resource} \
             because no {by}-based policy allows the {action} action"
        )
    );
}

#[tokio::test]
async fn re_encrypt_needs_re_encrypt_from_on_the_source_and_re_encrypt_to_on_the_destination() {
    let server = TestServer::start_with_identities(identities()).await;
    let admin = client(&server, "admin");
    let keyuser = client(&server, "keyuser");
    let source = create_key(
        &admin,
        &policy(false, &["kms:Encrypt", "kms:ReEncryptFrom"]),
    )
    .await;
    let only_encrypt = create_key(&admin, &policy(false, &["kms:Encrypt"])).await;
    let destination = create_key(&admin, &policy(false, &["kms:ReEncryptTo"])).await;
    let wrong_side = create_key(&admin, &policy(false, &["kms:ReEncryptFrom"])).await;

    let encrypt = |key: String| {
        let keyuser = keyuser.clone();
        async move {
            keyuser
                .encrypt()
                .key_id(key)
                .plaintext(Blob::new("data"))
                .send()
                .await
                .unwrap()
                .ciphertext_blob
                .unwrap()
        }
    };
    let re_encrypt = |blob: Blob, to: &str| {
        keyuser
            .re_encrypt()
            .ciphertext_blob(blob)
            .destination_key_id(to)
            .send()
    };

    let blob = encrypt(source.clone()).await;
    let out = re_encrypt(blob.clone(), &destination).await.unwrap();
    assert_eq!(out.key_id(), Some(key_arn(&destination).as_str()));
    assert_eq!(out.source_key_id(), Some(key_arn(&source).as_str()));

    // ReEncryptFrom on the destination is not ReEncryptTo.
    let e = fail(re_encrypt(blob, &wrong_side).await);
    assert_denied(
        &e,
        KEY_USER,
        "kms:ReEncryptTo",
        &key_arn(&wrong_side),
        "resource",
    );
    // Encrypt on the source is not ReEncryptFrom.
    let blob = encrypt(only_encrypt.clone()).await;
    let e = fail(re_encrypt(blob, &destination).await);
    assert_denied(
        &e,
        KEY_USER,
        "kms:ReEncryptFrom",
        &key_arn(&only_encrypt),
        "resource",
    );
}

/// The key an alias points to, as ListAliases shows it.
async fn target(admin: &Client, alias: &str) -> Option<String> {
    admin
        .list_aliases()
        .send()
        .await
        .unwrap()
        .aliases()
        .iter()
        .find(|a| a.alias_name() == Some(alias))
        .and_then(|a| a.target_key_id().map(str::to_owned))
}

#[tokio::test]
async fn alias_operations_ask_on_the_alias_and_on_every_key_involved() {
    let server = TestServer::start_with_identities(identities()).await;
    let admin = client(&server, "admin");
    let aliaser = client(&server, "aliaser");
    // The account delegates k1 and k2 to IAM; k3's policy names only the administrator.
    let k1 = create_key(&admin, &policy(true, &[])).await;
    let k2 = create_key(&admin, &policy(true, &[])).await;
    let k3 = create_key(&admin, &policy(false, &[])).await;
    aliaser
        .create_alias()
        .alias_name("alias/app-one")
        .target_key_id(&k1)
        .send()
        .await
        .unwrap();
    // The identity policy does not cover this alias name.
    let e = fail(
        aliaser
            .create_alias()
            .alias_name("alias/other")
            .target_key_id(&k1)
            .send()
            .await,
    );
    assert_denied(
        &e,
        ALIASER,
        "kms:CreateAlias",
        &alias_arn("alias/other"),
        "identity",
    );
    // Nor does k3's key policy let the account's IAM policies in: not as the new key ...
    let e = fail(
        aliaser
            .update_alias()
            .alias_name("alias/app-one")
            .target_key_id(&k3)
            .send()
            .await,
    );
    assert_denied(&e, ALIASER, "kms:UpdateAlias", &key_arn(&k3), "resource");
    assert_eq!(
        target(&admin, "alias/app-one").await.as_deref(),
        Some(k1.as_str())
    );
    // ... nor as the old one.
    admin
        .create_alias()
        .alias_name("alias/app-three")
        .target_key_id(&k3)
        .send()
        .await
        .unwrap();
    let e = fail(
        aliaser
            .update_alias()
            .alias_name("alias/app-three")
            .target_key_id(&k2)
            .send()
            .await,
    );
    assert_denied(&e, ALIASER, "kms:UpdateAlias", &key_arn(&k3), "resource");
    let e = fail(
        aliaser
            .delete_alias()
            .alias_name("alias/app-three")
            .send()
            .await,
    );
    assert_denied(&e, ALIASER, "kms:DeleteAlias", &key_arn(&k3), "resource");
    assert_eq!(
        target(&admin, "alias/app-three").await.as_deref(),
        Some(k3.as_str())
    );

    // Between keys the account delegates, on an alias the policy covers: allowed.
    aliaser
        .update_alias()
        .alias_name("alias/app-one")
        .target_key_id(&k2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        target(&admin, "alias/app-one").await.as_deref(),
        Some(k2.as_str())
    );
    aliaser
        .delete_alias()
        .alias_name("alias/app-one")
        .send()
        .await
        .unwrap();
    assert_eq!(target(&admin, "alias/app-one").await, None);
    server.stop().await;
}
