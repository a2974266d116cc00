//! CreateAlias: a friendly name for a key, unique in the account and region.

use serde_json::{Value, json};
use trent_api::ops::create_alias::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{AliasRecord, Store, StoreError};

use super::{Ctx, Handler, OpSpec, alias_arn, customer_alias, need, target_key_ref};
use crate::authz::Conditions;
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::CreateAlias,
        action: "kms:CreateAlias",
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
        // Allowed on the alias (identity policies) and on the key (its policy).
        cx.svc.authorize_alias(cx, Self::SPEC.action, &name)?;
        let (key, key_arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, target, &Conditions::NONE)
            .await?;
        let now = cx.svc.clock().now();
        let record = AliasRecord {
            region: key.region.clone(),
            account: cx.caller.account().clone(),
            name,
            target_key_id: key.key_id.clone(),
            creation_date: now,
            last_updated_date: now,
        };
        match cx.svc.store().create_alias(&record).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(Error::new(
                    ErrorKind::AlreadyExists,
                    format!(
                        "An alias with the name {} already exists",
                        alias_arn(&record)
                    ),
                ));
            }
            Err(StoreError::NotFound) => return Err(keys::key_not_found(&key_arn)),
            Err(e) => return Err(e.into()),
        }
        cx.svc
            .invalidate_alias(&record.region, &record.account, &record.name);
        // kms:ResourceAliases of the key changed.
        cx.svc.invalidate_key(&record.region, &record.target_key_id);
        Ok(Response {})
    }
}
