//! DisableKey: stops a key from being used for cryptography until it is enabled again.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::disable_key::{Request, Response};
use trent_types::KeyState;

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DisableKey,
        action: "kms:DisableKey",
        key_states: state::TOGGLEABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let idle = cx.svc.trailing_days_without_use(cx.caller, key_ref).await?;
        let conditions = Conditions::NONE.trailing_days_without_key_usage(idle);
        cx.svc
            .change_key(cx, &Self::SPEC, key_ref, &conditions, |key, _| {
                key.state = KeyState::Disabled;
                Ok(())
            })
            .await?;
        Ok(Response {})
    }
}
