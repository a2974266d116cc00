//! The `Principal` and `NotPrincipal` elements: who a key policy statement is about.
//!
//! Accepted forms (IAM "Policy elements: Principal"): `"*"`; `{"AWS": ...}` with `"*"`, a
//! 12-digit account id, `arn:PARTITION:iam::ACCOUNT:root`, or the ARN of an IAM user or role
//! (`user/...`, `role/...`) or an STS session (`assumed-role/...`, `federated-user/...`);
//! `{"Service": ...}`, `{"Federated": ...}` and `{"CanonicalUser": ...}` with names. Each value
//! is a string or a non-empty list of strings. Anything else — a wildcard inside an ARN, an
//! ARN of another service, an unknown principal type — is
//! [`PolicyError::InvalidPrincipal`], as AWS refuses it.
//!
//! How a statement's principals meet a caller ([`Reach`]):
//! - `"*"` reaches every caller directly.
//! - A user or role ARN reaches exactly that principal, directly.
//! - An account (its id, or its root ARN — the two are the same principal) reaches the account
//!   root directly, and every other principal of the account only *through the account*:
//!   an `Allow` of that kind is a delegation that the principal's identity policies must
//!   complete (see `authorize` in `eval.rs`), while a `Deny` applies to all of them.
//! - Service, federated and canonical-user principals never reach a Trent caller, whose
//!   principals are all IAM users, roles and roots.
//!
//! `NotPrincipal` (IAM "Policy elements: NotPrincipal"): the statement applies to every
//! caller the list does not cover. IAM looks at a request as coming from the principal *and*
//! from its account, so a principal is excluded only when both its own ARN (or `"*"`) and its
//! account are listed: "When you use NotPrincipal, you must also specify the account ARN of
//! the not-denied principal. Otherwise, the policy might deny access to the entire account
//! containing the principal." A `NotPrincipal` statement that applies reaches the caller
//! directly.

use serde_json::Value;

use crate::PolicyError;
use crate::context::RequestContext;

/// How a statement's principal element reaches the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reach {
    /// Only through the caller's account: for an `Allow`, a delegation to identity policies.
    Account,
    /// The caller itself.
    Principal,
}

/// The principals one `Principal` or `NotPrincipal` element names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Principals {
    everyone: bool,
    /// Account ids (from bare ids and root ARNs).
    accounts: Box<[Box<str>]>,
    /// User, role and session ARNs, exactly as written.
    arns: Box<[Box<str>]>,
}

impl Principals {
    /// The user, role and session ARNs named, as written.
    pub(crate) fn arns(&self) -> &[Box<str>] {
        &self.arns
    }

    pub(crate) fn parse(value: &Value) -> Result<Self, PolicyError> {
        let mut out = PrincipalsBuilder::default();
        match value {
            Value::String(s) if s == "*" => out.everyone = true,
            Value::Object(map) if !map.is_empty() => {
                for (kind, names) in map {
                    let names = string_list(names)?;
                    match kind.as_str() {
                        "AWS" => names.into_iter().try_for_each(|n| out.aws(n))?,
                        "Service" | "Federated" | "CanonicalUser" => {
                            // Valid, and never a Trent caller.
                            if names
                                .iter()
                                .any(|n| n.is_empty() || n.contains(char::is_whitespace))
                            {
                                return Err(PolicyError::InvalidPrincipal);
                            }
                        }
                        _ => return Err(PolicyError::InvalidPrincipal),
                    }
                }
            }
            _ => return Err(PolicyError::InvalidPrincipal),
        }
        Ok(Principals {
            everyone: out.everyone,
            accounts: out.accounts.into_boxed_slice(),
            arns: out.arns.into_boxed_slice(),
        })
    }

    /// How a `Principal` element reaches the caller, if it does.
    pub(crate) fn reach(&self, ctx: &RequestContext) -> Option<Reach> {
        if self.covers_principal(ctx) {
            Some(Reach::Principal)
        } else if self.covers_account(ctx) {
            Some(Reach::Account)
        } else {
            None
        }
    }

    /// How a `NotPrincipal` element reaches the caller, if it does.
    pub(crate) fn reach_excluding(&self, ctx: &RequestContext) -> Option<Reach> {
        let excluded = if ctx.principal_is_root() {
            // The root is its account: one identity.
            self.covers_principal(ctx)
        } else {
            self.covers_principal(ctx) && self.covers_account(ctx)
        };
        (!excluded).then_some(Reach::Principal)
    }

    /// Whether the element names the caller itself (or everyone).
    fn covers_principal(&self, ctx: &RequestContext) -> bool {
        self.everyone
            || self.arns.iter().any(|a| **a == *ctx.principal().as_str())
            || (ctx.principal_is_root() && self.covers_account(ctx))
    }

    /// Whether the element names the caller's account (or everyone).
    fn covers_account(&self, ctx: &RequestContext) -> bool {
        let account = ctx.principal().account().as_str();
        self.everyone || self.accounts.iter().any(|a| **a == *account)
    }
}

#[derive(Default)]
struct PrincipalsBuilder {
    everyone: bool,
    accounts: Vec<Box<str>>,
    arns: Vec<Box<str>>,
}

impl PrincipalsBuilder {
    fn aws(&mut self, name: &str) -> Result<(), PolicyError> {
        if name == "*" {
            self.everyone = true;
        } else if is_account_id(name) {
            self.accounts.push(name.into());
        } else {
            match principal_arn(name).ok_or(PolicyError::InvalidPrincipal)? {
                ArnPrincipal::Root(account) => self.accounts.push(account.into()),
                ArnPrincipal::Identity => self.arns.push(name.into()),
            }
        }
        Ok(())
    }
}

enum ArnPrincipal<'a> {
    Root(&'a str),
    Identity,
}

/// Checks `arn:PARTITION:iam::ACCOUNT:(root|user/..|role/..)` or
/// `arn:PARTITION:sts::ACCOUNT:(assumed-role/..|federated-user/..)`, without wildcards.
fn principal_arn(s: &str) -> Option<ArnPrincipal<'_>> {
    let mut parts = s.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let well_formed = arn == "arn"
        && partition.starts_with("aws")
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        && region.is_empty()
        && is_account_id(account)
        && !s.contains(['*', '?'])
        && !s.contains(char::is_whitespace);
    if !well_formed {
        return None;
    }
    let named = |prefix: &str| resource.strip_prefix(prefix).is_some_and(|n| !n.is_empty());
    match service {
        "iam" if resource == "root" => Some(ArnPrincipal::Root(account)),
        "iam" if named("user/") || named("role/") => Some(ArnPrincipal::Identity),
        "sts" if named("assumed-role/") || named("federated-user/") => Some(ArnPrincipal::Identity),
        _ => None,
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A string or a non-empty list of strings.
fn string_list(v: &Value) -> Result<Vec<&str>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().ok_or(PolicyError::InvalidPrincipal))
            .collect(),
        _ => Err(PolicyError::InvalidPrincipal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepted_and_refused_forms() {
        for ok in [
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": "111122223333"}),
            json!({"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/a"]}),
            json!({"AWS": "arn:aws:iam::111122223333:role/path/r"}),
            json!({"AWS": "arn:aws:sts::111122223333:assumed-role/r/s"}),
            json!({"Service": "ec2.amazonaws.com"}),
            json!({"AWS": "arn:aws-cn:iam::111122223333:root"}),
        ] {
            assert!(Principals::parse(&ok).is_ok(), "{ok}");
        }
        for bad in [
            json!("alice"),
            json!({}),
            json!({"AWS": []}),
            json!({"AWS": "11112222333"}),
            json!({"AWS": "arn:aws:iam::111122223333:user/*"}),
            json!({"AWS": "arn:aws:iam::*:root"}),
            json!({"AWS": "arn:aws:s3:::bucket"}),
            json!({"AWS": "arn:aws:iam::111122223333:group/g"}),
            json!({"Robot": "r2d2"}),
            json!({"AWS": 111122223333_u64}),
            json!(["*"]),
        ] {
            assert_eq!(
                Principals::parse(&bad),
                Err(PolicyError::InvalidPrincipal),
                "{bad}"
            );
        }
    }
}
