//! UpdateAlias: points an existing alias at another key of the same type and usage.

use serde_json::{Value, json};
use trent_api::ops::update_alias::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{Store, StoreError};

use super::{Ctx, Handler, OpSpec, alias_not_found, customer_alias, need, target_key_ref};
use crate::authz::Conditions;
use crate::keys::Target;
use crate::{Error, Result, state};

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
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "aliasName": req.alias_name, "targetKeyId": req.target_key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let name = customer_alias(need(req.alias_name.as_deref(), "AliasName")?)?;
        let target = target_key_ref(need(req.target_key_id.as_deref(), "TargetKeyId")?)?;
        let region = &cx.caller.region;
        let account = cx.caller.account();
        // Allowed on the alias (identity policies), on the key it points at now and on the
        // new key (their policies).
        cx.svc.authorize_alias(cx, Self::SPEC.action, &name)?;
        let mut alias = cx
            .svc
            .store()
            .alias(region, account, &name)
            .await?
            .ok_or_else(|| alias_not_found(region, account, &name))?;
        let (new_key, new_arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, target, &Conditions::NONE)
            .await?;
        let old_target = Target {
            region: region.clone(),
            account: account.clone(),
            key_id: alias.target_key_id.clone(),
            alias: None,
        };
        match cx
            .svc
            .authorize_view(cx, &Self::SPEC, &old_target, &Conditions::NONE)
            .await
        {
            Ok(old)
                if old.record.key_spec != new_key.key_spec
                    || old.record.key_usage != new_key.key_usage =>
            {
                return Err(Error::validation(format!(
                    "The new KMS key {new_arn} must have the same key spec and key usage as the \
                     KMS key the alias points to now."
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        alias.target_key_id = new_key.key_id.clone();
        alias.last_updated_date = cx.svc.clock().now();
        match cx.svc.store().update_alias(&alias).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(alias_not_found(region, account, &name)),
            Err(e) => return Err(e.into()),
        }
        cx.svc.invalidate_alias(region, account, &name);
        // kms:ResourceAliases of both keys changed.
        cx.svc.invalidate_key(region, &old_target.key_id);
        cx.svc.invalidate_key(region, &new_key.key_id);
        Ok(Response {})
    }
}
