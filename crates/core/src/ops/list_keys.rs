//! ListKeys: the caller's keys in the region, a page at a time.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::list_keys::{Request, Response};
use trent_api::shapes::KeyListEntry;
use trent_store::Store;
use trent_types::KeyId;

use super::{Ctx, Handler, OpSpec, decode_marker, encode_marker, limit};
use crate::authz::Conditions;
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListKeys,
        action: "kms:ListKeys",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "limit": req.limit, "marker": req.marker })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        cx.svc
            .authorize_without_key(cx, Self::SPEC.action, &Conditions::NONE)?;
        let after = match req.marker.as_deref() {
            Some(m) => Some(KeyId::parse(&decode_marker(m)?).ok_or_else(invalid_marker)?),
            None => None,
        };
        let region = &cx.caller.region;
        let account = cx.caller.account();
        let page = cx
            .svc
            .store()
            .list_keys(region, account, after.as_ref(), limit(req.limit, 100))
            .await?;
        let next_marker = page
            .more
            .then(|| page.items.last().map(|k| encode_marker(k.key_id.as_str())))
            .flatten();
        Ok(Response {
            keys: Some(
                page.items
                    .iter()
                    .map(|k| KeyListEntry {
                        key_id: Some(k.key_id.as_str().to_owned()),
                        key_arn: Some(keys::record_arn(k)),
                    })
                    .collect(),
            ),
            truncated: Some(next_marker.is_some()),
            next_marker,
        })
    }
}

fn invalid_marker() -> Error {
    Error::new(trent_api::ErrorKind::InvalidMarker, "Invalid marker")
}
