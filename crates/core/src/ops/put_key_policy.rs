//! PutKeyPolicy: replaces the policy of a key (its one policy, named `default`). The new
//! document is parsed as a key policy and, unless the caller bypasses it, must pass the
//! policy lockout safety check: it must still let the caller change the policy.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::put_key_policy::{Request, Response};

use super::create_key::{invalid_principal, key_policy, unknown_principal};
use super::{Ctx, Handler, OpSpec, need, policy_name};
use crate::authz::{self, Conditions};
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::PutKeyPolicy,
        action: "kms:PutKeyPolicy",
        // AWS's key state table allows PutKeyPolicy in every state, pending deletion
        // included (a key's administrators can still fix its policy before it is gone).
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "policyName": req.policy_name.as_deref().unwrap_or("default"),
            "policy": req.policy,
            "bypassPolicyLockoutSafetyCheck": req.bypass_policy_lockout_safety_check.unwrap_or(false),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        policy_name(req.policy_name.as_deref())?;
        let text = need(req.policy, "Policy")?;
        let bypass = req.bypass_policy_lockout_safety_check.unwrap_or(false);
        let conditions = Conditions::NONE.bypass_policy_lockout_safety_check(bypass);
        let now = cx.svc.clock().now();
        // Whether the new policy names a principal that does not exist, found before the key
        // is read (it takes the store) and answered only after authorization.
        let unknown = match key_policy(&text) {
            Ok(policy) => unknown_principal(cx, &policy).await?,
            Err(_) => None,
        };
        // Authorized by the policy in force; the new one is checked only then, as AWS
        // answers AccessDenied before it reads the document.
        cx.svc
            .change_key_viewed(cx, &Self::SPEC, key_ref, &conditions, |record, view| {
                let policy = key_policy(&text)?;
                if let Some(arn) = &unknown {
                    return Err(invalid_principal(arn));
                }
                if !bypass {
                    authz::lockout_check(cx.caller, &policy, &view.facts(), now)?;
                }
                record.policy.clone_from(&text);
                Ok(())
            })
            .await?;
        Ok(Response {})
    }
}
