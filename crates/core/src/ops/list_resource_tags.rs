//! ListResourceTags: a key's tags, ordered by tag key, a page at a time.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::list_resource_tags::{Request, Response};
use trent_store::Store;

use super::{Ctx, Handler, OpSpec, decode_marker, encode_marker, limit, need, wire_tags};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListResourceTags,
        action: "kms:ListResourceTags",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "limit": req.limit, "marker": req.marker })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let after = req.marker.as_deref().map(decode_marker).transpose()?;
        let (key, _) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        let all = cx.svc.store().tags(&key.region, &key.key_id).await?;
        let page_size = limit(req.limit, 50);
        let mut rest: Vec<_> = all
            .into_iter()
            .filter(|t| after.as_deref().is_none_or(|a| t.key.as_str() > a))
            .collect();
        let more = rest.len() > page_size;
        rest.truncate(page_size);
        let next_marker = more
            .then(|| rest.last().map(|t| encode_marker(&t.key)))
            .flatten();
        Ok(Response {
            tags: Some(wire_tags(rest)),
            truncated: Some(next_marker.is_some()),
            next_marker,
        })
    }
}
