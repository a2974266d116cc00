//! UntagResource: removes tags from a key by tag key.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::untag_resource::{Request, Response};
use trent_store::{Store, StoreError};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::{Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::UntagResource,
        action: "kms:UntagResource",
        key_states: state::MUTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "tagKeys": req.tag_keys })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let tag_keys = need(req.tag_keys, "TagKeys")?;
        let conditions = Conditions::NONE.tag_keys(&tag_keys);
        let (key, arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        match cx
            .svc
            .store()
            .remove_tags(&key.region, &key.key_id, &tag_keys)
            .await
        {
            Ok(()) => {
                // aws:ResourceTag conditions follow the change at once.
                cx.svc.invalidate_key(&key.region, &key.key_id);
                Ok(Response {})
            }
            Err(StoreError::NotFound) => Err(keys::key_not_found(&arn)),
            Err(e) => Err(e.into()),
        }
    }
}
