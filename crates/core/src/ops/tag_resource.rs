//! TagResource: adds or overwrites tags on a key.

use serde_json::{Value, json};
use trent_api::ops::tag_resource::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{Store, StoreError};

use super::{Ctx, Handler, MAX_TAGS, OpSpec, need, tags};
use crate::authz::Conditions;
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::TagResource,
        action: "kms:TagResource",
        key_states: state::MUTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "tags": req.tags.as_ref().map(|t| t.iter().map(|t| json!({"tagKey": t.tag_key, "tagValue": t.tag_value})).collect::<Vec<_>>()),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let new = tags(need(req.tags, "Tags")?)?;
        let conditions = Conditions::NONE.request_tags(&new);
        let (key, arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        let existing = cx.svc.store().tags(&key.region, &key.key_id).await?;
        let added = new
            .iter()
            .filter(|t| !existing.iter().any(|e| e.key == t.key))
            .count();
        if existing.len() + added > MAX_TAGS {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("A KMS key can have at most {MAX_TAGS} tags."),
            ));
        }
        match cx
            .svc
            .store()
            .put_tags(&key.region, &key.key_id, &new)
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
