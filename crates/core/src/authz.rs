//! Authorization: whether a caller may perform an action, decided as AWS KMS decides it. The
//! only caller of `trent-policy`, and always consulted before key material is unsealed.
//!
//! Three kinds of decision:
//! - [`authorize_key`]: an action on a key. The key's policy (parsed once, cached with the
//!   key), the caller's identity policies and the key's grants (with those of the request's
//!   grant tokens), combined by
//!   `trent_policy::authorize_explained`: explicit deny wins; the key policy alone can allow;
//!   a key policy that allows the account delegates to identity policies; another account's
//!   caller needs both sides. Operations AWS does not allow across accounts
//!   ([`OpSpec::cross_account`]) refuse another account's key whatever its policy says.
//! - [`authorize_identity`]: an action on no key (`kms:CreateKey`, `kms:ListKeys`,
//!   `kms:ListAliases`, `kms:GenerateRandom`, on resource `*`) or on an alias ARN (which no key
//!   policy can name): identity policies alone decide.
//! - [`lockout_check`]: whether a new key policy would still let the caller change it.
//!
//! Each decision evaluates one request context, drawn from the global keys every KMS request
//! carries (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`,
//! `aws:userid`, `aws:PrincipalTag/*`, `aws:SourceIp`, `aws:CurrentTime`, `aws:EpochTime`,
//! `aws:SecureTransport`, `aws:UserAgent`, `aws:RequestedRegion`, `kms:CallerAccount`), the
//! key's (`kms:KeySpec`, `kms:KeyUsage`, `kms:KeyOrigin`, `kms:MultiRegion`,
//! `aws:ResourceTag/*`, `kms:ResourceAliases`, `kms:RequestAlias`), and the ones the operation
//! states next to its `SPEC` as [`Conditions`]. Only the keys the policies in play can read
//! go in (`Policy::context_keys`, computed when a policy is parsed): the decision is the same,
//! and it costs what the policies ask — nothing beyond the principal's keys for a policy
//! without conditions.
//!
//! A refusal is `AccessDeniedException` with AWS's message: "User: ARN is not authorized to
//! perform: ACTION on resource: ARN because no resource-based policy allows the ACTION
//! action" (or "...with an explicit deny in an identity-based policy", and so on).

use trent_api::ErrorKind;
use trent_policy::{ContextValue, Decision, Policy, Reason, RequestContext, RequestContextBuilder};
use trent_store::{GrantRecord, KeyRecord, Tag};
use trent_types::{
    AliasName, EncryptionContext, GrantOperation, KeySpec, KeyUsage, MultiRegionKeyType, Origin,
    Timestamp,
};

use crate::ops::OpSpec;
use crate::{Caller, Error};

/// The condition keys an operation takes from its request, stated in the operation's file
/// next to its `SPEC`. Borrowed values only: nothing is copied unless a policy reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conditions<'a> {
    encryption_context: Option<&'a EncryptionContext>,
    encryption_algorithm: Option<&'a str>,
    signing_algorithm: Option<&'a str>,
    message_type: Option<&'a str>,
    mac_algorithm: Option<&'a str>,
    key_agreement_algorithm: Option<&'a str>,
    data_key_pair_spec: Option<&'a str>,
    /// The ARN of the other key of a ReEncrypt.
    re_encrypt_other_key: Option<&'a str>,
    bypass_policy_lockout_safety_check: Option<bool>,
    pending_window_in_days: Option<u32>,
    rotation_period_in_days: Option<u32>,
    trailing_days_without_key_usage: Option<u32>,
    request_tags: Option<&'a [Tag]>,
    tag_keys: Option<&'a [String]>,
    new_key: Option<NewKey>,
    wrapping_algorithm: Option<&'a str>,
    wrapping_key_spec: Option<&'a str>,
    expiration_model: Option<&'a str>,
    valid_to: Option<Timestamp>,
    replica_region: Option<&'a str>,
    primary_region: Option<&'a str>,
    new_grant: Option<NewGrant<'a>>,
    grant_is_for_aws_resource: Option<bool>,
}

/// What a CreateGrant request asks for, for `kms:GrantOperations`, `kms:GranteePrincipal`,
/// `kms:RetiringPrincipal` and `kms:GrantConstraintType`.
#[derive(Clone, Copy, Debug)]
pub struct NewGrant<'a> {
    pub operations: &'a [GrantOperation],
    pub grantee: &'a str,
    pub retiring: Option<&'a str>,
    /// `EncryptionContextEquals` and/or `EncryptionContextSubset`, as the request has them.
    pub constraint_types: &'a [&'static str],
}

/// What a CreateKey request asks for, for its `kms:KeySpec`, `kms:KeyUsage`,
/// `kms:KeyOrigin` and `kms:MultiRegion`.
#[derive(Clone, Copy, Debug)]
pub struct NewKey {
    pub key_spec: KeySpec,
    pub key_usage: KeyUsage,
    pub origin: Origin,
    pub multi_region: bool,
    /// PRIMARY for a new multi-Region key, REPLICA for a new replica (ReplicateKey's
    /// `kms:CreateKey` in the replica's region).
    pub multi_region_type: Option<MultiRegionKeyType>,
}

impl<'a> Conditions<'a> {
    /// No operation-specific condition key.
    pub const NONE: Conditions<'static> = Conditions {
        encryption_context: None,
        encryption_algorithm: None,
        signing_algorithm: None,
        message_type: None,
        mac_algorithm: None,
        key_agreement_algorithm: None,
        data_key_pair_spec: None,
        re_encrypt_other_key: None,
        bypass_policy_lockout_safety_check: None,
        pending_window_in_days: None,
        rotation_period_in_days: None,
        trailing_days_without_key_usage: None,
        request_tags: None,
        tag_keys: None,
        new_key: None,
        wrapping_algorithm: None,
        wrapping_key_spec: None,
        expiration_model: None,
        valid_to: None,
        replica_region: None,
        primary_region: None,
        new_grant: None,
        grant_is_for_aws_resource: None,
    };

    /// `kms:EncryptionContext:KEY` for each pair and `kms:EncryptionContextKeys`.
    pub fn encryption_context(mut self, context: &'a EncryptionContext) -> Self {
        self.encryption_context = Some(context);
        self
    }

    /// `kms:EncryptionAlgorithm`.
    pub fn encryption_algorithm(mut self, algorithm: &'a str) -> Self {
        self.encryption_algorithm = Some(algorithm);
        self
    }

    /// `kms:SigningAlgorithm`.
    pub fn signing_algorithm(mut self, algorithm: &'a str) -> Self {
        self.signing_algorithm = Some(algorithm);
        self
    }

    /// `kms:MessageType`.
    pub fn message_type(mut self, message_type: &'a str) -> Self {
        self.message_type = Some(message_type);
        self
    }

    /// `kms:MacAlgorithm`.
    pub fn mac_algorithm(mut self, algorithm: &'a str) -> Self {
        self.mac_algorithm = Some(algorithm);
        self
    }

    /// `kms:KeyAgreementAlgorithm`.
    pub fn key_agreement_algorithm(mut self, algorithm: &'a str) -> Self {
        self.key_agreement_algorithm = Some(algorithm);
        self
    }

    /// `kms:DataKeyPairSpec`.
    pub fn data_key_pair_spec(mut self, spec: &'a str) -> Self {
        self.data_key_pair_spec = Some(spec);
        self
    }

    /// `kms:ReEncryptOnSameKey`: true when `other_key_arn`, the other key of the ReEncrypt,
    /// is the key being authorized.
    pub fn re_encrypt_with(mut self, other_key_arn: &'a str) -> Self {
        self.re_encrypt_other_key = Some(other_key_arn);
        self
    }

    /// `kms:BypassPolicyLockoutSafetyCheck`.
    pub fn bypass_policy_lockout_safety_check(mut self, bypass: bool) -> Self {
        self.bypass_policy_lockout_safety_check = Some(bypass);
        self
    }

    /// `kms:ScheduleKeyDeletionPendingWindowInDays`.
    pub fn pending_window_in_days(mut self, days: u32) -> Self {
        self.pending_window_in_days = Some(days);
        self
    }

    /// `kms:RotationPeriodInDays` (EnableKeyRotation).
    pub fn rotation_period_in_days(mut self, days: u32) -> Self {
        self.rotation_period_in_days = Some(days);
        self
    }

    /// `kms:TrailingDaysWithoutKeyUsage` (DisableKey, ScheduleKeyDeletion); `None` leaves it
    /// out.
    pub fn trailing_days_without_key_usage(mut self, days: Option<u32>) -> Self {
        self.trailing_days_without_key_usage = days;
        self
    }

    /// `aws:RequestTag/KEY` for each tag and `aws:TagKeys`.
    pub fn request_tags(mut self, tags: &'a [Tag]) -> Self {
        self.request_tags = Some(tags);
        self
    }

    /// `aws:TagKeys` (UntagResource).
    pub fn tag_keys(mut self, keys: &'a [String]) -> Self {
        self.tag_keys = Some(keys);
        self
    }

    /// `kms:WrappingAlgorithm` and `kms:WrappingKeySpec` (GetParametersForImport).
    pub fn wrapping(mut self, algorithm: &'a str, key_spec: &'a str) -> Self {
        self.wrapping_algorithm = Some(algorithm);
        self.wrapping_key_spec = Some(key_spec);
        self
    }

    /// `kms:ExpirationModel`, and `kms:ValidTo` when the material expires
    /// (ImportKeyMaterial).
    pub fn expiration(mut self, model: &'a str, valid_to: Option<Timestamp>) -> Self {
        self.expiration_model = Some(model);
        self.valid_to = valid_to;
        self
    }

    /// `kms:ReplicaRegion` (ReplicateKey).
    pub fn replica_region(mut self, region: &'a str) -> Self {
        self.replica_region = Some(region);
        self
    }

    /// `kms:PrimaryRegion` (UpdatePrimaryRegion).
    pub fn primary_region(mut self, region: &'a str) -> Self {
        self.primary_region = Some(region);
        self
    }

    /// `kms:KeySpec`, `kms:KeyUsage`, `kms:KeyOrigin` and `kms:MultiRegion` of a key not yet
    /// created (CreateKey).
    pub fn new_key(mut self, key: NewKey) -> Self {
        self.new_key = Some(key);
        self
    }

    /// `kms:GrantOperations`, `kms:GranteePrincipal`, `kms:RetiringPrincipal` and
    /// `kms:GrantConstraintType` of a grant not yet created (CreateGrant).
    pub fn new_grant(mut self, grant: NewGrant<'a>) -> Self {
        self.new_grant = Some(grant);
        self
    }

    /// `kms:GrantIsForAWSResource` (CreateGrant, ListGrants, RevokeGrant): whether an AWS
    /// service calls on the principal's behalf, never so for a call made to Trent.
    pub fn grant_is_for_aws_resource(mut self, value: bool) -> Self {
        self.grant_is_for_aws_resource = Some(value);
        self
    }
}

/// What authorization needs to know of a key: its record, its parsed policy, its tags and
/// its aliases.
#[derive(Clone, Copy, Debug)]
pub struct KeyFacts<'a> {
    pub record: &'a KeyRecord,
    pub arn: &'a str,
    /// `None` when the stored policy does not parse (a store written by hand, or by a
    /// version of Trent that checked less): then nothing is allowed, as nothing can be read.
    pub policy: Option<&'a Policy>,
    pub tags: &'a [Tag],
    /// `None` when the key has more aliases than AWS's quota for `kms:ResourceAliases`
    /// (50): the key is then left out of the context, as AWS does.
    pub aliases: Option<&'a [AliasName]>,
    /// Every grant on the key.
    pub grants: &'a [GrantRecord],
    /// PRIMARY or REPLICA for a multi-Region key (`kms:MultiRegionKeyType`).
    pub multi_region_type: Option<MultiRegionKeyType>,
}

/// How many aliases `kms:ResourceAliases` can hold: AWS's "aliases per KMS key" quota for
/// attribute-based access control.
pub const MAX_RESOURCE_ALIASES: usize = 50;

/// Decides `spec.action` for `caller` on a key. `request_alias` is the alias the request
/// named the key by, if it did (`kms:RequestAlias`).
pub fn authorize_key(
    caller: &Caller,
    spec: &OpSpec,
    key: &KeyFacts<'_>,
    request_alias: Option<&AliasName>,
    conditions: &Conditions<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let action = spec.action;
    // "Cross-account use: No" in the operation's reference: another account's key is out of
    // reach whatever its policy says.
    if !spec.cross_account && key.record.account != *caller.account() {
        return Err(denied(
            caller,
            action,
            Some(key.arn),
            Reason::NoKeyPolicyAllows,
        ));
    }
    let Some(policy) = key.policy else {
        tracing::warn!(
            key = key.arn,
            "the stored key policy does not parse; refusing"
        );
        return Err(denied(
            caller,
            action,
            Some(key.arn),
            Reason::NoKeyPolicyAllows,
        ));
    };
    let sources = Sources {
        caller,
        now,
        key: Some(key),
        request_alias,
        conditions,
    };
    let policies = std::iter::once(policy).chain(&caller.identity.policies);
    let ctx = context(action, key.arn, &sources, policies);
    let grants = || grants_allow(caller, spec, key, conditions);
    let verdict = with_refs(&caller.identity.policies, |identity| {
        trent_policy::authorize_explained_with(policy, identity, grants, &ctx)
    });
    if verdict.decision.is_allowed() {
        Ok(())
    } else {
        Err(denied(caller, action, Some(key.arn), verdict.reason))
    }
}

/// The hook for grants: whether a grant on `key` allows this request for `caller` (its
/// grantee), its constraints checked against the request's encryption context.
fn grants_allow(
    caller: &Caller,
    spec: &OpSpec,
    key: &KeyFacts<'_>,
    conditions: &Conditions<'_>,
) -> bool {
    let request = crate::grants::GrantRequest {
        principal: &caller.principal,
        action: spec.action,
        region: &key.record.region,
        key_id: &key.record.key_id,
        context: conditions.encryption_context,
    };
    key.grants
        .iter()
        .any(|grant| crate::grants::allows(grant, &request))
}

/// Decides `action` on `resource` — `*` for actions on no resource, or an alias ARN — from
/// the caller's identity policies alone, as IAM does where no resource-based policy exists.
/// `named_resource` is whether the refusal names the resource (AWS's message for a tag
/// permission checked by CreateKey names none).
pub fn authorize_identity(
    caller: &Caller,
    action: &str,
    resource: &str,
    named_resource: bool,
    conditions: &Conditions<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let sources = Sources {
        caller,
        now,
        key: None,
        request_alias: None,
        conditions,
    };
    let ctx = context(action, resource, &sources, &caller.identity.policies);
    // The account root holds every permission of its account.
    let mut allowed = caller.principal.identity_type() == "Root";
    for policy in &caller.identity.policies {
        match policy.evaluate(&ctx) {
            Decision::ExplicitDeny => {
                let reason = Reason::ExplicitDenyInIdentityPolicy;
                return Err(denied(
                    caller,
                    action,
                    named_resource.then_some(resource),
                    reason,
                ));
            }
            Decision::Allow => allowed = true,
            Decision::ImplicitDeny => {}
        }
    }
    if allowed {
        Ok(())
    } else {
        let reason = Reason::NoIdentityPolicyAllows;
        Err(denied(
            caller,
            action,
            named_resource.then_some(resource),
            reason,
        ))
    }
}

/// The policy lockout safety check ("Default key policy", "prevent-unmanageable-key"): a new
/// key policy must allow the caller to make a PutKeyPolicy request on the key — itself, or
/// through its account and its identity policies — or the key could become unmanageable.
/// The request evaluated is the PutKeyPolicy the caller would make next, on the key as it
/// will be.
pub fn lockout_check(
    caller: &Caller,
    new_policy: &Policy,
    key: &KeyFacts<'_>,
    now: Timestamp,
) -> Result<(), Error> {
    let key = KeyFacts {
        policy: Some(new_policy),
        ..*key
    };
    let conditions = Conditions::NONE.bypass_policy_lockout_safety_check(false);
    let sources = Sources {
        caller,
        now,
        key: Some(&key),
        request_alias: None,
        conditions: &conditions,
    };
    let policies = std::iter::once(new_policy).chain(&caller.identity.policies);
    let ctx = context("kms:PutKeyPolicy", key.arn, &sources, policies);
    let decision = with_refs(&caller.identity.policies, |identity| {
        trent_policy::authorize(new_policy, identity, false, &ctx)
    });
    if decision.is_allowed() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::MalformedPolicyDocument,
            "The new key policy will not allow you to update the key policy in the future.",
        ))
    }
}

/// Everything a request context is filled from: the caller and its connection, the clock,
/// the key, and the operation's [`Conditions`].
struct Sources<'a> {
    caller: &'a Caller,
    now: Timestamp,
    key: Option<&'a KeyFacts<'a>>,
    request_alias: Option<&'a AliasName>,
    conditions: &'a Conditions<'a>,
}

/// The request context of `action` on `resource`, holding the keys `policies` read
/// ([`Policy::context_keys`]) and no other: a key no policy reads cannot change a decision,
/// and most requests meet policies that read few keys or none, so the context costs what the
/// policies ask of it.
fn context<'p>(
    action: &str,
    resource: &str,
    sources: &Sources<'_>,
    policies: impl IntoIterator<Item = &'p Policy>,
) -> RequestContext {
    let mut b = RequestContext::builder(action, resource, &sources.caller.principal);
    for policy in policies {
        for key in policy.context_keys() {
            b = sources.set(b, key);
        }
    }
    b.build()
}

impl Sources<'_> {
    /// Sets condition key `key` (lowercased, as policies hold it) if the request carries it:
    /// the global keys of every KMS request, the key's, and the operation's.
    fn set(&self, b: RequestContextBuilder, key: &str) -> RequestContextBuilder {
        let caller = self.caller;
        let cond = self.conditions;
        let props = self.key_properties();
        match key {
            // The builder sets these from the principal.
            "aws:principalarn" | "aws:principalaccount" | "aws:principaltype" | "aws:username" => b,
            "aws:userid" => b.value(key, caller.identity.user_id.as_str()),
            "aws:sourceip" => b.value(key, caller.source_ip),
            "aws:currenttime" => b.value(key, ContextValue::date(self.now)),
            "aws:epochtime" => b.value(key, ContextValue::epoch_seconds(self.now)),
            "aws:securetransport" => b.value(key, caller.secure_transport),
            "aws:useragent" => b.value(key, caller.user_agent.as_str()),
            "aws:requestedregion" => b.value(key, caller.region.as_str()),
            "kms:calleraccount" => b.value(key, caller.account().as_str()),
            "kms:keyspec" => maybe(b, key, props.map(|p| p.key_spec.as_str())),
            "kms:keyusage" => maybe(b, key, props.map(|p| p.key_usage.as_str())),
            // The deprecated names of the same two facts, which policies may still use.
            "kms:customermasterkeyspec" => maybe(b, key, props.map(|p| p.key_spec.as_str())),
            "kms:customermasterkeyusage" => maybe(b, key, props.map(|p| p.key_usage.as_str())),
            "kms:keyorigin" => maybe(b, key, props.map(|p| p.origin.as_str())),
            "kms:multiregion" => maybe(b, key, props.map(|p| p.multi_region)),
            "kms:multiregionkeytype" => maybe(
                b,
                key,
                props.and_then(|p| p.multi_region_type.map(|t| t.as_str())),
            ),
            "kms:resourcealiases" => match self.key.and_then(|k| k.aliases) {
                Some(aliases) => b.values(key, aliases.iter().map(AliasName::as_str)),
                None => b,
            },
            "kms:requestalias" => maybe(b, key, self.request_alias.map(AliasName::as_str)),
            "kms:encryptionalgorithm" => maybe(b, key, cond.encryption_algorithm),
            "kms:signingalgorithm" => maybe(b, key, cond.signing_algorithm),
            "kms:messagetype" => maybe(b, key, cond.message_type),
            "kms:macalgorithm" => maybe(b, key, cond.mac_algorithm),
            "kms:keyagreementalgorithm" => maybe(b, key, cond.key_agreement_algorithm),
            "kms:datakeypairspec" => maybe(b, key, cond.data_key_pair_spec),
            "kms:wrappingalgorithm" => maybe(b, key, cond.wrapping_algorithm),
            "kms:wrappingkeyspec" => maybe(b, key, cond.wrapping_key_spec),
            "kms:expirationmodel" => maybe(b, key, cond.expiration_model),
            "kms:validto" => maybe(b, key, cond.valid_to.map(ContextValue::epoch_seconds)),
            "kms:replicaregion" => maybe(b, key, cond.replica_region),
            "kms:primaryregion" => maybe(b, key, cond.primary_region),
            "kms:reencryptonsamekey" => match (cond.re_encrypt_other_key, self.key) {
                (Some(other), Some(this)) => b.value(key, other == this.arn),
                _ => b,
            },
            "kms:bypasspolicylockoutsafetycheck" => {
                maybe(b, key, cond.bypass_policy_lockout_safety_check)
            }
            "kms:schedulekeydeletionpendingwindowindays" => {
                maybe(b, key, cond.pending_window_in_days.map(i64::from))
            }
            "kms:rotationperiodindays" => {
                maybe(b, key, cond.rotation_period_in_days.map(i64::from))
            }
            "kms:trailingdayswithoutkeyusage" => {
                maybe(b, key, cond.trailing_days_without_key_usage.map(i64::from))
            }
            "kms:grantoperations" => match cond.new_grant {
                Some(g) => b.values(key, g.operations.iter().map(|op| op.as_str())),
                None => b,
            },
            "kms:granteeprincipal" => maybe(b, key, cond.new_grant.map(|g| g.grantee)),
            "kms:retiringprincipal" => maybe(b, key, cond.new_grant.and_then(|g| g.retiring)),
            "kms:grantconstrainttype" => match cond.new_grant {
                Some(g) => b.values(key, g.constraint_types.iter().copied()),
                None => b,
            },
            "kms:grantisforawsresource" => maybe(b, key, cond.grant_is_for_aws_resource),
            "kms:encryptioncontextkeys" => match cond.encryption_context {
                Some(context) => b.values(key, context.iter().map(|(k, _)| k)),
                None => b,
            },
            "aws:tagkeys" => match (cond.request_tags, cond.tag_keys) {
                (Some(tags), _) => b.values(key, tags.iter().map(|t| t.key.as_str())),
                (None, Some(keys)) => b.values(key, keys.iter().map(String::as_str)),
                (None, None) => b,
            },
            _ => {
                // Families whose last part is a name of the request's: the last pair whose
                // name matches (case-insensitively, as condition keys are) holds the value.
                let value = if let Some(name) = key.strip_prefix("kms:encryptioncontext:") {
                    cond.encryption_context
                        .and_then(|c| c.iter().filter(|(k, _)| same_name(k, name)).last())
                        .map(|(_, v)| v)
                } else if let Some(name) = key.strip_prefix("aws:resourcetag/") {
                    self.key.and_then(|k| tag_value(k.tags, name))
                } else if let Some(name) = key.strip_prefix("aws:requesttag/") {
                    cond.request_tags.and_then(|t| tag_value(t, name))
                } else if let Some(name) = key.strip_prefix("aws:principaltag/") {
                    caller
                        .identity
                        .tags
                        .iter()
                        .rfind(|(k, _)| same_name(k, name))
                        .map(|(_, v)| v.as_str())
                } else {
                    None
                };
                maybe(b, key, value)
            }
        }
    }

    /// `kms:KeySpec` and its siblings: of the key being created (CreateKey), or of the key.
    fn key_properties(&self) -> Option<NewKey> {
        self.conditions.new_key.or_else(|| {
            self.key.map(|k| NewKey {
                key_spec: k.record.key_spec,
                key_usage: k.record.key_usage,
                origin: k.record.origin,
                multi_region: k.record.multi_region,
                multi_region_type: k.multi_region_type,
            })
        })
    }
}

fn maybe<V: Into<ContextValue>>(
    b: RequestContextBuilder,
    key: &str,
    value: Option<V>,
) -> RequestContextBuilder {
    match value {
        Some(v) => b.value(key, v),
        None => b,
    }
}

fn tag_value<'t>(tags: &'t [Tag], name: &str) -> Option<&'t str> {
    tags.iter()
        .rfind(|t| same_name(&t.key, name))
        .map(|t| t.value.as_str())
}

/// Whether a name from the request is `lower`, a lowercased name from a policy.
fn same_name(name: &str, lower: &str) -> bool {
    name.chars().flat_map(char::to_lowercase).eq(lower.chars())
}

/// Calls `f` with references to `policies`, on the stack for the usual few.
fn with_refs<R>(policies: &[Policy], f: impl FnOnce(&[&Policy]) -> R) -> R {
    const INLINE: usize = 8;
    match policies.first() {
        None => f(&[]),
        Some(first) if policies.len() <= INLINE => {
            let mut refs = [first; INLINE];
            for (slot, p) in refs.iter_mut().zip(policies) {
                *slot = p;
            }
            f(&refs[..policies.len()])
        }
        Some(_) => f(&policies.iter().collect::<Vec<_>>()),
    }
}

/// AWS's AccessDeniedException: "User: ARN is not authorized to perform: ACTION on resource:
/// ARN because ...".
fn denied(caller: &Caller, action: &str, resource: Option<&str>, reason: Reason) -> Error {
    let clause = reason
        .denial_clause(action)
        .unwrap_or_else(|| format!("because no resource-based policy allows the {action} action"));
    let user = &caller.principal;
    let message = match resource {
        Some(r) => {
            format!("User: {user} is not authorized to perform: {action} on resource: {r} {clause}")
        }
        None => format!("User: {user} is not authorized to perform: {action} {clause}"),
    };
    Error::new(ErrorKind::AccessDenied, message)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use trent_types::{AccountId, KeyId, KeyState, PrincipalArn, Region};

    use super::*;
    use crate::{ADMINISTRATOR_ACCESS, Principal};

    const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const ENCRYPT: OpSpec = OpSpec {
        operation: trent_api::Operation::Encrypt,
        action: "kms:Encrypt",
        key_states: crate::state::ENABLED,
        key_usages: None,
        cross_account: true,
    };
    const DISABLE: OpSpec = OpSpec {
        operation: trent_api::Operation::DisableKey,
        action: "kms:DisableKey",
        key_states: crate::state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn now() -> Timestamp {
        Timestamp::from_millis(1_718_000_000_000)
    }

    fn caller(arn: &str, policies: &[&str]) -> Caller {
        let mut p = Principal::new(PrincipalArn::parse(arn).unwrap()).with_tag("team", "blue");
        for json in policies {
            p = p.with_policy(json).unwrap();
        }
        Caller {
            principal: p.arn.clone(),
            identity: Arc::new(p),
            access_key_id: "AKIA".into(),
            region: Region::parse("us-east-1").unwrap(),
            source_ip: "203.0.113.7".parse().unwrap(),
            user_agent: "aws-sdk-rust/1".into(),
            secure_transport: false,
            request_id: "r".into(),
        }
    }

    fn record(policy: &str) -> KeyRecord {
        KeyRecord {
            region: Region::parse("us-east-1").unwrap(),
            account: AccountId::parse("111122223333").unwrap(),
            key_id: KeyId::parse(KEY_ID).unwrap(),
            description: String::new(),
            key_spec: KeySpec::SymmetricDefault,
            key_usage: KeyUsage::EncryptDecrypt,
            origin: Origin::AwsKms,
            state: KeyState::Enabled,
            creation_date: now(),
            deletion_date: None,
            pending_window_days: None,
            policy: policy.to_owned(),
            multi_region: false,
            current_material: None,
            version: 1,
            rotation: None,
        }
    }

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: k.into(),
            value: v.into(),
        }
    }

    /// Decides `spec` for `caller` on a key of 111122223333 with `policy`.
    fn decide(
        caller: &Caller,
        spec: &OpSpec,
        policy: &str,
        conditions: &Conditions<'_>,
    ) -> Result<(), String> {
        let record = record(policy);
        let parsed = Policy::parse_key_policy(policy).unwrap();
        let key = KeyFacts {
            record: &record,
            arn: ARN,
            policy: Some(&parsed),
            tags: &[],
            aliases: Some(&[]),
            grants: &[],
            multi_region_type: None,
        };
        authorize_key(caller, spec, &key, None, conditions, now()).map_err(|e| {
            let e = e.into_api("r");
            assert_eq!(e.kind, ErrorKind::AccessDenied);
            e.message
        })
    }

    #[test]
    fn a_grant_allows_its_grantee_its_operations_within_its_constraints() {
        let policy = default_policy();
        let record = record(&policy);
        let parsed = Policy::parse_key_policy(&policy).unwrap();
        let grant = GrantRecord {
            region: record.region.clone(),
            key_id: record.key_id.clone(),
            grant_id: trent_types::GrantId([3; 32]),
            name: None,
            grantee: PrincipalArn::parse(ALICE).unwrap(),
            retiring: None,
            operations: vec![trent_types::GrantOperation::Encrypt],
            constraints: trent_store::GrantConstraints {
                equals: None,
                subset: Some([("Dept".to_string(), "IT".to_string())].into()),
            },
            issuing_account: record.account.clone(),
            creation_date: now(),
            token_hash: [0; 32],
        };
        let grants = [grant];
        let key = KeyFacts {
            record: &record,
            arn: ARN,
            policy: Some(&parsed),
            tags: &[],
            aliases: Some(&[]),
            grants: &grants,
            multi_region_type: None,
        };
        let decide = |who: &str, context: Option<&EncryptionContext>| {
            let conditions = match context {
                Some(c) => Conditions::NONE.encryption_context(c),
                None => Conditions::NONE,
            };
            authorize_key(&caller(who, &[]), &ENCRYPT, &key, None, &conditions, now()).is_ok()
        };
        let it = EncryptionContext::from_pairs([
            ("Dept".to_string(), "IT".to_string()),
            ("Project".to_string(), "x".to_string()),
        ])
        .unwrap();
        let hr = EncryptionContext::from_pairs([("Dept".to_string(), "HR".to_string())]).unwrap();
        assert!(decide(ALICE, Some(&it)));
        assert!(!decide(ALICE, Some(&hr)));
        assert!(!decide(ALICE, None));
        assert!(!decide("arn:aws:iam::111122223333:user/bob", Some(&it)));
    }

    fn default_policy() -> String {
        Policy::default_key_policy(&AccountId::parse("111122223333").unwrap())
    }

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
    const CAROL: &str = "arn:aws:iam::444455556666:user/carol";

    #[test]
    fn the_default_policy_delegates_to_identity_policies() {
        let admin = caller(ALICE, &[ADMINISTRATOR_ACCESS]);
        assert_eq!(
            decide(&admin, &ENCRYPT, &default_policy(), &Conditions::NONE),
            Ok(())
        );
        let nobody = caller(ALICE, &[]);
        assert_eq!(
            decide(&nobody, &ENCRYPT, &default_policy(), &Conditions::NONE).unwrap_err(),
            format!(
                "User: {ALICE} is not authorized to perform: kms:Encrypt on resource: {ARN} \
                 because no identity-based policy allows the kms:Encrypt action"
            )
        );
    }

    #[test]
    fn a_key_policy_naming_the_caller_needs_no_identity_policy() {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#
        );
        let alice = caller(ALICE, &[]);
        assert_eq!(decide(&alice, &ENCRYPT, &policy, &Conditions::NONE), Ok(()));
        let e = decide(&alice, &DISABLE, &policy, &Conditions::NONE).unwrap_err();
        assert!(
            e.ends_with("because no resource-based policy allows the kms:DisableKey action"),
            "{e}"
        );
    }

    #[test]
    fn explicit_denies_are_named_as_aws_names_them() {
        let deny_in_key = format!(
            r#"{{"Version":"2012-10-17","Statement":[
                {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:root"}},"Action":"kms:*","Resource":"*"}},
                {{"Effect":"Deny","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#
        );
        let admin = caller(ALICE, &[ADMINISTRATOR_ACCESS]);
        let e = decide(&admin, &ENCRYPT, &deny_in_key, &Conditions::NONE).unwrap_err();
        assert!(
            e.ends_with("on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab with an explicit deny in a resource-based policy"),
            "{e}"
        );
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}"#;
        let denied = caller(ALICE, &[ADMINISTRATOR_ACCESS, deny]);
        let e = decide(&denied, &ENCRYPT, &default_policy(), &Conditions::NONE).unwrap_err();
        assert!(
            e.ends_with("with an explicit deny in an identity-based policy"),
            "{e}"
        );
    }

    #[test]
    fn another_account_needs_both_sides_and_an_operation_that_crosses_accounts() {
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["kms:Encrypt","kms:DisableKey"],"Resource":"*"}]}"#;
        let carol = caller(CAROL, &[ADMINISTRATOR_ACCESS]);
        assert_eq!(decide(&carol, &ENCRYPT, policy, &Conditions::NONE), Ok(()));
        // DisableKey is not a cross-account operation, whatever the policies say.
        let e = decide(&carol, &DISABLE, policy, &Conditions::NONE).unwrap_err();
        assert!(e.contains("because no resource-based policy allows"), "{e}");
        let bare = caller(CAROL, &[]);
        let e = decide(&bare, &ENCRYPT, policy, &Conditions::NONE).unwrap_err();
        assert!(e.contains("because no identity-based policy allows"), "{e}");
        let e = decide(&carol, &ENCRYPT, &default_policy(), &Conditions::NONE).unwrap_err();
        assert!(e.contains("because no resource-based policy allows"), "{e}");
    }

    #[test]
    fn an_unparseable_stored_policy_allows_nothing() {
        let admin = caller(ALICE, &[ADMINISTRATOR_ACCESS]);
        let record = record("{not json");
        let key = KeyFacts {
            record: &record,
            arn: ARN,
            policy: None,
            tags: &[],
            aliases: None,
            grants: &[],
            multi_region_type: None,
        };
        let e = authorize_key(&admin, &ENCRYPT, &key, None, &Conditions::NONE, now());
        assert_eq!(e.unwrap_err().kind(), ErrorKind::AccessDenied);
    }

    /// An identity policy that reads every key in `keys`.
    fn reading(keys: &[&str]) -> String {
        let tests: Vec<String> = keys.iter().map(|k| format!(r#""{k}":"false""#)).collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"Null":{{{}}}}}}}]}}"#,
            tests.join(",")
        )
    }

    const EVERY_KEY: &[&str] = &[
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:username",
        "aws:userid",
        "aws:PrincipalTag/TEAM",
        "aws:SourceIp",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:SecureTransport",
        "aws:UserAgent",
        "aws:RequestedRegion",
        "aws:ResourceTag/project",
        "aws:RequestTag/env",
        "aws:TagKeys",
        "kms:CallerAccount",
        "kms:KeySpec",
        "kms:KeyUsage",
        "kms:KeyOrigin",
        "kms:MultiRegion",
        "kms:MultiRegionKeyType",
        "kms:CustomerMasterKeySpec",
        "kms:CustomerMasterKeyUsage",
        "kms:RotationPeriodInDays",
        "kms:TrailingDaysWithoutKeyUsage",
        "kms:ResourceAliases",
        "kms:RequestAlias",
        "kms:EncryptionContext:purpose",
        "kms:EncryptionContextKeys",
        "kms:EncryptionAlgorithm",
        "kms:SigningAlgorithm",
        "kms:MessageType",
        "kms:MacAlgorithm",
        "kms:KeyAgreementAlgorithm",
        "kms:DataKeyPairSpec",
        "kms:ReEncryptOnSameKey",
        "kms:BypassPolicyLockoutSafetyCheck",
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        "kms:GrantOperations",
        "kms:GranteePrincipal",
        "kms:RetiringPrincipal",
        "kms:GrantConstraintType",
        "kms:GrantIsForAWSResource",
        "kms:WrappingAlgorithm",
        "kms:WrappingKeySpec",
        "kms:ExpirationModel",
        "kms:ValidTo",
    ];

    #[test]
    fn the_context_carries_every_key_of_a_kms_request() {
        let alice = caller(ALICE, &[&reading(EVERY_KEY)]);
        let record = record("{}");
        let tags = [tag("Project", "atlas")];
        let aliases = [
            AliasName::parse("alias/one").unwrap(),
            AliasName::parse("alias/two").unwrap(),
        ];
        let key = KeyFacts {
            record: &record,
            arn: ARN,
            policy: None,
            tags: &tags,
            aliases: Some(&aliases),
            grants: &[],
            multi_region_type: Some(MultiRegionKeyType::Replica),
        };
        let pairs =
            EncryptionContext::from_pairs([("Purpose".to_owned(), "test".to_owned())]).unwrap();
        let request_tags = [tag("env", "prod")];
        let conditions = Conditions::NONE
            .encryption_context(&pairs)
            .encryption_algorithm("SYMMETRIC_DEFAULT")
            .signing_algorithm("ECDSA_SHA_256")
            .message_type("RAW")
            .mac_algorithm("HMAC_SHA_256")
            .key_agreement_algorithm("ECDH")
            .data_key_pair_spec("RSA_2048")
            .re_encrypt_with(ARN)
            .bypass_policy_lockout_safety_check(false)
            .pending_window_in_days(7)
            .rotation_period_in_days(180)
            .trailing_days_without_key_usage(Some(40))
            .request_tags(&request_tags)
            .new_grant(NewGrant {
                operations: &[GrantOperation::Encrypt, GrantOperation::Decrypt],
                grantee: "arn:aws:iam::111122223333:role/Batch",
                retiring: Some(ALICE),
                constraint_types: &["EncryptionContextSubset"],
            })
            .grant_is_for_aws_resource(false)
            .wrapping("RSAES_OAEP_SHA_256", "RSA_4096")
            .expiration("KEY_MATERIAL_EXPIRES", Some(now()));
        let alias = AliasName::parse("alias/one").unwrap();
        let sources = Sources {
            caller: &alice,
            now: now(),
            key: Some(&key),
            request_alias: Some(&alias),
            conditions: &conditions,
        };
        let ctx = context("kms:Encrypt", ARN, &sources, &alice.identity.policies);
        let one = |k: &str| {
            let v = ctx.values(k).unwrap_or_else(|| panic!("{k} is missing"));
            v.iter()
                .map(|v| v.as_str().to_owned())
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(one("aws:PrincipalArn"), ALICE);
        assert_eq!(one("aws:PrincipalAccount"), "111122223333");
        assert_eq!(one("aws:PrincipalType"), "User");
        assert_eq!(one("aws:username"), "alice");
        assert!(one("aws:userid").starts_with("AIDA"));
        // Tag keys match case-insensitively, as condition keys do.
        assert_eq!(one("aws:PrincipalTag/team"), "blue");
        assert_eq!(one("aws:SourceIp"), "203.0.113.7");
        assert_eq!(one("aws:CurrentTime"), now().iso8601());
        assert_eq!(one("aws:EpochTime"), "1718000000");
        assert_eq!(one("kms:WrappingAlgorithm"), "RSAES_OAEP_SHA_256");
        assert_eq!(one("kms:WrappingKeySpec"), "RSA_4096");
        assert_eq!(one("kms:ExpirationModel"), "KEY_MATERIAL_EXPIRES");
        assert_eq!(one("kms:ValidTo"), "1718000000");
        assert_eq!(one("aws:SecureTransport"), "false");
        assert_eq!(one("aws:UserAgent"), "aws-sdk-rust/1");
        assert_eq!(one("aws:RequestedRegion"), "us-east-1");
        assert_eq!(one("aws:ResourceTag/project"), "atlas");
        assert_eq!(one("aws:RequestTag/env"), "prod");
        assert_eq!(one("aws:TagKeys"), "env");
        assert_eq!(one("kms:CallerAccount"), "111122223333");
        assert_eq!(one("kms:KeySpec"), "SYMMETRIC_DEFAULT");
        assert_eq!(one("kms:KeyUsage"), "ENCRYPT_DECRYPT");
        assert_eq!(one("kms:KeyOrigin"), "AWS_KMS");
        assert_eq!(one("kms:MultiRegion"), "false");
        assert_eq!(one("kms:MultiRegionKeyType"), "REPLICA");
        assert_eq!(one("kms:CustomerMasterKeySpec"), "SYMMETRIC_DEFAULT");
        assert_eq!(one("kms:CustomerMasterKeyUsage"), "ENCRYPT_DECRYPT");
        assert_eq!(one("kms:RotationPeriodInDays"), "180");
        assert_eq!(one("kms:TrailingDaysWithoutKeyUsage"), "40");
        assert_eq!(one("kms:ResourceAliases"), "alias/one,alias/two");
        assert_eq!(one("kms:RequestAlias"), "alias/one");
        assert_eq!(one("kms:EncryptionContext:Purpose"), "test");
        assert_eq!(one("kms:EncryptionContextKeys"), "Purpose");
        assert_eq!(one("kms:EncryptionAlgorithm"), "SYMMETRIC_DEFAULT");
        assert_eq!(one("kms:SigningAlgorithm"), "ECDSA_SHA_256");
        assert_eq!(one("kms:MessageType"), "RAW");
        assert_eq!(one("kms:MacAlgorithm"), "HMAC_SHA_256");
        assert_eq!(one("kms:KeyAgreementAlgorithm"), "ECDH");
        assert_eq!(one("kms:DataKeyPairSpec"), "RSA_2048");
        assert_eq!(one("kms:ReEncryptOnSameKey"), "true");
        assert_eq!(one("kms:BypassPolicyLockoutSafetyCheck"), "false");
        assert_eq!(one("kms:ScheduleKeyDeletionPendingWindowInDays"), "7");
        assert_eq!(one("kms:GrantOperations"), "Encrypt,Decrypt");
        assert_eq!(
            one("kms:GranteePrincipal"),
            "arn:aws:iam::111122223333:role/Batch"
        );
        assert_eq!(one("kms:RetiringPrincipal"), ALICE);
        assert_eq!(one("kms:GrantConstraintType"), "EncryptionContextSubset");
        assert_eq!(one("kms:GrantIsForAWSResource"), "false");
        // Past the alias quota, kms:ResourceAliases is left out.
        let key = KeyFacts {
            aliases: None,
            grants: &[],
            multi_region_type: None,
            ..key
        };
        let sources = Sources {
            caller: &alice,
            now: now(),
            key: Some(&key),
            request_alias: None,
            conditions: &Conditions::NONE,
        };
        let ctx = context("kms:Encrypt", ARN, &sources, &alice.identity.policies);
        assert!(ctx.values("kms:ResourceAliases").is_none());
        assert!(ctx.values("kms:RequestAlias").is_none());
        assert!(ctx.values("kms:EncryptionContextKeys").is_none());
        // A key no policy reads is left out.
        let bare = caller(ALICE, &[ADMINISTRATOR_ACCESS]);
        let sources = Sources {
            caller: &bare,
            ..sources
        };
        let ctx = context("kms:Encrypt", ARN, &sources, &bare.identity.policies);
        assert!(ctx.values("aws:SourceIp").is_none());
        assert!(ctx.values("aws:PrincipalArn").is_some());
    }

    #[test]
    fn identity_policies_alone_decide_actions_on_no_key() {
        let allow_create = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"}]}"#;
        let keys_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"arn:aws:kms:*:111122223333:key/*"}]}"#;
        let check = |c: &Caller, named| {
            authorize_identity(c, "kms:CreateKey", "*", named, &Conditions::NONE, now())
                .map_err(|e| e.into_api("r").message)
        };
        assert_eq!(check(&caller(ALICE, &[allow_create]), true), Ok(()));
        // CreateKey's resource is `*`: a policy that names key ARNs does not allow it.
        assert_eq!(
            check(&caller(ALICE, &[keys_only]), true).unwrap_err(),
            format!(
                "User: {ALICE} is not authorized to perform: kms:CreateKey on resource: * \
                 because no identity-based policy allows the kms:CreateKey action"
            )
        );
        assert_eq!(
            check(&caller(ALICE, &[]), false).unwrap_err(),
            format!(
                "User: {ALICE} is not authorized to perform: kms:CreateKey \
                 because no identity-based policy allows the kms:CreateKey action"
            )
        );
        // The account root holds every permission of its account.
        assert_eq!(
            check(&caller("arn:aws:iam::111122223333:root", &[]), true),
            Ok(())
        );
    }

    #[test]
    fn the_lockout_check_follows_the_delegation_to_iam() {
        let record = record("{}");
        let key = KeyFacts {
            record: &record,
            arn: ARN,
            policy: None,
            tags: &[],
            aliases: Some(&[]),
            grants: &[],
            multi_region_type: None,
        };
        let root_only = Policy::parse_key_policy(&default_policy()).unwrap();
        let admin = caller(ALICE, &[ADMINISTRATOR_ACCESS]);
        assert!(lockout_check(&admin, &root_only, &key, now()).is_ok());
        let nobody = caller(ALICE, &[]);
        let e = lockout_check(&nobody, &root_only, &key, now()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MalformedPolicyDocument);
        assert_eq!(
            e.into_api("r").message,
            "The new key policy will not allow you to update the key policy in the future."
        );
        let named = Policy::parse_key_policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"kms:PutKeyPolicy","Resource":"*"}}]}}"#
        ))
        .unwrap();
        assert!(lockout_check(&nobody, &named, &key, now()).is_ok());
    }
}
