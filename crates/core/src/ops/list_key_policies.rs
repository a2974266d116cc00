//! ListKeyPolicies: the names of a key's policies, which is always `default` alone. There is
//! never a second page, so `Limit` (at least 1) and `Marker` change nothing: the model gives
//! this operation no InvalidMarkerException, and a marker Trent never issued is not an error.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::list_key_policies::{Request, Response};

use super::{Ctx, DEFAULT_POLICY_NAME, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListKeyPolicies,
        action: "kms:ListKeyPolicies",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "limit": req.limit, "marker": req.marker })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        cx.svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        Ok(Response {
            policy_names: Some(vec![DEFAULT_POLICY_NAME.to_owned()]),
            truncated: Some(false),
            next_marker: None,
        })
    }
}
