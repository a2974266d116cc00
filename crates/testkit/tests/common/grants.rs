//! The principals of the grant tests, in two accounts, and the calls they make.

use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{GrantConstraints, GrantListEntry, GrantOperation};
use trent_core::{ADMINISTRATOR_ACCESS, Identities, Principal};
use trent_testkit::TestServer;
use trent_types::PrincipalArn;

pub const A: &str = "111122223333";
pub const B: &str = "444455556666";
pub const REGION: &str = "us-east-1";

pub fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

pub fn role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

pub fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{A}:key/{key_id}")
}

/// An identity policy of one Allow statement.
pub fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    )
}

/// Who calls, by access key id (the secret is the name followed by `-secret`):
/// - `admin`: account A, allowed everything by its identity policy;
/// - `batch`: role Batch in A, no policy at all (grants are its only access);
/// - `ops`: user Ops in A, no policy (a retiring principal);
/// - `mallory`: user mallory in A, no policy;
/// - `keyadmin`: role KeyAdmin in A, no policy (named in key policies);
/// - `lister`: user lister in A, allowed kms:ListRetirableGrants only;
/// - `carol`: user carol in account B, no policy.
pub fn identities() -> Identities {
    let table: Vec<(&str, String, Vec<String>)> = vec![
        (
            "admin",
            user(A, "admin"),
            vec![ADMINISTRATOR_ACCESS.to_owned()],
        ),
        ("batch", role(A, "Batch"), vec![]),
        ("ops", user(A, "Ops"), vec![]),
        ("mallory", user(A, "mallory"), vec![]),
        ("keyadmin", role(A, "KeyAdmin"), vec![]),
        (
            "lister",
            user(A, "lister"),
            vec![allow(r#""kms:ListRetirableGrants""#, "*")],
        ),
        ("carol", user(B, "carol"), vec![]),
    ];
    let mut ids = Identities::default();
    for (key, arn, policies) in table {
        let mut p = Principal::new(PrincipalArn::parse(&arn).unwrap());
        for json in &policies {
            p = p.with_policy(json).unwrap();
        }
        ids.add(key, format!("{key}-secret"), &Arc::new(p));
    }
    ids
}

pub struct World {
    pub server: TestServer,
}

impl World {
    pub async fn start() -> Self {
        Self {
            server: TestServer::start_with_identities(identities()).await,
        }
    }

    pub fn as_(&self, who: &str) -> Client {
        as_on(&self.server, who)
    }
}

/// A client of `server` for one of [`identities`].
pub fn as_on(server: &TestServer, who: &str) -> Client {
    server.client_with(who, &format!("{who}-secret"), REGION)
}

/// Creates a symmetric key with the default key policy (or `policy`); returns its id.
pub async fn new_key(kms: &Client, policy: Option<&str>) -> String {
    kms.create_key()
        .set_policy(policy.map(str::to_owned))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

pub fn ops(names: &[&str]) -> Vec<GrantOperation> {
    names.iter().map(|n| GrantOperation::from(*n)).collect()
}

/// Creates a grant of `operations` on `key` for `grantee`; returns (grant id, grant token).
pub async fn grant(
    kms: &Client,
    key: &str,
    grantee: &str,
    operations: &[&str],
) -> (String, String) {
    let out = kms
        .create_grant()
        .key_id(key)
        .grantee_principal(grantee)
        .set_operations(Some(ops(operations)))
        .send()
        .await
        .unwrap();
    (out.grant_id.unwrap(), out.grant_token.unwrap())
}

/// A constraint of `(key, value)` pairs: EncryptionContextEquals, or Subset.
pub fn constraint(equals: bool, pairs: &[(&str, &str)]) -> GrantConstraints {
    let map = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let b = GrantConstraints::builder();
    if equals {
        b.set_encryption_context_equals(Some(map)).build()
    } else {
        b.set_encryption_context_subset(Some(map)).build()
    }
}

/// Encrypts "x" under `key` with `context` and `tokens`; the error code on failure.
pub async fn try_encrypt(
    kms: &Client,
    key: &str,
    context: &[(&str, &str)],
    tokens: &[&str],
) -> Result<Vec<u8>, String> {
    kms.encrypt()
        .key_id(key)
        .plaintext(Blob::new("x"))
        .set_encryption_context(super::ctx(context))
        .set_grant_tokens(
            (!tokens.is_empty()).then(|| tokens.iter().map(|t| (*t).to_owned()).collect()),
        )
        .send()
        .await
        .map(|o| o.ciphertext_blob.unwrap().into_inner())
        .map_err(|e| super::code(&e.into_service_error()).to_owned())
}

/// Every grant of a key, by ListGrants.
pub async fn list(kms: &Client, key: &str) -> Vec<GrantListEntry> {
    kms.list_grants()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .grants
        .unwrap_or_default()
}

/// The ids of a key's grants.
pub async fn grant_ids(kms: &Client, key: &str) -> Vec<String> {
    list(kms, key)
        .await
        .into_iter()
        .map(|g| g.grant_id.unwrap())
        .collect()
}
