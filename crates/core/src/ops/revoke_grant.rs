//! RevokeGrant: deletes a grant of a key, as a key administrator does; allowed by
//! `kms:RevokeGrant` on the key like any key operation.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::revoke_grant::{Request, Response};

use super::list_grants::grant_id;
use super::{Ctx, Handler, OpSpec, dry_run, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::RevokeGrant,
        action: "kms:RevokeGrant",
        key_states: state::ANY,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "grantId": req.grant_id, "dryRun": req.dry_run })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let id = grant_id(need(req.grant_id.as_deref(), "GrantId")?)?;
        let conditions = Conditions::NONE.grant_is_for_aws_resource(false);
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let view = cx
            .svc
            .preflight_key(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        let grant = cx.svc.key_grant(&view.record, &id).await?;
        dry_run(req.dry_run)?;
        cx.svc.delete_grant(&grant).await?;
        Ok(Response {})
    }
}
