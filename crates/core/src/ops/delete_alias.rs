//! DeleteAlias: removes an alias; its key is not affected.

use serde_json::{Value, json};
use trent_api::ops::delete_alias::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{Store, StoreError};

use super::{Ctx, Handler, OpSpec, alias_not_found, need, parse_alias_name};
use crate::authz::Conditions;
use crate::keys::Target;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DeleteAlias,
        action: "kms:DeleteAlias",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "aliasName": req.alias_name })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let name = parse_alias_name(need(req.alias_name.as_deref(), "AliasName")?)?;
        let region = &cx.caller.region;
        let account = cx.caller.account();
        // Allowed on the alias (identity policies) and on its key (the key's policy).
        cx.svc.authorize_alias(cx, Self::SPEC.action, &name)?;
        let alias = cx
            .svc
            .store()
            .alias(region, account, &name)
            .await?
            .ok_or_else(|| alias_not_found(region, account, &name))?;
        let target = Target {
            region: region.clone(),
            account: account.clone(),
            key_id: alias.target_key_id.clone(),
            alias: None,
        };
        match cx
            .svc
            .authorize_view(cx, &Self::SPEC, &target, &Conditions::NONE)
            .await
        {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        match cx.svc.store().delete_alias(region, account, &name).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(alias_not_found(region, account, &name)),
            Err(e) => return Err(e.into()),
        }
        cx.svc.invalidate_alias(region, account, &name);
        // kms:ResourceAliases of the key changed.
        cx.svc.invalidate_key(region, &target.key_id);
        Ok(Response {})
    }
}
