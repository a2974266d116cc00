//! CreateGrant: lets a grantee principal use one key for some operations, optionally only
//! with a given encryption context, until the grant is retired or revoked. Returns the grant's
//! id and a grant token that works at once ([`crate::grant_tokens`]).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use trent_api::ops::create_grant::{Request, Response};
use trent_api::shapes::GrantConstraints as WireConstraints;
use trent_api::{ErrorKind, Operation};
use trent_store::{GrantConstraints, GrantCreated, GrantLimits, GrantRecord, Store};
use trent_types::{EncryptionContext, GrantId, GrantOperation, KeySpec, PrincipalArn};

use super::{Ctx, Handler, OpSpec, dry_run, need};
use crate::authz::{self, Conditions, KeyFacts, NewGrant};
use crate::keys::KeyView;
use crate::{Error, Result, grant_tokens, grants, state};

#[derive(Debug)]
pub struct Op;

/// AWS's quotas: grants per KMS key, and grants for one grantee principal per KMS key.
pub const LIMITS: GrantLimits = GrantLimits {
    per_key: 50_000,
    per_grantee: 500,
};

/// Most pairs one encryption-context constraint may hold.
const MAX_CONSTRAINT_PAIRS: usize = 8;
/// Longest encryption-context value a constraint may hold, in characters.
const MAX_CONSTRAINT_VALUE: usize = 384;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::CreateGrant,
        action: "kms:CreateGrant",
        key_states: state::MUTABLE,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "granteePrincipal": req.grantee_principal,
            "retiringPrincipal": req.retiring_principal,
            "operations": req.operations,
            "constraints": req.constraints,
            "name": req.name,
            "dryRun": req.dry_run,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        if req.grantee_service_principal.is_some() || req.retiring_service_principal.is_some() {
            return Err(no_service_principals());
        }
        let grantee = principal(req.grantee_principal.as_deref().ok_or_else(|| {
            Error::validation("GranteePrincipal or GranteeServicePrincipal is required.")
        })?)?;
        let retiring = req
            .retiring_principal
            .as_deref()
            .map(principal)
            .transpose()?;
        let operations = operations(need(req.operations, "Operations")?)?;
        let constraints = constraints(req.constraints)?;
        let name = req.name;

        let constraint_types = constraint_types(&constraints);
        let constraint_context = constraint_context(&constraints);
        let mut conditions = Conditions::NONE
            .new_grant(NewGrant {
                operations: &operations,
                grantee: grantee.as_str(),
                retiring: retiring.as_ref().map(PrincipalArn::as_str),
                constraint_types: &constraint_types,
            })
            .grant_is_for_aws_resource(false);
        if let Some(context) = &constraint_context {
            conditions = conditions.encryption_context(context);
        }
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let view = cx
            .svc
            .preflight_key(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        let record = &view.record;
        check_for_key(&view, &operations, &constraints)?;
        delegation_check(cx, &view, &conditions, &operations, &constraints).await?;
        dry_run(req.dry_run)?;

        let mut grant = GrantRecord {
            region: record.region.clone(),
            key_id: record.key_id.clone(),
            grant_id: new_grant_id()?,
            name,
            grantee,
            retiring,
            operations,
            constraints,
            issuing_account: cx.caller.account().clone(),
            creation_date: cx.svc.clock().now(),
            token_hash: [0; 32],
        };
        grant.token_hash = grant_tokens::facts_hash(&grant)?;
        let grant = match cx.svc.store().create_grant(&grant, LIMITS).await {
            Ok(GrantCreated::New) => {
                cx.svc.invalidate_key(&grant.region, &grant.key_id);
                grant
            }
            Ok(GrantCreated::Existing(existing)) => *existing,
            Ok(GrantCreated::LimitReached) => {
                return Err(limit_exceeded(format!(
                    "KMS key {} already has the maximum number of grants ({}).",
                    view.arn, LIMITS.per_key
                )));
            }
            Ok(GrantCreated::GranteeLimitReached) => {
                return Err(limit_exceeded(format!(
                    "The grantee principal {} already has the maximum number of grants ({}) \
                     for KMS key {}.",
                    grant.grantee, LIMITS.per_grantee, view.arn
                )));
            }
            Err(trent_store::StoreError::NotFound) => {
                return Err(crate::keys::key_not_found(&view.arn));
            }
            Err(e) => return Err(e.into()),
        };
        let token = grant_tokens::issue(cx.svc.sealer().grant_token_key(), &grant)?;
        Ok(Response {
            grant_id: Some(grant.grant_id.to_hex()),
            grant_token: Some(trent_api::SecretString::new(token)),
        })
    }
}

/// What the key's type allows a grant: operations the key can perform; encryption-context
/// constraints only on a symmetric encryption key, and only with operations they can apply
/// to (or that they leave alone: DescribeKey and the grant operations).
fn check_for_key(
    view: &KeyView,
    operations: &[GrantOperation],
    constraints: &GrantConstraints,
) -> Result<()> {
    let record = &view.record;
    if let Some(op) = operations
        .iter()
        .find(|op| !grants::valid_for_key(**op, record.key_spec, record.key_usage))
    {
        return Err(Error::validation(format!(
            "Grant operation {op} is not valid for KMS key {} (key spec {}, key usage {}).",
            view.arn, record.key_spec, record.key_usage
        )));
    }
    if *constraints == GrantConstraints::default() {
        return Ok(());
    }
    if record.key_spec != KeySpec::SymmetricDefault {
        return Err(Error::validation(format!(
            "Encryption context grant constraints are supported only on symmetric encryption \
             KMS keys; {} is not one.",
            view.arn
        )));
    }
    if let Some(op) = operations.iter().find(|op| !grants::constrainable(**op)) {
        return Err(Error::validation(format!(
            "Grant operation {op} does not take an encryption context and cannot be used with \
             an encryption context grant constraint."
        )));
    }
    Ok(())
}

/// When only a grant lets the caller create grants (policies alone would not), the new grant
/// may hold no more than that grant: its operations or fewer, its constraint or a stricter
/// one ("Grants in AWS KMS": the CreateGrant grant operation).
async fn delegation_check(
    cx: &Ctx<'_>,
    view: &KeyView,
    conditions: &Conditions<'_>,
    operations: &[GrantOperation],
    constraints: &GrantConstraints,
) -> Result<()> {
    let spec = &<Op as Handler>::SPEC;
    let without_grants = KeyFacts {
        grants: &[],
        ..view.facts()
    };
    let now = cx.svc.clock().now();
    let policies_allow =
        authz::authorize_key(cx.caller, spec, &without_grants, None, conditions, now).is_ok();
    if policies_allow {
        return Ok(());
    }
    let tokens = cx.svc.request_token_grants(cx).await?;
    let request = grants::GrantRequest {
        principal: &cx.caller.principal,
        action: spec.action,
        region: &view.record.region,
        key_id: &view.record.key_id,
        context: None,
    };
    let delegable = view
        .grants
        .iter()
        .chain(&tokens)
        .filter(|g| grants::allows(g, &request))
        .any(|g| grants::may_delegate(g, operations, constraints));
    if delegable {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::AccessDenied,
        format!(
            "User: {} is not authorized to perform: kms:CreateGrant on resource: {} because \
             the grant that allows it does not allow these operations or a looser constraint",
            cx.caller.principal, view.arn
        ),
    ))
}

/// A grantee or retiring principal: the ARN of an account root, an IAM user or an IAM role.
pub(crate) fn principal(arn: &str) -> Result<PrincipalArn> {
    PrincipalArn::parse(arn).ok_or_else(|| {
        Error::validation(format!(
            "Invalid principal: {arn}. Specify the ARN of an AWS account (root), an IAM user \
             or an IAM role."
        ))
    })
}

/// AWS service principals (`GranteeServicePrincipal`, `RetiringServicePrincipal`): Trent
/// has no AWS services to stand for.
pub(crate) fn no_service_principals() -> Error {
    Error::new(
        ErrorKind::UnsupportedOperation,
        "Service principals are not supported by Trent.",
    )
}

/// The grant operations, each once, in the order given.
fn operations(names: Vec<String>) -> Result<Vec<GrantOperation>> {
    let mut out = Vec::with_capacity(names.len());
    for name in &names {
        let op = GrantOperation::parse(name)
            .ok_or_else(|| Error::validation(format!("Invalid grant operation: {name}")))?;
        if !out.contains(&op) {
            out.push(op);
        }
    }
    if out.is_empty() {
        return Err(Error::validation(
            "Operations must name at least one grant operation.",
        ));
    }
    Ok(out)
}

/// The request's constraints, checked as KMS checks them: encryption contexts of up to 8
/// pairs, values of up to 384 characters; `SourceArn` is for service principals, which Trent
/// does not have.
fn constraints(wire: Option<WireConstraints>) -> Result<GrantConstraints> {
    let Some(wire) = wire else {
        return Ok(GrantConstraints::default());
    };
    if wire.source_arn.is_some() {
        return Err(Error::new(
            ErrorKind::UnsupportedOperation,
            "The SourceArn grant constraint applies to service principals, which Trent does \
             not support.",
        ));
    }
    let check = |name: &str, map: Option<BTreeMap<String, String>>| -> Result<_> {
        let Some(map) = map else { return Ok(None) };
        if map.len() > MAX_CONSTRAINT_PAIRS {
            return Err(Error::validation(format!(
                "{name} can hold at most {MAX_CONSTRAINT_PAIRS} encryption context pairs."
            )));
        }
        if map
            .values()
            .any(|v| v.chars().count() > MAX_CONSTRAINT_VALUE)
        {
            return Err(Error::validation(format!(
                "The values in {name} cannot exceed {MAX_CONSTRAINT_VALUE} characters."
            )));
        }
        let context = EncryptionContext::from_pairs(map)
            .map_err(|e| Error::validation(format!("{name}: {e}")))?;
        Ok(Some(context.as_map().clone()))
    };
    Ok(GrantConstraints {
        equals: check("EncryptionContextEquals", wire.encryption_context_equals)?,
        subset: check("EncryptionContextSubset", wire.encryption_context_subset)?,
    })
}

/// `kms:EncryptionContext:KEY` and `kms:EncryptionContextKeys` of a CreateGrant: the pairs of
/// its encryption-context constraint, as AWS's condition-key reference says; `None` without
/// one.
fn constraint_context(constraints: &GrantConstraints) -> Option<EncryptionContext> {
    let pairs = constraints
        .equals
        .iter()
        .chain(&constraints.subset)
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()));
    EncryptionContext::from_pairs(pairs)
        .ok()
        .filter(|c| !c.is_empty())
}

/// `kms:GrantConstraintType`: the constraint types the request has.
fn constraint_types(constraints: &GrantConstraints) -> Vec<&'static str> {
    let mut types = Vec::new();
    if constraints.equals.is_some() {
        types.push("EncryptionContextEquals");
    }
    if constraints.subset.is_some() {
        types.push("EncryptionContextSubset");
    }
    types
}

fn new_grant_id() -> Result<GrantId> {
    let bytes = trent_crypto::random_bytes(32).map_err(Error::internal)?;
    let mut id = [0; 32];
    id.copy_from_slice(bytes.as_bytes());
    Ok(GrantId(id))
}

fn limit_exceeded(message: String) -> Error {
    Error::new(ErrorKind::LimitExceeded, message)
}
