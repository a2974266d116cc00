//! ListRetirableGrants: the grants, on any key in the region, that a principal of the
//! caller's account may retire. Allowed by identity policies only (resource `*`), as AWS
//! documents: the keys may be other accounts', whose policies have no say.

use std::collections::HashMap;

use serde_json::{Value, json};
use trent_api::ops::list_retirable_grants::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::Store;

use super::list_grants::{grant_key_arn, listing, marker, page_size};
use super::{Ctx, Handler, OpSpec};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListRetirableGrants,
        action: "kms:ListRetirableGrants",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "retiringPrincipal": req.retiring_principal,
            "limit": req.limit,
            "marker": req.marker,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        if req.retiring_service_principal.is_some() {
            return Err(super::create_grant::no_service_principals());
        }
        let retiring = super::create_grant::principal(
            req.retiring_principal
                .as_deref()
                .ok_or_else(|| Error::validation("RetiringPrincipal is required."))?,
        )?;
        cx.svc
            .authorize_without_key(cx, Self::SPEC.action, &Conditions::NONE)?;
        // "You must specify a principal in your AWS account."
        if retiring.account() != cx.caller.account() {
            return Err(Error::new(
                ErrorKind::AccessDenied,
                format!(
                    "User: {} is not authorized to perform: kms:ListRetirableGrants for \
                     principal {retiring} of another account",
                    cx.caller.principal
                ),
            ));
        }
        let after = req.marker.as_deref().map(marker).transpose()?;
        let page = cx
            .svc
            .store()
            .list_retirable_grants(
                &cx.caller.region,
                &retiring,
                after.as_ref(),
                page_size(req.limit),
            )
            .await?;
        let mut arns = HashMap::new();
        for grant in &page.items {
            if !arns.contains_key(&grant.key_id) {
                let arn = grant_key_arn(cx, grant).await?.unwrap_or_default();
                arns.insert(grant.key_id.clone(), arn);
            }
        }
        let l = listing(page, |g| arns.get(&g.key_id).cloned().unwrap_or_default());
        Ok(Response {
            grants: Some(l.grants),
            truncated: Some(l.truncated),
            next_marker: l.next_marker,
        })
    }
}
