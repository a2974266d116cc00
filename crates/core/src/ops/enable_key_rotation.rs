//! EnableKeyRotation: turns on automatic rotation of a symmetric key, every
//! RotationPeriodInDays (365 unless the request says otherwise), or changes its period.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::enable_key_rotation::{Request, Response};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::rotation::{DEFAULT_PERIOD_DAYS, check_rotatable, schedule};
use crate::{Error, Result, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::EnableKeyRotation,
        action: "kms:EnableKeyRotation",
        key_states: state::ENABLED,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "rotationPeriodInDays": req.rotation_period_in_days.unwrap_or(DEFAULT_PERIOD_DAYS.into()),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        // Validation kept the period within 90..=2560.
        let period = match req.rotation_period_in_days {
            None => DEFAULT_PERIOD_DAYS,
            Some(days) => u32::try_from(days)
                .map_err(|_| Error::internal("RotationPeriodInDays passed validation"))?,
        };
        let now = cx.svc.clock().now();
        // Replicas share their primary's rotation, which only the primary manages.
        let related = cx.svc.related_keys_of(cx.caller, key_ref).await?;
        let conditions = Conditions::NONE.rotation_period_in_days(period);
        cx.svc
            .change_key(cx, &Self::SPEC, key_ref, &conditions, |key, _| {
                multi_region::refuse_replica(related.as_ref(), key)?;
                check_rotatable(key)?;
                key.rotation = Some(schedule(key.rotation, period, now));
                Ok(())
            })
            .await?;
        Ok(Response {})
    }
}
