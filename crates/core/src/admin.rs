//! Managing the stored identities: what `trent admin` does, as typed operations on a data
//! directory, safe to run beside a serving Trent (the server sees each change within its change
//! interval, or at once for a new access key; see [`crate::directory`]).
//!
//! Names, paths, tags and identity policies are checked here with IAM's rules before the
//! store sees them. A secret access key is generated here, sealed at once, and handed back
//! once in a [`NewAccessKey`]; it is never stored or printed in the clear afterwards.
//! Principals the configuration defines are managed there: this refuses to create them.
//!
//! Each change is appended to the audit trail once it is committed, as the IAM call it stands
//! for (`CreateUser`, `PutRolePolicy`, ...), by the operator's login; a change whose event
//! cannot be written is reported as such ([`AdminError::Unaudited`]).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::json;
use trent_audit::{AuditEvent, UserIdentity};
use trent_seal::Sealer;
use trent_store::{
    AccessKeyCreated, AccessKeyRecord, AccessKeyStatus, AnyStore, IdentityPolicyRecord,
    PrincipalKind, PrincipalRecord, Store, StoreError,
};
use trent_types::{AccountId, Clock, KeyId, PrincipalArn};
use zeroize::Zeroizing;

use crate::{Identities, StartError};

/// IAM's quota of access keys per user; Trent applies it to roles too.
pub const MAX_ACCESS_KEYS: usize = 2;
/// IAM's quota of tags per principal.
pub const MAX_TAGS: usize = 50;
/// The largest identity policy document accepted, in bytes (KMS's key policy limit).
pub const MAX_POLICY_BYTES: usize = 32 * 1024;

/// Why an admin operation failed. Each message is meant for the operator as it stands.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A malformed argument: a name, path, tag, account or policy document.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The name is taken, or the principal still has access keys or policies.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot seal the secret access key")]
    Seal,
    /// The change was committed, but its audit event could not be written.
    #[error("the change was made, but its audit event could not be written: {0}")]
    Unaudited(StoreError),
    #[error("cannot generate random bytes")]
    Random,
}

/// An access key just created: the only time its secret is seen.
pub struct NewAccessKey {
    pub record: AccessKeyRecord,
    secret: Zeroizing<String>,
}

impl NewAccessKey {
    /// The secret access key, to show the operator once.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("access_key_id", &self.record.access_key_id)
            .field("principal", &self.record.principal.as_str())
            .finish_non_exhaustive()
    }
}

/// How to revoke an access key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Keep it, refused (IAM's `Inactive`); it may be activated again.
    Deactivate,
    /// Remove it for good.
    Delete,
}

/// What deleting a principal removed.
#[derive(Debug)]
pub struct Deleted {
    pub principal: PrincipalRecord,
    pub access_keys: Vec<AccessKeyRecord>,
    pub policies: Vec<IdentityPolicyRecord>,
}

/// The identity operations on one data directory.
pub struct IdentityAdmin {
    store: AnyStore,
    sealer: Sealer,
    clock: Arc<dyn Clock>,
    /// (account, kind, lowercase name) of every configured user and role.
    configured: HashSet<(String, PrincipalKind, String)>,
}

impl std::fmt::Debug for IdentityAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityAdmin")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl IdentityAdmin {
    /// Opens the data directory (creating it as `trent serve` would). `configured` are the
    /// identities of the configuration file, whose principals this refuses to create.
    pub async fn open(
        data_dir: &Path,
        configured: &Identities,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let (store, sealer) = crate::open_data_dir(data_dir).await?;
        let configured = configured
            .iter()
            .filter_map(|c| {
                let kind = kind_of(&c.principal.arn)?;
                let name = c.principal.arn.name()?.to_ascii_lowercase();
                Some((c.principal.arn.account().as_str().to_owned(), kind, name))
            })
            .collect();
        Ok(Self {
            store,
            sealer,
            clock,
            configured,
        })
    }

    pub fn store(&self) -> &AnyStore {
        &self.store
    }

    /// Creates a user or role. `path` defaults to `/`; `tags` are `(key, value)` pairs.
    pub async fn create_principal(
        &self,
        account: &str,
        kind: PrincipalKind,
        name: &str,
        path: Option<&str>,
        tags: &[(String, String)],
    ) -> Result<PrincipalRecord, AdminError> {
        let account = parse_account(account)?;
        check_name(kind, name)?;
        let path = path.unwrap_or("/");
        check_path(path)?;
        let tags = check_tags(tags)?;
        let key = (account.as_str().to_owned(), kind, name.to_ascii_lowercase());
        if self.configured.contains(&key) {
            return Err(AdminError::Conflict(format!(
                "{} {name} of account {} is defined in the configuration file; manage it there",
                noun(kind),
                account.as_str()
            )));
        }
        let record = PrincipalRecord::new(&account, kind, path, name, tags, self.clock.now())
            .ok_or_else(|| {
                AdminError::Invalid(format!("{name} with path {path} makes no valid ARN"))
            })?;
        match self.store.create_principal(&record).await {
            Ok(()) => {
                let tags: Vec<_> = record
                    .tags
                    .iter()
                    .map(|(key, value)| json!({ "key": key, "value": value }))
                    .collect();
                let mut params = named(kind, &record.name);
                params["path"] = json!(record.path);
                if !tags.is_empty() {
                    params["tags"] = json!(tags);
                }
                self.audit(
                    &format!("Create{}", capitalized(kind)),
                    &account,
                    params,
                    None,
                )
                .await?;
                Ok(record)
            }
            Err(StoreError::Conflict) => Err(AdminError::Conflict(format!(
                "{} with name {name} already exists in account {}.",
                capitalized(kind),
                account.as_str()
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a user or role by name. Without `force`, refuses one that still has access
    /// keys or policies (as IAM does); with it, removes those first.
    pub async fn delete_principal(
        &self,
        account: &str,
        kind: PrincipalKind,
        name: &str,
        force: bool,
    ) -> Result<Deleted, AdminError> {
        let account = parse_account(account)?;
        check_name(kind, name)?;
        let principal = self
            .store
            .list_principals(Some(&account))
            .await?
            .into_iter()
            .find(|p| p.kind == kind && p.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                AdminError::NotFound(format!(
                    "The {} with name {name} cannot be found in account {}.",
                    noun(kind),
                    account.as_str()
                ))
            })?;
        let access_keys = self.store.list_access_keys(Some(&principal.arn)).await?;
        let policies = self.store.identity_policies(Some(&principal.arn)).await?;
        if !force {
            let what = match (access_keys.is_empty(), policies.is_empty()) {
                (false, _) => Some("access keys"),
                (true, false) => Some("policies"),
                (true, true) => None,
            };
            if let Some(what) = what {
                return Err(AdminError::Conflict(format!(
                    "Cannot delete entity, must delete {what} first (or use --force to delete \
                     them with it)."
                )));
            }
        }
        for key in &access_keys {
            match self.store.delete_access_key(&key.access_key_id).await {
                Ok(()) => {
                    let mut params = named(kind, &principal.name);
                    params["accessKeyId"] = json!(key.access_key_id);
                    self.audit("DeleteAccessKey", &account, params, None)
                        .await?;
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for policy in &policies {
            match self
                .store
                .delete_identity_policy(&principal.arn, &policy.name)
                .await
            {
                Ok(()) => {
                    let mut params = named(kind, &principal.name);
                    params["policyName"] = json!(policy.name);
                    let name = format!("Delete{}Policy", capitalized(kind));
                    self.audit(&name, &account, params, None).await?;
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        match self.store.delete_principal(&principal.arn).await {
            Ok(()) => {
                let params = named(kind, &principal.name);
                self.audit(
                    &format!("Delete{}", capitalized(kind)),
                    &account,
                    params,
                    None,
                )
                .await?;
                Ok(Deleted {
                    principal,
                    access_keys,
                    policies,
                })
            }
            Err(StoreError::Conflict) => Err(AdminError::Conflict(format!(
                "{} gained an access key or policy while it was being deleted; try again",
                principal.arn
            ))),
            Err(StoreError::NotFound) => Err(AdminError::NotFound(format!(
                "{} was deleted by someone else meanwhile.",
                principal.arn
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Principals ordered by ARN: all, or one account's.
    pub async fn principals(
        &self,
        account: Option<&str>,
    ) -> Result<Vec<PrincipalRecord>, AdminError> {
        let account = account.map(parse_account).transpose()?;
        Ok(self.store.list_principals(account.as_ref()).await?)
    }

    /// Issues an access key to a stored principal: `AKIA` and 16 base-32 characters, and a
    /// secret of 40 base-64 characters, as AWS's look.
    pub async fn create_access_key(&self, principal: &str) -> Result<NewAccessKey, AdminError> {
        let principal = self.stored_principal(principal).await?;
        // A clash of 80 random bits is not going to happen, but costs only a retry.
        for _ in 0..3 {
            let (access_key_id, secret) = generate_access_key()?;
            let sealed_secret = self
                .sealer
                .seal_secret(&access_key_id, secret.as_bytes())
                .map_err(|_| AdminError::Seal)?;
            let record = AccessKeyRecord {
                access_key_id,
                principal: principal.arn.clone(),
                sealed_secret,
                status: AccessKeyStatus::Active,
                created: self.clock.now(),
            };
            match self.store.create_access_key(&record, MAX_ACCESS_KEYS).await {
                Ok(AccessKeyCreated::New) => {
                    // The secret never reaches the trail: only the key's id and status.
                    let response = json!({ "accessKey": {
                        "accessKeyId": record.access_key_id,
                        "status": "Active",
                        "createDate": record.created.iso8601(),
                    }});
                    self.audit(
                        "CreateAccessKey",
                        principal.arn.account(),
                        principal_params(&principal),
                        Some(response),
                    )
                    .await?;
                    return Ok(NewAccessKey { record, secret });
                }
                Ok(AccessKeyCreated::LimitReached) => {
                    return Err(AdminError::LimitExceeded(format!(
                        "Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS} \
                         ({} has {MAX_ACCESS_KEYS}; revoke one with --delete first).",
                        principal.arn
                    )));
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(no_principal(&principal.arn)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(AdminError::Random)
    }

    /// Deactivates or deletes an access key; returns it as it was before.
    pub async fn revoke_access_key(
        &self,
        access_key_id: &str,
        how: Revocation,
    ) -> Result<AccessKeyRecord, AdminError> {
        let key = self.stored_access_key(access_key_id).await?;
        let done = match how {
            Revocation::Deactivate => {
                self.store
                    .set_access_key_status(access_key_id, AccessKeyStatus::Inactive)
                    .await
            }
            Revocation::Delete => self.store.delete_access_key(access_key_id).await,
        };
        match done {
            Ok(()) => {
                let name = match how {
                    Revocation::Deactivate => "UpdateAccessKey",
                    Revocation::Delete => "DeleteAccessKey",
                };
                let mut params = key_params(&key);
                if how == Revocation::Deactivate {
                    params["status"] = json!("Inactive");
                }
                self.audit(name, key.principal.account(), params, None)
                    .await?;
                Ok(key)
            }
            Err(StoreError::NotFound) => Err(no_access_key(access_key_id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes an inactive access key active again; returns it as it was before.
    pub async fn activate_access_key(
        &self,
        access_key_id: &str,
    ) -> Result<AccessKeyRecord, AdminError> {
        let key = self.stored_access_key(access_key_id).await?;
        match self
            .store
            .set_access_key_status(access_key_id, AccessKeyStatus::Active)
            .await
        {
            Ok(()) => {
                let mut params = key_params(&key);
                params["status"] = json!("Active");
                self.audit("UpdateAccessKey", key.principal.account(), params, None)
                    .await?;
                Ok(key)
            }
            Err(StoreError::NotFound) => Err(no_access_key(access_key_id)),
            Err(e) => Err(e.into()),
        }
    }

    /// Access keys ordered by id: all, one principal's, or one account's.
    pub async fn access_keys(
        &self,
        principal: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, AdminError> {
        let account = account.map(parse_account).transpose()?;
        let principal = match principal {
            Some(p) => Some(self.stored_principal(p).await?.arn),
            None => None,
        };
        let keys = self.store.list_access_keys(principal.as_ref()).await?;
        Ok(keys
            .into_iter()
            .filter(|k| account.as_ref().is_none_or(|a| k.principal.account() == a))
            .collect())
    }

    /// Attaches an identity policy under `name`, replacing the principal's policy of that
    /// name if there is one; returns whether it replaced one.
    pub async fn attach_policy(
        &self,
        principal: &str,
        name: &str,
        document: &str,
    ) -> Result<bool, AdminError> {
        check_policy_name(name)?;
        check_policy_document(document)?;
        let principal = self.stored_principal(principal).await?;
        let record = IdentityPolicyRecord {
            principal: principal.arn.clone(),
            name: name.to_owned(),
            document: document.to_owned(),
        };
        match self.store.put_identity_policy(&record).await {
            Ok(replaced) => {
                let mut params = principal_params(&principal);
                params["policyName"] = json!(name);
                params["policyDocument"] = json!(document);
                let event = format!("Put{}Policy", capitalized(principal.kind));
                self.audit(&event, principal.arn.account(), params, None)
                    .await?;
                Ok(replaced)
            }
            Err(StoreError::NotFound) => Err(no_principal(&principal.arn)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn detach_policy(&self, principal: &str, name: &str) -> Result<(), AdminError> {
        check_policy_name(name)?;
        let principal = self.stored_principal(principal).await?;
        match self
            .store
            .delete_identity_policy(&principal.arn, name)
            .await
        {
            Ok(()) => {
                let mut params = principal_params(&principal);
                params["policyName"] = json!(name);
                let event = format!("Delete{}Policy", capitalized(principal.kind));
                self.audit(&event, principal.arn.account(), params, None)
                    .await?;
                Ok(())
            }
            Err(StoreError::NotFound) => Err(AdminError::NotFound(format!(
                "The policy with name {name} cannot be found on {}.",
                principal.arn
            ))),
            Err(e) => Err(e.into()),
        }
    }

    /// Identity policies ordered by principal and name: all, one principal's, or one
    /// account's.
    pub async fn policies(
        &self,
        principal: Option<&str>,
        account: Option<&str>,
    ) -> Result<Vec<IdentityPolicyRecord>, AdminError> {
        let account = account.map(parse_account).transpose()?;
        let principal = match principal {
            Some(p) => Some(self.stored_principal(p).await?.arn),
            None => None,
        };
        let policies = self.store.identity_policies(principal.as_ref()).await?;
        Ok(policies
            .into_iter()
            .filter(|p| account.as_ref().is_none_or(|a| p.principal.account() == a))
            .collect())
    }

    /// Appends the audit event of a change just committed: IAM's CloudTrail event `name`,
    /// made by the operator running `trent admin` on this machine. The trail is chained in
    /// the store, so this is safe beside running servers.
    async fn audit(
        &self,
        name: &str,
        account: &AccountId,
        params: serde_json::Value,
        response: Option<serde_json::Value>,
    ) -> Result<(), AdminError> {
        let now = self.clock.now();
        let request_id = KeyId::new_random();
        let mut event = AuditEvent::new(now, name, request_id.as_str());
        event.event_source = "iam.amazonaws.com";
        event.user_identity = UserIdentity {
            identity_type: Some("Unknown"),
            user_name: Some(operator()),
            ..UserIdentity::default()
        };
        // IAM is global; CloudTrail records its events in us-east-1.
        event.aws_region = "us-east-1".to_owned();
        event.source_ip_address = "localhost".to_owned();
        event.user_agent = concat!("trent-admin/", env!("CARGO_PKG_VERSION")).to_owned();
        event.request_parameters = params;
        event.response_elements = response.unwrap_or(serde_json::Value::Null);
        event.recipient_account_id = account.as_str().to_owned();
        trent_audit::append_one(&self.store, now, event)
            .await
            .map_err(AdminError::Unaudited)
    }

    async fn stored_principal(&self, arn: &str) -> Result<PrincipalRecord, AdminError> {
        let parsed = PrincipalArn::parse(arn)
            .filter(|a| kind_of(a).is_some())
            .ok_or_else(|| {
                AdminError::Invalid(format!(
                    "{arn:?} is not a user or role ARN (arn:aws:iam::ACCOUNT:user/NAME or \
                     arn:aws:iam::ACCOUNT:role/NAME)"
                ))
            })?;
        self.store
            .principal(&parsed)
            .await?
            .ok_or_else(|| no_principal(&parsed))
    }

    async fn stored_access_key(&self, access_key_id: &str) -> Result<AccessKeyRecord, AdminError> {
        self.store
            .access_key(access_key_id)
            .await?
            .ok_or_else(|| no_access_key(access_key_id))
    }
}

fn no_principal(arn: &PrincipalArn) -> AdminError {
    AdminError::NotFound(format!(
        "The principal {arn} cannot be found in the store (`trent admin list-principals` \
         lists them)."
    ))
}

fn no_access_key(access_key_id: &str) -> AdminError {
    AdminError::NotFound(format!(
        "The Access Key with id {access_key_id} cannot be found."
    ))
}

fn kind_of(arn: &PrincipalArn) -> Option<PrincipalKind> {
    let resource = arn.as_str().splitn(6, ':').nth(5)?;
    if resource.starts_with("user/") {
        Some(PrincipalKind::User)
    } else if resource.starts_with("role/") {
        Some(PrincipalKind::Role)
    } else {
        None
    }
}

/// `{"userName": name}` or `{"roleName": name}`, as IAM's requests name a principal.
fn named(kind: PrincipalKind, name: &str) -> serde_json::Value {
    match kind {
        PrincipalKind::User => json!({ "userName": name }),
        PrincipalKind::Role => json!({ "roleName": name }),
    }
}

fn principal_params(principal: &PrincipalRecord) -> serde_json::Value {
    named(principal.kind, &principal.name)
}

/// The request parameters naming an access key and its principal (never its secret).
fn key_params(key: &AccessKeyRecord) -> serde_json::Value {
    let mut params = match (kind_of(&key.principal), key.principal.name()) {
        (Some(kind), Some(name)) => named(kind, name),
        _ => json!({}),
    };
    params["accessKeyId"] = json!(key.access_key_id);
    params
}

/// Who runs `trent admin`: the login name, as the environment gives it.
fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn noun(kind: PrincipalKind) -> &'static str {
    kind.as_str()
}

fn capitalized(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "User",
        PrincipalKind::Role => "Role",
    }
}

fn parse_account(account: &str) -> Result<AccountId, AdminError> {
    AccountId::parse(account).ok_or_else(|| {
        AdminError::Invalid(format!(
            "{account:?} is not an account id (12 decimal digits)"
        ))
    })
}

/// IAM's `[\w+=,.@-]` (ASCII): the characters of user, role and policy names.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// IAM's user and role names: 1 to 64 of [`name_char`].
pub fn check_name(kind: PrincipalKind, name: &str) -> Result<(), AdminError> {
    if (1..=64).contains(&name.len()) && name.chars().all(name_char) {
        return Ok(());
    }
    Err(AdminError::Invalid(format!(
        "{name:?} is not a valid {} name: 1 to 64 letters, digits and + = , . @ _ -",
        noun(kind)
    )))
}

/// A path: `/`, or `/` then segments of [`name_char`] each followed by `/`, at most 512.
pub fn check_path(path: &str) -> Result<(), AdminError> {
    let ok = path.len() <= 512
        && path.starts_with('/')
        && path.ends_with('/')
        && (path == "/"
            || path[1..path.len() - 1]
                .split('/')
                .all(|seg| !seg.is_empty() && seg.chars().all(name_char)));
    if ok {
        return Ok(());
    }
    Err(AdminError::Invalid(format!(
        "{path:?} is not a valid path: / or /SEGMENT/.../ (letters, digits and + = , . @ _ -), \
         at most 512 characters"
    )))
}

/// IAM's tag rules: at most [`MAX_TAGS`]; keys of 1 to 128 and values of up to 256
/// letters, digits, spaces and `_ . : / = + - @`; no key twice (ignoring case); no key
/// starting with `aws:`.
pub fn check_tags(tags: &[(String, String)]) -> Result<BTreeMap<String, String>, AdminError> {
    let tag_char = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    if tags.len() > MAX_TAGS {
        return Err(AdminError::Invalid(format!(
            "{} tags given; a principal has at most {MAX_TAGS}",
            tags.len()
        )));
    }
    let mut out = BTreeMap::new();
    let mut seen = HashSet::new();
    for (key, value) in tags {
        if !(1..=128).contains(&key.chars().count()) || !key.chars().all(tag_char) {
            return Err(AdminError::Invalid(format!(
                "{key:?} is not a valid tag key: 1 to 128 letters, digits, spaces and \
                 _ . : / = + - @"
            )));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(AdminError::Invalid(format!(
                "tag key {key:?}: the aws: prefix is reserved for AWS"
            )));
        }
        if value.chars().count() > 256 || !value.chars().all(tag_char) {
            return Err(AdminError::Invalid(format!(
                "the value of tag {key:?} is not valid: up to 256 letters, digits, spaces and \
                 _ . : / = + - @"
            )));
        }
        if !seen.insert(key.to_lowercase()) {
            return Err(AdminError::Invalid(format!(
                "tag key {key:?} is given twice (tag keys ignore case)"
            )));
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// IAM's policy names: 1 to 128 of [`name_char`].
pub fn check_policy_name(name: &str) -> Result<(), AdminError> {
    if (1..=128).contains(&name.len()) && name.chars().all(name_char) {
        return Ok(());
    }
    Err(AdminError::Invalid(format!(
        "{name:?} is not a valid policy name: 1 to 128 letters, digits and + = , . @ _ -"
    )))
}

/// A document the identity-policy parser accepts, of at most [`MAX_POLICY_BYTES`].
pub fn check_policy_document(document: &str) -> Result<(), AdminError> {
    if document.len() > MAX_POLICY_BYTES {
        return Err(AdminError::Invalid(format!(
            "the policy document has {} bytes; at most {MAX_POLICY_BYTES} are accepted",
            document.len()
        )));
    }
    trent_policy::Policy::parse_identity_policy(document)
        .map(|_| ())
        .map_err(|e| AdminError::Invalid(format!("malformed identity policy: {e}")))
}

/// A fresh access key id and secret in AWS's formats.
fn generate_access_key() -> Result<(String, Zeroizing<String>), AdminError> {
    const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let id_bits = trent_crypto::random_bytes(10).map_err(|_| AdminError::Random)?;
    let mut id = String::with_capacity(20);
    id.push_str("AKIA");
    // 80 bits as 16 characters of 5 bits.
    let mut acc: u128 = 0;
    for b in id_bits.as_bytes() {
        acc = (acc << 8) | u128::from(*b);
    }
    for i in (0..16).rev() {
        id.push(char::from(BASE32[((acc >> (i * 5)) & 31) as usize]));
    }
    let secret_bits = trent_crypto::random_bytes(30).map_err(|_| AdminError::Random)?;
    let secret =
        Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(secret_bits.as_bytes()));
    Ok((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_keys_have_aws_shapes() {
        let (id, secret) = generate_access_key().unwrap();
        assert_eq!(id.len(), 20, "{id}");
        assert!(id.starts_with("AKIA"));
        assert!(
            id[4..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
            "{id}"
        );
        assert_eq!(secret.len(), 40);
        assert!(
            secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        );
        let (other, other_secret) = generate_access_key().unwrap();
        assert_ne!(id, other);
        assert_ne!(*secret, *other_secret);
    }

    #[test]
    fn names_follow_iam() {
        for ok in ["alice", "A.b-c_d+e=f,g@h", &"x".repeat(64)] {
            assert!(check_name(PrincipalKind::User, ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "é", &"x".repeat(65)] {
            let e = check_name(PrincipalKind::Role, bad).unwrap_err();
            assert!(e.to_string().contains("role name"), "{e}");
        }
        assert!(check_policy_name(&"p".repeat(128)).is_ok());
        assert!(check_policy_name(&"p".repeat(129)).is_err());
        assert!(check_policy_name("no spaces").is_err());
    }

    #[test]
    fn paths_follow_iam() {
        for ok in ["/", "/eng/", "/a/b.c/"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "eng/",
            "/eng",
            "//",
            "/a//b/",
            "/a b/",
            &format!("/{}/", "x".repeat(511)),
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_follow_iam() {
        let t = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let tags =
            check_tags(&[t("team", "Blue"), t("cost center", "ünï 42"), t("e", "")]).unwrap();
        assert_eq!(tags["cost center"], "ünï 42");
        assert_eq!(tags["e"], "");
        for bad in [
            vec![t("", "v")],
            vec![t("aws:x", "v")],
            vec![t("AWS:x", "v")],
            vec![t("k", "semi;colon")],
            vec![t("Team", "a"), t("team", "b")],
            vec![t(&"k".repeat(129), "v")],
            vec![t("k", &"v".repeat(257))],
            (0..51).map(|i| t(&format!("k{i}"), "v")).collect(),
        ] {
            assert!(check_tags(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn policy_documents_are_parsed_as_identity_policies() {
        assert!(check_policy_document(crate::ADMINISTRATOR_ACCESS).is_ok());
        for bad in [
            "{",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*"}]}"#,
        ] {
            let e = check_policy_document(bad).unwrap_err();
            assert!(
                e.to_string().starts_with("malformed identity policy"),
                "{e}"
            );
        }
        let huge = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Allow","Action":"*","Resource":"*"}}]}}"#,
            "s".repeat(MAX_POLICY_BYTES)
        );
        assert!(check_policy_document(&huge).is_err());
    }
}
