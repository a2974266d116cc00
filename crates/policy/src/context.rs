//! The request context: what one request brings to policy evaluation.
//!
//! IAM evaluates a request against "the request context": the action, the resource, the
//! principal, and a set of condition keys with their values. This crate does not know which
//! keys an operation carries — `trent-core` sets them — it only evaluates whatever the context
//! holds. Key names are case-insensitive, as IAM treats them ("Key names are
//! case-insensitive. For example, aws:CurrentTime is equivalent to AWS:currenttime"), tag keys
//! and encryption-context keys inside the name included (`kms:EncryptionContext:AppName` and
//! `kms:encryptioncontext:appname` are the same key).
//!
//! A key holds one value (single-valued, like `aws:SourceIp`) or several (multivalued, like
//! `aws:TagKeys` or `kms:EncryptionContextKeys`). A key set to an empty list is the same as an
//! absent key: IAM's "If the key values in the request resolve to an empty data set, ...
//! ForAllValues returns true, and ForAnyValue returns false" is exactly its rule for an absent
//! key, so one representation serves both.

use std::collections::BTreeMap;
use std::net::IpAddr;

use base64::Engine as _;
use trent_types::{AccountId, PrincipalArn, Timestamp};

use crate::values::format_epoch_seconds;

/// One value of a condition key.
///
/// Every value has a text form (what string operators and policy variables see); values made
/// from typed data also carry that data, so numeric, date, boolean, IP and binary operators
/// compare without parsing. A value made from text is parsed by those operators when they
/// meet it (`"10"` is a number to `NumericLessThan`, `"2024-01-01T00:00:00Z"` a date to
/// `DateGreaterThan`).
#[derive(Clone, Debug, PartialEq)]
pub struct ContextValue {
    text: Box<str>,
    typed: Typed,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Typed {
    Text,
    Number(f64),
    Bool(bool),
    /// Milliseconds since the Unix epoch.
    Date(i64),
    Ip(IpAddr),
    Binary(Box<[u8]>),
}

impl ContextValue {
    /// A string value.
    pub fn string(s: impl Into<String>) -> Self {
        Self {
            text: s.into().into_boxed_str(),
            typed: Typed::Text,
        }
    }

    /// A number (such as `kms:ScheduleKeyDeletionPendingWindowInDays`).
    pub fn number(n: f64) -> Self {
        Self {
            text: n.to_string().into_boxed_str(),
            typed: Typed::Number(n),
        }
    }

    /// A boolean (such as `aws:SecureTransport`); its text is `true` or `false`.
    pub fn boolean(b: bool) -> Self {
        Self {
            text: if b { "true" } else { "false" }.into(),
            typed: Typed::Bool(b),
        }
    }

    /// A date whose text is ISO 8601 in UTC, as `aws:CurrentTime` carries it.
    pub fn date(t: Timestamp) -> Self {
        Self {
            text: t.iso8601().into_boxed_str(),
            typed: Typed::Date(t.millis()),
        }
    }

    /// A date whose text is whole seconds since the epoch, as `aws:EpochTime` carries it.
    pub fn epoch_seconds(t: Timestamp) -> Self {
        Self {
            text: format_epoch_seconds(t.millis()).into_boxed_str(),
            typed: Typed::Date(t.millis()),
        }
    }

    /// An IP address (such as `aws:SourceIp`).
    pub fn ip(ip: IpAddr) -> Self {
        Self {
            text: ip.to_string().into_boxed_str(),
            typed: Typed::Ip(ip),
        }
    }

    /// Binary data; its text is standard base64, which `BinaryEquals` compares with.
    pub fn binary(bytes: &[u8]) -> Self {
        Self {
            text: base64::engine::general_purpose::STANDARD
                .encode(bytes)
                .into_boxed_str(),
            typed: Typed::Binary(bytes.into()),
        }
    }

    /// The value as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn typed(&self) -> &Typed {
        &self.typed
    }
}

impl From<&str> for ContextValue {
    fn from(s: &str) -> Self {
        Self::string(s)
    }
}

impl From<String> for ContextValue {
    fn from(s: String) -> Self {
        Self::string(s)
    }
}

impl From<&String> for ContextValue {
    fn from(s: &String) -> Self {
        Self::string(s.as_str())
    }
}

impl From<bool> for ContextValue {
    fn from(b: bool) -> Self {
        Self::boolean(b)
    }
}

impl From<i64> for ContextValue {
    fn from(n: i64) -> Self {
        Self {
            text: n.to_string().into_boxed_str(),
            typed: Typed::Number(n as f64),
        }
    }
}

impl From<f64> for ContextValue {
    fn from(n: f64) -> Self {
        Self::number(n)
    }
}

impl From<IpAddr> for ContextValue {
    fn from(ip: IpAddr) -> Self {
        Self::ip(ip)
    }
}

impl From<Timestamp> for ContextValue {
    fn from(t: Timestamp) -> Self {
        Self::date(t)
    }
}

/// The request context of one request: action, resource, principal and condition keys.
///
/// Built with [`RequestContext::builder`]; immutable afterwards, and cheap to evaluate many
/// policies against (keys are sorted and lowercased once, the action is lowercased once).
#[derive(Clone, Debug)]
pub struct RequestContext {
    action: Box<str>,
    action_lower: Box<str>,
    resource: Box<str>,
    resource_account: Option<Box<str>>,
    principal: PrincipalArn,
    is_root: bool,
    /// Sorted by (lowercased) name; never holds an empty list.
    keys: Box<[Entry]>,
}

impl RequestContext {
    /// Starts a context for `action` (`kms:Encrypt`) on `resource` (a key or alias ARN, or `*`
    /// for actions on no resource, such as `kms:CreateKey`) by `principal`.
    ///
    /// The builder starts with the keys that follow from the principal alone:
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` (`Account` for the
    /// account root, `User` for an IAM user, `AssumedRole` for a role) and, for an IAM user,
    /// `aws:username`. Every other key — `aws:userid`, `aws:SourceIp`, `aws:CurrentTime`,
    /// `kms:CallerAccount`, `kms:EncryptionContext:*`, tags... — is the caller's to set.
    pub fn builder(
        action: &str,
        resource: &str,
        principal: &PrincipalArn,
    ) -> RequestContextBuilder {
        let mut keys = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            keys.insert(k.to_ascii_lowercase(), vec![ContextValue::string(v)]);
        };
        set("aws:PrincipalArn", principal.as_str());
        set("aws:PrincipalAccount", principal.account().as_str());
        let principal_type = match principal.identity_type() {
            "Root" => "Account",
            "IAMUser" => "User",
            other => other,
        };
        set("aws:PrincipalType", principal_type);
        if principal_type == "User"
            && let Some(name) = principal.name()
        {
            set("aws:username", name);
        }
        RequestContextBuilder {
            action: action.into(),
            resource: resource.into(),
            resource_account: resource_account_of(resource),
            principal: principal.clone(),
            keys,
        }
    }

    /// The action, as given (`kms:Encrypt`).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource ARN, or `*`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The account that owns the resource: the account component of its ARN unless set
    /// explicitly; `None` when the resource is not an ARN.
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.as_deref()
    }

    pub fn principal(&self) -> &PrincipalArn {
        &self.principal
    }

    /// The values of condition key `key` (any case), or `None` if the request has none.
    pub fn values(&self, key: &str) -> Option<&[ContextValue]> {
        self.lookup(&key.to_lowercase())
    }

    pub(crate) fn action_lower(&self) -> &str {
        &self.action_lower
    }

    pub(crate) fn principal_is_root(&self) -> bool {
        self.is_root
    }

    /// Whether the principal and the resource belong to the same account (a resource that is
    /// not an ARN counts as the principal's own).
    pub(crate) fn same_account(&self) -> bool {
        self.resource_account
            .as_deref()
            .is_none_or(|a| a == self.principal.account().as_str())
    }

    /// The values of an already lowercased key.
    pub(crate) fn lookup(&self, lower: &str) -> Option<&[ContextValue]> {
        self.keys
            .binary_search_by(|(k, _)| (**k).cmp(lower))
            .ok()
            .and_then(|i| self.keys.get(i))
            .map(|(_, v)| &**v)
    }
}

/// A condition key (lowercased) and its values.
type Entry = (Box<str>, Box<[ContextValue]>);

/// Builds a [`RequestContext`]; see [`RequestContext::builder`].
#[derive(Clone, Debug)]
pub struct RequestContextBuilder {
    action: Box<str>,
    resource: Box<str>,
    resource_account: Option<Box<str>>,
    principal: PrincipalArn,
    keys: BTreeMap<String, Vec<ContextValue>>,
}

impl RequestContextBuilder {
    /// Sets single-valued key `key` (any case), replacing what it held.
    pub fn value(mut self, key: &str, value: impl Into<ContextValue>) -> Self {
        self.keys.insert(key.to_lowercase(), vec![value.into()]);
        self
    }

    /// Sets multivalued key `key` (any case), replacing what it held. An empty list leaves the
    /// key absent.
    pub fn values<V: Into<ContextValue>>(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let values: Vec<ContextValue> = values.into_iter().map(Into::into).collect();
        let key = key.to_lowercase();
        if values.is_empty() {
            self.keys.remove(&key);
        } else {
            self.keys.insert(key, values);
        }
        self
    }

    /// Removes key `key` (any case), including one the builder set from the principal.
    pub fn remove(mut self, key: &str) -> Self {
        self.keys.remove(&key.to_lowercase());
        self
    }

    /// Sets `aws:CurrentTime` (ISO 8601) and `aws:EpochTime` (epoch seconds) to `now`.
    pub fn current_time(self, now: Timestamp) -> Self {
        self.value("aws:CurrentTime", ContextValue::date(now))
            .value("aws:EpochTime", ContextValue::epoch_seconds(now))
    }

    /// Names the account that owns the resource, when the resource is `*` or its ARN does not
    /// say.
    pub fn resource_account(mut self, account: &AccountId) -> Self {
        self.resource_account = Some(account.as_str().into());
        self
    }

    pub fn build(self) -> RequestContext {
        let is_root = self.principal.identity_type() == "Root";
        RequestContext {
            action_lower: self.action.to_lowercase().into_boxed_str(),
            action: self.action,
            resource: self.resource,
            resource_account: self.resource_account,
            principal: self.principal,
            is_root,
            keys: self
                .keys
                .into_iter()
                .map(|(k, v)| (k.into_boxed_str(), v.into_boxed_slice()))
                .collect(),
        }
    }
}

/// The account component of an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`).
fn resource_account_of(resource: &str) -> Option<Box<str>> {
    let mut parts = resource.splitn(6, ':');
    (parts.next() == Some("arn"))
        .then(|| parts.nth(3))
        .flatten()
        .filter(|a| !a.is_empty())
        .map(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_case_insensitive_and_principal_keys_are_set() {
        let p = PrincipalArn::parse("arn:aws:iam::111122223333:user/alice").unwrap();
        let ctx = RequestContext::builder(
            "kms:Encrypt",
            "arn:aws:kms:us-east-1:444455556666:key/k",
            &p,
        )
        .value("kms:EncryptionContext:AppName", "x")
        .build();
        assert_eq!(
            ctx.values("KMS:encryptioncontext:appname").unwrap()[0].as_str(),
            "x"
        );
        assert_eq!(ctx.values("aws:username").unwrap()[0].as_str(), "alice");
        assert_eq!(ctx.values("aws:PrincipalType").unwrap()[0].as_str(), "User");
        assert_eq!(ctx.resource_account(), Some("444455556666"));
        assert!(!ctx.same_account());
        assert_eq!(ctx.action_lower(), "kms:encrypt");
    }

    #[test]
    fn root_and_roles() {
        let root = PrincipalArn::parse("arn:aws:iam::111122223333:root").unwrap();
        let ctx = RequestContext::builder("kms:Encrypt", "*", &root).build();
        assert!(ctx.principal_is_root());
        assert!(ctx.same_account());
        assert_eq!(
            ctx.values("aws:PrincipalType").unwrap()[0].as_str(),
            "Account"
        );
        assert!(ctx.values("aws:username").is_none());
        let role = PrincipalArn::parse("arn:aws:iam::111122223333:role/app").unwrap();
        let ctx = RequestContext::builder("kms:Encrypt", "*", &role).build();
        assert_eq!(
            ctx.values("aws:PrincipalType").unwrap()[0].as_str(),
            "AssumedRole"
        );
    }
}
