//! ReplicateKey: a replica of a multi-Region primary key in another region of this
//! deployment — same key id, spec, usage, origin and material (every material, so it
//! decrypts what the primary encrypted before), with its own policy (AWS's default key policy
//! unless one is given), description and tags.
//!
//! A primary with imported material (origin EXTERNAL) is replicated without material, as
//! AWS does: the replica is `PendingImport` until the same material is imported into it
//! (ImportKeyMaterial), whatever the primary holds, and the primary may itself still be
//! `PendingImport`. It takes the primary's older materials in the state they have there, and
//! lacks the primary's new material (if any is waiting for rotation) until it imports it:
//! the primary shows that material PENDING_MULTI_REGION_IMPORT_AND_ROTATION again.
//!
//! Authorized as AWS authorizes it: `kms:ReplicateKey` on the primary (its key policy, with
//! `kms:ReplicaRegion`), and `kms:CreateKey` (plus `kms:TagResource` when tags are given) in
//! the caller's identity policies. AWS shows a new replica `Creating` for a few seconds;
//! Trent stores it whole before it answers, so it is `Enabled` at once.

use serde_json::{Value, json};
use trent_api::ops::replicate_key::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{KeyRecord, MaterialRecord, Store, StoreError, Tag};
use trent_types::{KeyState, MultiRegionKeyType, Origin, Region};

use super::create_key::{
    invalid_principal, new_key_lockout_check, policy_or_default, unknown_principal,
};
use super::{Ctx, Handler, MAX_TAGS, OpSpec, key_metadata, need, tags, wire_tags};
use crate::authz::{self, Conditions, NewKey};
use crate::{Error, Result, keys, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ReplicateKey,
        action: "kms:ReplicateKey",
        key_states: state::REPLICABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "replicaRegion": req.replica_region,
            "description": req.description,
            "policy": req.policy,
            "bypassPolicyLockoutSafetyCheck": req.bypass_policy_lockout_safety_check.unwrap_or(false),
            "tags": req.tags.as_ref().map(|t| t.iter().map(|t| json!({"tagKey": t.tag_key, "tagValue": t.tag_value})).collect::<Vec<_>>()),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let region_name = need(req.replica_region.as_deref(), "ReplicaRegion")?;
        let replica_region = Region::parse(region_name)
            .ok_or_else(|| Error::validation(format!("{region_name} is not a valid Region.")))?;
        let ask = Ask {
            key_ref,
            region_name,
            replica_region,
            tags: tags(req.tags.unwrap_or_default())?,
            bypass: req.bypass_policy_lockout_safety_check.unwrap_or(false),
            policy: req.policy,
            description: req.description,
        };
        // A primary changed while its material was being copied (rotated, say) refuses the
        // replica; the copy is made again.
        const ATTEMPTS: usize = 8;
        for _ in 0..ATTEMPTS {
            if let Some(response) = attempt(cx, &ask).await? {
                return Ok(response);
            }
        }
        // KMSInternalException is the one ReplicateKey error that says "retry".
        Err(Error::new(
            ErrorKind::KmsInternal,
            "The primary key was changed by other requests at the same time. Retry the request.",
        ))
    }
}

/// What a ReplicateKey request asks for, checked.
struct Ask<'r> {
    key_ref: &'r str,
    region_name: &'r str,
    replica_region: Region,
    tags: Vec<Tag>,
    bypass: bool,
    policy: Option<String>,
    description: Option<String>,
}

/// One try at replicating: `None` if the primary changed before the replica was stored.
async fn attempt(cx: &Ctx<'_>, ask: &Ask<'_>) -> Result<Option<Response>> {
    let Ask {
        key_ref,
        region_name,
        tags,
        bypass,
        ..
    } = ask;
    let (bypass, replica_region) = (*bypass, ask.replica_region.clone());
    let conditions = Conditions::NONE.replica_region(replica_region.as_str());
    let target = cx.svc.resolve(cx.caller, key_ref).await?;
    let view = cx
        .svc
        .preflight_view(cx, &Op::SPEC, &target, &conditions)
        .await?;
    let primary = &view.record;
    let set = match cx.svc.related_keys(primary).await? {
        Some(set) => set,
        None => {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                format!("{} is not a multi-Region key.", view.arn),
            ));
        }
    };
    if set.primary_region != primary.region {
        return Err(Error::new(
            ErrorKind::UnsupportedOperation,
            format!(
                "{} is a multi-Region replica key. Only a primary key can be replicated.",
                view.arn
            ),
        ));
    }
    if replica_region == primary.region {
        return Err(Error::validation(format!(
            "The replica Region {region_name} must differ from the primary key's Region."
        )));
    }
    let replica_arn = keys::key_arn(&replica_region, &primary.account, &primary.key_id);
    if set.in_region(&replica_region).is_some() {
        return Err(already_exists(&replica_arn));
    }
    cx.touched(&replica_arn);

    // Creating the replica is a CreateKey in its region, as far as IAM is concerned.
    let new_key = NewKey {
        key_spec: primary.key_spec,
        key_usage: primary.key_usage,
        origin: primary.origin,
        multi_region: true,
        multi_region_type: Some(MultiRegionKeyType::Replica),
    };
    let create = Conditions::NONE
        .new_key(new_key)
        .bypass_policy_lockout_safety_check(bypass)
        .request_tags(tags);
    let now = cx.svc.clock().now();
    authz::authorize_identity(cx.caller, "kms:CreateKey", "*", true, &create, now)?;
    if !tags.is_empty() {
        authz::authorize_identity(cx.caller, "kms:TagResource", "*", false, &create, now)?;
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::new(
            ErrorKind::Tag,
            format!("A KMS key can have at most {MAX_TAGS} tags."),
        ));
    }
    let check_lockout = ask.policy.is_some() && !bypass;
    let (policy_text, policy) = policy_or_default(ask.policy.clone(), &primary.account)?;
    if let Some(arn) = unknown_principal(cx, &policy).await? {
        return Err(invalid_principal(&arn));
    }
    // Imported material is never copied: each related key takes it by its own import.
    let external = primary.origin == Origin::External;
    let replica = KeyRecord {
        region: replica_region,
        account: primary.account.clone(),
        key_id: primary.key_id.clone(),
        description: ask.description.clone().unwrap_or_default(),
        key_spec: primary.key_spec,
        key_usage: primary.key_usage,
        origin: primary.origin,
        state: if external {
            KeyState::PendingImport
        } else {
            KeyState::Enabled
        },
        creation_date: now,
        deletion_date: None,
        pending_window_days: None,
        policy: policy_text,
        multi_region: true,
        current_material: if external {
            None
        } else {
            primary.current_material
        },
        // The shared rotation schedule stays with the primary.
        rotation: None,
        version: 1,
    };
    if check_lockout {
        let key_type = Some(MultiRegionKeyType::Replica);
        new_key_lockout_check(cx, &policy, &replica, &replica_arn, tags, key_type, now)?;
    }

    let materials = if external {
        Vec::new()
    } else {
        copy_materials(cx, primary, &view.arn, &replica, &replica_arn).await?
    };
    match cx
        .svc
        .store()
        .create_replica_key(primary, &replica, &materials, tags)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            // The replica exists by now, or the primary changed: try again.
            return match cx.svc.store().key(&replica.region, &replica.key_id).await? {
                Some(_) => Err(already_exists(&replica_arn)),
                None => Ok(None),
            };
        }
        Err(StoreError::NotFound) => return Err(keys::key_not_found(&view.arn)),
        Err(e) => return Err(e.into()),
    }
    cx.svc.invalidate_key(&primary.region, &primary.key_id);
    cx.svc.invalidate_key(&replica.region, &replica.key_id);

    let mut metadata = key_metadata(&replica);
    let mut set = set;
    set.keys.push(replica.clone());
    set.keys
        .sort_by(|a, b| a.region.as_str().cmp(b.region.as_str()));
    metadata.multi_region_configuration = Some(multi_region::configuration(&set, &replica.region));
    Ok(Some(Response {
        replica_key_metadata: Some(metadata),
        replica_policy: Some(replica.policy),
        replica_tags: Some(wire_tags(tags.clone())),
    }))
}

/// Every material of the primary, opened and sealed again under the replica's ARN (the seal
/// binds the ARN): same ids, states and dates.
async fn copy_materials(
    cx: &Ctx<'_>,
    primary: &KeyRecord,
    primary_arn: &str,
    replica: &KeyRecord,
    replica_arn: &str,
) -> Result<Vec<MaterialRecord>> {
    let sealer = cx.svc.sealer();
    let stored = cx
        .svc
        .store()
        .materials(&primary.region, &primary.key_id)
        .await?;
    stored
        .into_iter()
        .map(|m| {
            let material = sealer
                .unseal(primary_arn, &m.material_id, &m.sealed)
                .map_err(|e| {
                    Error::internal(format!("unsealing material of {primary_arn}: {e}"))
                })?;
            let sealed = sealer
                .seal(replica_arn, &m.material_id, &material)
                .map_err(Error::internal)?;
            Ok(MaterialRecord {
                region: replica.region.clone(),
                sealed,
                ..m
            })
        })
        .collect()
}

fn already_exists(replica_arn: &str) -> Error {
    Error::new(
        ErrorKind::AlreadyExists,
        format!("Key {replica_arn} already exists."),
    )
}
