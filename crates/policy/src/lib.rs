//! The IAM policy language, as AWS KMS speaks it.
//!
//! This crate owns two things. First, parsing: a JSON policy document (a key policy or an IAM
//! identity policy) becomes a checked [`Policy`] — every element known, every operator
//! supported, every principal well formed, every action and resource compiled into a pattern
//! that matches without further parsing — or a [`PolicyError`] whose message says what is
//! wrong the way AWS's `MalformedPolicyDocumentException` does. Second, evaluation: a
//! [`RequestContext`] (the action, the resource, the calling principal and the condition keys
//! of one request) is evaluated against a policy into a [`Decision`] — `Allow`,
//! `ExplicitDeny` or `ImplicitDeny` — and [`authorize`] combines a key policy, the caller's
//! identity policies and the grants' verdict the way AWS KMS does.
//!
//! The crate is pure: plain functions over values, no IO, no async, no clock, no knowledge of
//! the store, HTTP or cryptography. The only caller in Trent is `trent-core`'s `authz` module,
//! which gathers the policies, builds the context from the authenticated caller and the
//! request, and turns a refusal into `AccessDeniedException`. Parsed policies are meant to be
//! cached with their key: evaluation allocates nothing for the policies Trent meets every day
//! (see `benches/evaluate.rs`).
//!
//! What it must never do:
//! - decide anything AWS would decide differently — where the documentation is explicit, the
//!   code follows it and says where (the rules sit beside the code that implements them, in
//!   `condition.rs`, `principal.rs`, `pattern.rs` and `eval.rs`);
//! - fail open: an element it does not understand is a parse error, never a statement that
//!   silently matches; an unresolvable policy variable never makes a statement apply;
//! - panic, on any input: [`Policy::parse`] is written to be a three-line fuzz target, and the
//!   property tests feed it arbitrary strings and arbitrary JSON;
//! - look anything up: whether a principal exists, which tags a key has, what time it is —
//!   all of that arrives in the [`RequestContext`], built by the caller.
//!
//! ```
//! use trent_policy::{Decision, Policy, RequestContext, authorize};
//! use trent_types::{AccountId, PrincipalArn};
//!
//! let account = AccountId::parse("111122223333").unwrap();
//! let key_policy = Policy::parse_key_policy(&Policy::default_key_policy(&account)).unwrap();
//! let iam = Policy::parse_identity_policy(
//!     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}}"#,
//! )
//! .unwrap();
//! let alice = PrincipalArn::parse("arn:aws:iam::111122223333:user/alice").unwrap();
//! let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
//! let ctx = RequestContext::builder("kms:Encrypt", key, &alice)
//!     .value("kms:EncryptionContext:Department", "IT")
//!     .build();
//! // The default key policy delegates to IAM: alice needs her identity policy.
//! assert_eq!(authorize(&key_policy, &[&iam], false, &ctx), Decision::Allow);
//! assert_eq!(authorize(&key_policy, &[], false, &ctx), Decision::ImplicitDeny);
//! ```

mod condition;
mod context;
mod error;
mod eval;
mod parse;
mod pattern;
mod principal;
mod values;

pub use context::{ContextValue, RequestContext, RequestContextBuilder};
pub use error::PolicyError;
pub use eval::{
    Authorization, Decision, Evaluation, Reason, authorize, authorize_explained,
    authorize_explained_with,
};
pub use parse::{Policy, PolicyKind, PolicyVersion};

/// The largest policy document AWS KMS accepts, in bytes of its JSON text.
pub const MAX_POLICY_BYTES: usize = 32_768;
