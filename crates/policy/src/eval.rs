//! Evaluation: one policy against one request, and KMS's combination of the key policy, the
//! caller's identity policies and grants.
//!
//! Within one policy (IAM "Policy evaluation logic"): a statement applies when its principal
//! element reaches the caller, its action and resource elements match, and every condition
//! holds. "An explicit deny in any policy overrides any allows"; without one, a request is
//! allowed only if some statement allows it; otherwise it is implicitly denied.
//!
//! - `Action` matches when any pattern matches the action, case-insensitively with `*` and
//!   `?`; `NotAction` when none does. `Resource` matches when any pattern matches the
//!   resource ARN (case-sensitive, `*` and `?`, policy variables); `NotResource` when none
//!   does. A resource pattern whose variable cannot be resolved matches nothing and makes a
//!   `NotResource` statement inapplicable (see `pattern.rs`).

use crate::context::RequestContext;
use crate::parse::{Effect, PatternSpec, Policy, PrincipalSpec, Statement};
use crate::pattern::Tri;
use crate::principal::Reach;

/// The verdict of a policy, or of all policies together, on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    /// A statement with `"Effect": "Deny"` applies; nothing can override it.
    ExplicitDeny,
    /// Nothing denies, and nothing allows.
    ImplicitDeny,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// What one policy says about one request, in the detail [`authorize`] needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Evaluation {
    /// A `Deny` statement applies (to the caller, or to the caller's account).
    pub explicit_deny: bool,
    /// An `Allow` statement applies to the caller itself: `"*"`, its ARN, the account if the
    /// caller is the account root, a `NotPrincipal` that excludes it not, or — in an identity
    /// policy — any statement.
    pub allows_principal: bool,
    /// An `Allow` statement names the caller's account (`"111122223333"` or
    /// `arn:aws:iam::111122223333:root`) and the caller is not the root: a delegation to the
    /// account's identity policies, which only [`authorize`] can complete.
    pub allows_account: bool,
}

impl Evaluation {
    /// The decision of this policy alone: an account-level allow is not an allow by itself.
    pub fn decision(&self) -> Decision {
        if self.explicit_deny {
            Decision::ExplicitDeny
        } else if self.allows_principal {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

impl Policy {
    /// Evaluates the request against this policy alone. For a key policy, `Allow` means the
    /// policy allows the caller itself; a statement that allows only the caller's account
    /// gives `ImplicitDeny` here — use [`authorize`] for KMS's full decision.
    pub fn evaluate(&self, ctx: &RequestContext) -> Decision {
        self.evaluate_detailed(ctx).decision()
    }

    /// Evaluates the request against this policy alone, keeping apart allows of the caller
    /// and allows of its account.
    pub fn evaluate_detailed(&self, ctx: &RequestContext) -> Evaluation {
        let mut out = Evaluation::default();
        for statement in self.statements.iter() {
            let Some(reach) = statement.reach(ctx) else {
                continue;
            };
            match statement.effect {
                Effect::Deny => {
                    if statement.matches_rest(ctx) {
                        out.explicit_deny = true;
                        return out;
                    }
                }
                Effect::Allow => {
                    let known = match reach {
                        Reach::Principal => &mut out.allows_principal,
                        Reach::Account => &mut out.allows_account,
                    };
                    // Nothing more to learn from another allow of the same reach.
                    if !*known && statement.matches_rest(ctx) {
                        *known = true;
                    }
                }
            }
        }
        out
    }
}

impl Statement {
    /// The cheap checks first: the action, then the principal.
    fn reach(&self, ctx: &RequestContext) -> Option<Reach> {
        let action = ctx.action_lower();
        let action_matches = match &self.action {
            PatternSpec::Is(patterns) => patterns
                .iter()
                .any(|p| p.matches(action, ctx) == Tri::Match),
            PatternSpec::Not(patterns) => patterns
                .iter()
                .all(|p| p.matches(action, ctx) == Tri::NoMatch),
            PatternSpec::Missing => false,
        };
        if !action_matches {
            return None;
        }
        match &self.principal {
            PrincipalSpec::Caller => Some(Reach::Principal),
            PrincipalSpec::Is(principals) => principals.reach(ctx),
            PrincipalSpec::Not(principals) => principals.reach_excluding(ctx),
        }
    }

    /// The resource and the conditions.
    fn matches_rest(&self, ctx: &RequestContext) -> bool {
        let resource = ctx.resource();
        let resource_matches = match &self.resource {
            PatternSpec::Is(patterns) => patterns
                .iter()
                .any(|p| p.matches(resource, ctx) == Tri::Match),
            PatternSpec::Not(patterns) => patterns
                .iter()
                .all(|p| p.matches(resource, ctx) == Tri::NoMatch),
            PatternSpec::Missing => false,
        };
        resource_matches && self.conditions.iter().all(|c| c.holds(ctx))
    }
}

/// Why [`authorize_explained`] decided as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The key policy allows the caller itself.
    KeyPolicy,
    /// The key policy allows the caller's account, and an identity policy of the caller
    /// allows the request.
    KeyPolicyAndIdentityPolicy,
    /// A grant allows the operation.
    Grant,
    /// A `Deny` in the key policy applies.
    ExplicitDenyInKeyPolicy,
    /// A `Deny` in an identity policy applies.
    ExplicitDenyInIdentityPolicy,
    /// The key policy allows neither the caller nor (usefully) its account.
    NoKeyPolicyAllows,
    /// The key policy delegates to identity policies, and none allows the request.
    NoIdentityPolicyAllows,
}

impl Reason {
    /// The end of AWS's `AccessDeniedException` message for a refusal ("User: ARN is not
    /// authorized to perform: ACTION on resource: ARN ..."), or `None` for an allow.
    pub fn denial_clause(self, action: &str) -> Option<String> {
        match self {
            Reason::KeyPolicy | Reason::KeyPolicyAndIdentityPolicy | Reason::Grant => None,
            Reason::ExplicitDenyInKeyPolicy => {
                Some("with an explicit deny in a resource-based policy".to_owned())
            }
            Reason::ExplicitDenyInIdentityPolicy => {
                Some("with an explicit deny in an identity-based policy".to_owned())
            }
            Reason::NoKeyPolicyAllows => Some(format!(
                "because no resource-based policy allows the {action} action"
            )),
            Reason::NoIdentityPolicyAllows => Some(format!(
                "because no identity-based policy allows the {action} action"
            )),
        }
    }
}

/// A decision with its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Authorization {
    pub decision: Decision,
    pub reason: Reason,
}

/// AWS KMS's decision for a request on a key ([`authorize_explained`] without the reason).
pub fn authorize(
    key_policy: &Policy,
    identity_policies: &[&Policy],
    grants_allow: bool,
    ctx: &RequestContext,
) -> Decision {
    authorize_explained(key_policy, identity_policies, grants_allow, ctx).decision
}

/// AWS KMS's decision for a request on a key, given the key's policy, the caller's identity
/// policies, and whether a grant on the key allows the operation for the caller (with its
/// constraints already checked by the caller of this function).
///
/// The procedure (KMS "Key policies", "Default key policy", "Allowing users in other accounts
/// to use a KMS key"; IAM "Policy evaluation logic", "Cross-account policy evaluation logic"):
///
/// 1. An explicit deny in the key policy or in any identity policy refuses the request, even
///    when a grant would allow it.
/// 2. Same account (the caller belongs to the key's account):
///    - the key policy allows the request if a statement names the caller itself (its ARN, or
///      `"*"`); no identity policy is needed;
///    - a statement that names the *account* — `"AWS": "arn:aws:iam::111122223333:root"` or
///      `"AWS": "111122223333"`, the two being the same principal — does not allow any user
///      or role by itself. It allows the account, and so delegates the decision to IAM: the
///      request is allowed when, in addition, an identity policy of the caller allows it.
///      This is what the default key policy's "Enable IAM User Permissions" statement does,
///      and why, without it (or another statement naming the account), IAM policies grant
///      nothing on the key. The account root itself is the account, and is allowed by such a
///      statement directly.
/// 3. Cross account (the caller belongs to another account): both sides must allow. The key
///    policy must allow the caller or the caller's account, *and* an identity policy in the
///    caller's account must allow the request — even when the key policy names the caller
///    exactly. The account root of the other account needs no identity policy (no identity
///    policy can be attached to a root, which holds every permission of its account).
/// 4. Otherwise a grant that allows the operation allows it (grants work across accounts and
///    need no identity policy).
/// 5. Otherwise the request is implicitly denied.
pub fn authorize_explained(
    key_policy: &Policy,
    identity_policies: &[&Policy],
    grants_allow: bool,
    ctx: &RequestContext,
) -> Authorization {
    authorize_explained_with(key_policy, identity_policies, || grants_allow, ctx)
}

/// [`authorize_explained`] with the grants asked only when the policies leave the request
/// undecided: a key with many grants costs nothing extra to a caller the policies allow or
/// deny.
pub fn authorize_explained_with(
    key_policy: &Policy,
    identity_policies: &[&Policy],
    grants_allow: impl FnOnce() -> bool,
    ctx: &RequestContext,
) -> Authorization {
    let deny = |reason| Authorization {
        decision: Decision::ExplicitDeny,
        reason,
    };
    let allow = |reason| Authorization {
        decision: Decision::Allow,
        reason,
    };
    let key = key_policy.evaluate_detailed(ctx);
    if key.explicit_deny {
        return deny(Reason::ExplicitDenyInKeyPolicy);
    }
    let mut identity_allows = ctx.principal_is_root();
    for policy in identity_policies {
        match policy.evaluate(ctx) {
            Decision::ExplicitDeny => return deny(Reason::ExplicitDenyInIdentityPolicy),
            Decision::Allow => identity_allows = true,
            Decision::ImplicitDeny => {}
        }
    }
    let key_names_caller_or_account = key.allows_principal || key.allows_account;
    if ctx.same_account() {
        if key.allows_principal {
            return allow(Reason::KeyPolicy);
        }
        if key.allows_account && identity_allows {
            return allow(Reason::KeyPolicyAndIdentityPolicy);
        }
    } else if key_names_caller_or_account && identity_allows {
        return allow(if key.allows_principal && ctx.principal_is_root() {
            Reason::KeyPolicy
        } else {
            Reason::KeyPolicyAndIdentityPolicy
        });
    }
    if grants_allow() {
        return allow(Reason::Grant);
    }
    let reason = if key_names_caller_or_account {
        Reason::NoIdentityPolicyAllows
    } else {
        Reason::NoKeyPolicyAllows
    };
    Authorization {
        decision: Decision::ImplicitDeny,
        reason,
    }
}
