//! GetKeyLastUsage: a key's last successful cryptographic use — when, by which operation, and
//! the request and audit event that made it — as far back as Trent has tracked use.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::get_key_last_usage::{Request, Response};
use trent_api::shapes::KeyLastUsageData;

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GetKeyLastUsage,
        action: "kms:GetKeyLastUsage",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
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
        let last = cx.svc.last_use(&record, &arn).await?;
        Ok(Response {
            key_id: Some(arn),
            key_creation_date: Some(record.creation_date),
            tracking_start_date: Some(cx.svc.usage_tracking_start()),
            key_last_usage: last.map(|u| KeyLastUsageData {
                timestamp: Some(u.time),
                operation: Some(u.operation),
                kms_request_id: Some(u.request_id),
                cloud_trail_event_id: Some(u.event_id),
            }),
        })
    }
}
