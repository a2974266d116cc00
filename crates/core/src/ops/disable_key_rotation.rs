//! DisableKeyRotation: turns off automatic rotation. Materials made so far stay, and
//! on-demand rotation remains possible.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::disable_key_rotation::{Request, Response};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::rotation::check_rotatable;
use crate::{Result, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DisableKeyRotation,
        action: "kms:DisableKeyRotation",
        key_states: state::ENABLED,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        // Replicas share their primary's rotation, which only the primary manages.
        let related = cx.svc.related_keys_of(cx.caller, key_ref).await?;
        cx.svc
            .change_key(cx, &Self::SPEC, key_ref, &Conditions::NONE, |key, _| {
                multi_region::refuse_replica(related.as_ref(), key)?;
                check_rotatable(key)?;
                key.rotation = None;
                Ok(())
            })
            .await?;
        Ok(Response {})
    }
}
