//! ScheduleKeyDeletion: the key is disabled at once and deleted when its waiting period
//! (7 to 30 days, 30 by default) has passed, unless CancelKeyDeletion comes first.
//!
//! A multi-Region primary key that still has replicas waits in PendingReplicaDeletion instead:
//! its waiting period begins when its last replica is deleted ([`crate::multi_region`]).

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::schedule_key_deletion::{Request, Response};
use trent_types::KeyState;

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

pub const DEFAULT_WINDOW_DAYS: u32 = 30;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ScheduleKeyDeletion,
        action: "kms:ScheduleKeyDeletion",
        key_states: state::DELETABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "pendingWindowInDays": req.pending_window_in_days.unwrap_or(i64::from(DEFAULT_WINDOW_DAYS)),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let days = match req.pending_window_in_days {
            None => DEFAULT_WINDOW_DAYS,
            // Validation bounded it to 7..=30 (tools/gen-api.py tightens the published
            // model's 1..=365 to what the service enforces).
            Some(d) => u32::try_from(d)
                .map_err(|_| Error::validation("PendingWindowInDays is out of range."))?,
        };
        let idle = cx.svc.trailing_days_without_use(cx.caller, key_ref).await?;
        let conditions = Conditions::NONE
            .pending_window_in_days(days)
            .trailing_days_without_key_usage(idle);
        let deletion_date = cx.svc.clock().now().plus_days(days);
        // A multi-Region primary with replicas waits for them before its period begins.
        let related = cx.svc.related_keys_of(cx.caller, key_ref).await?;
        let (key, arn) = cx
            .svc
            .change_key(cx, &Self::SPEC, key_ref, &conditions, |key, _| {
                let has_replicas = related.as_ref().is_some_and(|set| {
                    set.primary_region == key.region && set.replicas().next().is_some()
                });
                if has_replicas {
                    key.state = KeyState::PendingReplicaDeletion;
                    key.deletion_date = None;
                } else {
                    key.state = KeyState::PendingDeletion;
                    key.deletion_date = Some(deletion_date);
                }
                key.pending_window_days = Some(days);
                Ok(())
            })
            .await?;
        Ok(Response {
            key_id: Some(arn),
            deletion_date: key.deletion_date,
            key_state: Some(key.state),
            pending_window_in_days: Some(i64::from(days)),
        })
    }
}
