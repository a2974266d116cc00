//! CancelKeyDeletion: a key pending deletion returns, disabled (pending import, if it is a
//! key of imported material whose material is gone).

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::cancel_key_deletion::{Request, Response};
use trent_store::Store;
use trent_types::{KeyState, Origin};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Error, Result, import};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::CancelKeyDeletion,
        action: "kms:CancelKeyDeletion",
        // Checked in `run` for AWS's wording.
        key_states: crate::state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        // A key of imported material whose material is gone comes back pending import.
        let target = cx.svc.resolve(cx.caller, key_ref).await?;
        let imported = cx
            .svc
            .store()
            .imported_materials(&target.region, &target.key_id)
            .await?;
        let (_, arn) = cx
            .svc
            .change_key(cx, &Self::SPEC, key_ref, &Conditions::NONE, |key, arn| {
                if !matches!(
                    key.state,
                    KeyState::PendingDeletion | KeyState::PendingReplicaDeletion
                ) {
                    return Err(Error::invalid_state(format!(
                        "{arn} is not pending deletion."
                    )));
                }
                key.state = if key.origin == Origin::External {
                    import::state_after(KeyState::Disabled, &imported)
                } else {
                    KeyState::Disabled
                };
                key.deletion_date = None;
                key.pending_window_days = None;
                Ok(())
            })
            .await?;
        Ok(Response { key_id: Some(arn) })
    }
}
