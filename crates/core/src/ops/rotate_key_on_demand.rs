//! RotateKeyOnDemand: new material for a symmetric key now, whatever its automatic schedule
//! (which it leaves alone), up to AWS's limit of on-demand rotations per key. A key of
//! imported material rotates to the new material imported into it (PENDING_ROTATION); a
//! multi-Region primary of imported material rotates with its replicas, once every replica
//! has imported that material too.

use serde_json::{Value, json};
use trent_api::ops::rotate_key_on_demand::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::Store;
use trent_types::RotationType;

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::rotation::{self, ON_DEMAND_LIMIT, check_rotatable};
use crate::{Error, Result, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::RotateKeyOnDemand,
        action: "kms:RotateKeyOnDemand",
        key_states: state::ENABLED,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        // A lost race with a change that was not a rotation (a new description, say) is
        // retried; one with another rotation is the ConflictException AWS answers while a
        // rotation is in progress.
        const ATTEMPTS: usize = 8;
        // The current material when the last attempt lost its race.
        let mut lost_at = None;
        for _ in 0..ATTEMPTS {
            let (record, arn) = cx
                .svc
                .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
                .await?;
            if lost_at.is_some_and(|current| current != record.current_material) {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("{arn} is being rotated by another request. Retry later."),
                ));
            }
            multi_region::refuse_replica(cx.svc.related_keys(&record).await?.as_ref(), &record)?;
            // An imported symmetric key rotates to the new material imported into it.
            let imported = rotation::imports_rotate(&record);
            if !imported {
                check_rotatable(&record)?;
            }
            // Read after the record: a rotation committed in between moves the key's
            // version, so the count below can only be stale if the rotation is refused.
            let materials = cx
                .svc
                .store()
                .materials(&record.region, &record.key_id)
                .await?;
            let on_demand = materials
                .iter()
                .filter(|m| m.rotation_type == Some(RotationType::OnDemand))
                .count();
            if on_demand >= ON_DEMAND_LIMIT {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    format!(
                        "{arn} has reached the limit of {ON_DEMAND_LIMIT} on-demand rotations."
                    ),
                ));
            }
            let rotated = if imported {
                cx.svc.rotate_imported(&record).await?
            } else {
                cx.svc.rotate(&record, RotationType::OnDemand).await?
            };
            if rotated.is_some() {
                return Ok(Response {
                    key_id: Some(record.key_id.as_str().to_owned()),
                });
            }
            lost_at = Some(record.current_material);
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "The key was changed by another request at the same time. Retry the request.",
        ))
    }
}
