//! UpdateAlias: points an existing alias at another key of the same type and usage.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::update_alias::{Request, Response};
use trent_store::{Store, StoreError};

use super::{Ctx, Handler, OpSpec, alias_not_found, customer_alias, need, target_key_ref};
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::UpdateAlias,
        action: "kms:UpdateAlias",
        key_states: state::MUTABLE,
        key_usages: None,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "aliasName": req.alias_name, "targetKeyId": req.target_key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let name = customer_alias(need(req.alias_name.as_deref(), "AliasName")?)?;
        let target = target_key_ref(need(req.target_key_id.as_deref(), "TargetKeyId")?)?;
        let region = &cx.caller.region;
        let account = cx.caller.account();
        let mut alias = cx
            .svc
            .store()
            .alias(region, account, &name)
            .await?
            .ok_or_else(|| alias_not_found(region, account, &name))?;
        let (new_key, new_arn) = cx.svc.preflight_record(cx, &Self::SPEC, target).await?;
        if let Some(old) = cx.svc.store().key(region, &alias.target_key_id).await? {
            cx.touched(&keys::record_arn(&old));
            if old.key_spec != new_key.key_spec || old.key_usage != new_key.key_usage {
                return Err(Error::validation(format!(
                    "The new KMS key {new_arn} must have the same key spec and key usage as the \
                     KMS key the alias points to now."
                )));
            }
        }
        alias.target_key_id = new_key.key_id.clone();
        alias.last_updated_date = cx.svc.clock().now();
        match cx.svc.store().update_alias(&alias).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(alias_not_found(region, account, &name)),
            Err(e) => return Err(e.into()),
        }
        cx.svc.invalidate_alias(region, account, &name);
        Ok(Response {})
    }
}
