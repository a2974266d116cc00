//! One file per operation, each the same shape: `SPEC` (the operation's facts, read by the
//! shared pre-flight), `audit_params` (what of the request CloudTrail may keep), and `run`.

use std::future::Future;
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;
use trent_api::{Operation, Validate};
use trent_types::{KeyState, KeyUsage};

use crate::{Caller, Result, Service};

mod common;
pub use common::*;

pub mod cancel_key_deletion;
pub mod create_alias;
pub mod create_grant;
pub mod create_key;
pub mod decapsulate;
pub mod decrypt;
pub mod delete_alias;
pub mod delete_imported_key_material;
pub mod derive_shared_secret;
pub mod describe_key;
pub mod disable_key;
pub mod disable_key_rotation;
pub mod enable_key;
pub mod enable_key_rotation;
pub mod encapsulate;
pub mod encrypt;
pub mod generate_data_key;
pub mod generate_data_key_pair;
pub mod generate_data_key_pair_without_plaintext;
pub mod generate_data_key_without_plaintext;
pub mod generate_mac;
pub mod generate_random;
pub mod get_key_last_usage;
pub mod get_key_policy;
pub mod get_key_rotation_status;
pub mod get_parameters_for_import;
pub mod get_public_key;
pub mod import_key_material;
pub mod list_aliases;
pub mod list_grants;
pub mod list_key_policies;
pub mod list_key_rotations;
pub mod list_keys;
pub mod list_resource_tags;
pub mod list_retirable_grants;
pub mod put_key_policy;
pub mod re_encrypt;
pub mod replicate_key;
pub mod retire_grant;
pub mod revoke_grant;
pub mod rotate_key_on_demand;
pub mod schedule_key_deletion;
pub mod sign;
pub mod tag_resource;
pub mod untag_resource;
pub mod update_alias;
pub mod update_key_description;
pub mod update_primary_region;
pub mod verify;
pub mod verify_mac;

/// The facts of an operation that the pre-flight checks.
#[derive(Debug)]
pub struct OpSpec {
    pub operation: Operation,
    /// The IAM action it needs (`kms:Encrypt`).
    pub action: &'static str,
    /// The key states it accepts.
    pub key_states: &'static [KeyState],
    /// The key usages it accepts; `None` for operations that do not use key material.
    pub key_usages: Option<&'static [KeyUsage]>,
    /// Whether a caller may use it on a key of another account, when both accounts' policies
    /// allow it ("Cross-account use" in the operation's reference). Operations on no key
    /// say `false`.
    pub cross_account: bool,
}

/// What an operation runs with: the service, the caller, and the audit notes it adds.
pub struct Ctx<'a> {
    pub svc: &'a Service,
    pub caller: &'a Caller,
    /// The request's `GrantTokens` (empty for an operation without the member): weighed
    /// with the key's grants by the pre-flight. Never logged or audited.
    pub grant_tokens: Vec<trent_api::SecretString>,
    resources: Mutex<Vec<String>>,
}

/// Grant tokens are bearer credentials: only their number is shown.
impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("caller", &self.caller)
            .field("grant_tokens", &self.grant_tokens.len())
            .finish_non_exhaustive()
    }
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(svc: &'a Service, caller: &'a Caller) -> Self {
        Self {
            svc,
            caller,
            grant_tokens: Vec::new(),
            resources: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn with_grant_tokens(mut self, tokens: Vec<trent_api::SecretString>) -> Self {
        self.grant_tokens = tokens;
        self
    }

    /// Names a key ARN the call touched, for the audit event's `resources`.
    pub fn touched(&self, key_arn: &str) {
        let mut r = self.resources.lock().unwrap_or_else(|p| p.into_inner());
        if !r.iter().any(|a| a == key_arn) {
            r.push(key_arn.to_owned());
        }
    }

    pub(crate) fn into_resources(self) -> Vec<String> {
        self.resources
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
    }
}

/// An operation. Each `ops/<operation>.rs` implements it for a unit struct `Op`.
pub trait Handler {
    type Request: DeserializeOwned + Validate + Send;
    type Response: Serialize + Send;
    const SPEC: OpSpec;

    /// The request's parameters as CloudTrail records them: never plaintext, ciphertext or
    /// anything secret.
    fn audit_params(req: &Self::Request) -> serde_json::Value;

    fn run<'a>(
        cx: &'a Ctx<'a>,
        req: Self::Request,
    ) -> impl Future<Output = Result<Self::Response>> + Send + 'a;
}
