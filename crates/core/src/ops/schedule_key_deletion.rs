//! ScheduleKeyDeletion: the key is disabled at once and deleted when its waiting period
//! (7 to 30 days, 30 by default) has passed, unless CancelKeyDeletion comes first.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::schedule_key_deletion::{Request, Response};
use trent_types::KeyState;

use super::{Ctx, Handler, OpSpec, need};
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// The waiting periods KMS accepts. The published model allows 1 to 365; the service
/// enforces 7 to 30 and words the refusal as a violated constraint of its model.
const MIN_WINDOW_DAYS: u32 = 7;
const MAX_WINDOW_DAYS: u32 = DEFAULT_WINDOW_DAYS;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ScheduleKeyDeletion,
        action: "kms:ScheduleKeyDeletion",
        key_states: state::DELETABLE,
        key_usages: None,
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
            Some(d) => window_days(d)?,
        };
        let deletion_date = cx.svc.clock().now().plus_days(days);
        let (_, arn) = cx
            .svc
            .change_key(cx.caller, &Self::SPEC, key_ref, |key, _| {
                key.state = KeyState::PendingDeletion;
                key.deletion_date = Some(deletion_date);
                key.pending_window_days = Some(days);
                Ok(())
            })
            .await?;
        cx.touched(&arn);
        Ok(Response {
            key_id: Some(arn),
            deletion_date: Some(deletion_date),
            key_state: Some(KeyState::PendingDeletion),
            pending_window_in_days: Some(i64::from(days)),
        })
    }
}

fn window_days(requested: i64) -> Result<u32> {
    let violated = |constraint: String| {
        Error::validation(format!(
            "1 validation error detected: Value '{requested}' at 'pendingWindowInDays' failed \
             to satisfy constraint: Member must have value {constraint}"
        ))
    };
    match u32::try_from(requested) {
        Ok(d) if (MIN_WINDOW_DAYS..=MAX_WINDOW_DAYS).contains(&d) => Ok(d),
        Ok(d) if d > MAX_WINDOW_DAYS => {
            Err(violated(format!("less than or equal to {MAX_WINDOW_DAYS}")))
        }
        _ => Err(violated(format!(
            "greater than or equal to {MIN_WINDOW_DAYS}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_seven_to_thirty_days() {
        assert_eq!(window_days(7).unwrap(), 7);
        assert_eq!(window_days(30).unwrap(), 30);
        let message = |d| window_days(d).unwrap_err().into_api("r").message;
        assert_eq!(
            message(31),
            "1 validation error detected: Value '31' at 'pendingWindowInDays' failed to satisfy \
             constraint: Member must have value less than or equal to 30"
        );
        assert_eq!(
            message(6),
            "1 validation error detected: Value '6' at 'pendingWindowInDays' failed to satisfy \
             constraint: Member must have value greater than or equal to 7"
        );
        assert!(window_days(-1).is_err());
    }
}
