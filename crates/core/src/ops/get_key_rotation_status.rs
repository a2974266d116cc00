//! GetKeyRotationStatus: whether a key rotates automatically, how often, and when next.
//! Keys that cannot rotate (asymmetric, HMAC, imported) answer that they do not, and so do
//! keys pending deletion.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::get_key_rotation_status::{Request, Response};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, state};
use trent_types::KeyState;

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GetKeyRotationStatus,
        action: "kms:GetKeyRotationStatus",
        key_states: state::ANY,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let (record, arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        // A replica shares its primary's automatic rotation, which the primary holds.
        let rotation = match cx.svc.related_keys(&record).await? {
            Some(set) if set.primary_region != record.region => {
                set.primary().and_then(|p| p.rotation)
            }
            _ => record.rotation,
        };
        // While a key is pending deletion its status reads false; the schedule is kept, so
        // cancelling the deletion restores it, as AWS documents.
        let rotation = rotation.filter(|_| {
            !matches!(
                record.state,
                KeyState::PendingDeletion | KeyState::PendingReplicaDeletion
            )
        });
        // A rotation completes within the call that starts it, so none is ever in progress:
        // OnDemandRotationStartDate never appears.
        Ok(Response {
            key_id: Some(arn),
            key_rotation_enabled: Some(rotation.is_some()),
            rotation_period_in_days: rotation.map(|r| i64::from(r.period_days)),
            next_rotation_date: rotation.map(|r| r.next),
            on_demand_rotation_start_date: None,
        })
    }
}
