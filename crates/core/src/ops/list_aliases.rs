//! ListAliases: the caller's aliases in the region, optionally only those of one key.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::list_aliases::{Request, Response};
use trent_api::shapes::AliasListEntry;
use trent_store::Store;

use super::{
    Ctx, Handler, OpSpec, alias_arn, decode_marker, encode_marker, limit, parse_alias_name,
};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListAliases,
        action: "kms:ListAliases",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "limit": req.limit, "marker": req.marker })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        cx.svc
            .authorize_without_key(cx, Self::SPEC.action, &Conditions::NONE)?;
        let key_id = match req.key_id.as_deref() {
            Some(r) => {
                let target = cx.svc.resolve(cx.caller, r).await?;
                Some(cx.svc.key_record(&target).await?.key_id)
            }
            None => None,
        };
        let after = match req.marker.as_deref() {
            Some(m) => Some(parse_alias_name(&decode_marker(m)?).map_err(|_| {
                crate::Error::new(trent_api::ErrorKind::InvalidMarker, "Invalid marker")
            })?),
            None => None,
        };
        let page = cx
            .svc
            .store()
            .list_aliases(
                &cx.caller.region,
                cx.caller.account(),
                key_id.as_ref(),
                after.as_ref(),
                limit(req.limit, 50),
            )
            .await?;
        let next_marker = page
            .more
            .then(|| page.items.last().map(|a| encode_marker(a.name.as_str())))
            .flatten();
        Ok(Response {
            aliases: Some(
                page.items
                    .iter()
                    .map(|a| AliasListEntry {
                        alias_name: Some(a.name.as_str().to_owned()),
                        alias_arn: Some(alias_arn(a)),
                        target_key_id: Some(a.target_key_id.as_str().to_owned()),
                        creation_date: Some(a.creation_date),
                        last_updated_date: Some(a.last_updated_date),
                    })
                    .collect(),
            ),
            truncated: Some(next_marker.is_some()),
            next_marker,
        })
    }
}
