//! The records of identities: IAM principals (users and roles), their access keys and their
//! identity policies. An access key's secret is in them only sealed.

use std::collections::BTreeMap;

use trent_types::{AccountId, PrincipalArn, Timestamp};

/// Whether a principal is an IAM user or an IAM role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    User,
    Role,
}

impl PrincipalKind {
    /// As in the principal's ARN: `user` or `role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Role => "role",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "role" => Some(Self::Role),
            _ => None,
        }
    }
}

/// One stored principal. Its ARN is `arn:aws:iam::ACCOUNT:KIND` + `path` + `name`.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalRecord {
    pub arn: PrincipalArn,
    pub kind: PrincipalKind,
    /// Unique among the account's principals of this kind, ignoring ASCII case (as in IAM).
    pub name: String,
    /// `/`, or `/` + segments each followed by `/`.
    pub path: String,
    /// Principal tags, for `aws:PrincipalTag/KEY` conditions.
    pub tags: BTreeMap<String, String>,
    pub created: Timestamp,
}

impl PrincipalRecord {
    /// A record whose ARN is built from its parts; `None` if they make no valid principal
    /// ARN. Checks only what the ARN needs: IAM's rules on names, paths and tags are the
    /// caller's.
    pub fn new(
        account: &AccountId,
        kind: PrincipalKind,
        path: &str,
        name: &str,
        tags: BTreeMap<String, String>,
        created: Timestamp,
    ) -> Option<Self> {
        if !path.starts_with('/') || !path.ends_with('/') || name.is_empty() || name.contains('/') {
            return None;
        }
        let arn = PrincipalArn::parse(&format!(
            "arn:aws:iam::{}:{}{path}{name}",
            account.as_str(),
            kind.as_str()
        ))?;
        Some(Self {
            arn,
            kind,
            name: name.to_owned(),
            path: path.to_owned(),
            tags,
            created,
        })
    }

    pub fn account(&self) -> &AccountId {
        self.arn.account()
    }
}

/// Whether an access key may sign requests (IAM's `Active`) or is kept but refused
/// (`Inactive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKeyStatus {
    Active,
    Inactive,
}

impl AccessKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Inactive => "Inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Active" => Some(Self::Active),
            "Inactive" => Some(Self::Inactive),
            _ => None,
        }
    }
}

/// One stored access key. Only `trent-seal` can open `sealed_secret`, and only for this
/// access key id.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessKeyRecord {
    /// Unique in the whole store.
    pub access_key_id: String,
    pub principal: PrincipalArn,
    pub sealed_secret: Vec<u8>,
    pub status: AccessKeyStatus,
    pub created: Timestamp,
}

/// What [`crate::Store::create_access_key`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessKeyCreated {
    /// The access key was stored.
    New,
    /// The principal holds its maximum of access keys already; nothing was stored.
    LimitReached,
}

/// An identity (IAM inline) policy attached to a principal under a name.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityPolicyRecord {
    pub principal: PrincipalArn,
    /// Unique among the principal's policies.
    pub name: String,
    /// The JSON document, as given.
    pub document: String,
}

/// Every stored identity at one instant, with the generation it was read at.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredIdentities {
    /// See [`crate::Store::identity_generation`].
    pub generation: i64,
    /// Ordered by ARN.
    pub principals: Vec<PrincipalRecord>,
    /// Ordered by access key id.
    pub access_keys: Vec<AccessKeyRecord>,
    /// Ordered by principal, then name.
    pub policies: Vec<IdentityPolicyRecord>,
}
