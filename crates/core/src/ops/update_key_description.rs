//! UpdateKeyDescription: replaces a key's description.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::update_key_description::{Request, Response};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::UpdateKeyDescription,
        action: "kms:UpdateKeyDescription",
        key_states: state::MUTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "description": req.description })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let description = need(req.description, "Description")?;
        cx.svc
            .change_key(cx, &Self::SPEC, key_ref, &Conditions::NONE, |key, _| {
                key.description.clone_from(&description);
                Ok(())
            })
            .await?;
        Ok(Response {})
    }
}
