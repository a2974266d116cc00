//! GetKeyPolicy: the policy document of a key, as it was set.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::get_key_policy::{Request, Response};

use super::{Ctx, Handler, OpSpec, need, policy_name};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GetKeyPolicy,
        action: "kms:GetKeyPolicy",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "policyName": req.policy_name.as_deref().unwrap_or("default"),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let name = policy_name(req.policy_name.as_deref())?;
        let (record, _) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        Ok(Response {
            policy: Some(record.policy),
            policy_name: Some(name.to_owned()),
        })
    }
}
