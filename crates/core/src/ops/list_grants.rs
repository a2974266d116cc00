//! ListGrants: the grants of one key, optionally only one grant or one grantee's, in pages.

use serde_json::{Value, json};
use trent_api::ops::list_grants::{Request, Response};
use trent_api::shapes::{GrantConstraints as WireConstraints, GrantListEntry};
use trent_api::{ErrorKind, Operation};
use trent_store::{GrantRecord, Page, Store};
use trent_types::{GrantId, PrincipalArn};

use super::{Ctx, Handler, OpSpec, decode_marker, encode_marker, need};
use crate::authz::Conditions;
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

/// The page size when the request names none, and the largest AWS returns.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListGrants,
        action: "kms:ListGrants",
        key_states: state::ANY,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "grantId": req.grant_id,
            "granteePrincipal": req.grantee_principal,
            "limit": req.limit,
            "marker": req.marker,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        if req.grantee_service_principal.is_some() {
            return Err(super::create_grant::no_service_principals());
        }
        let conditions = Conditions::NONE.grant_is_for_aws_resource(false);
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let view = cx
            .svc
            .preflight_key(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        let grant_id = req.grant_id.as_deref().map(grant_id).transpose()?;
        let grantee = match req.grantee_principal.as_deref() {
            Some(p) => Some(super::create_grant::principal(p)?),
            None => None,
        };
        let record = &view.record;
        let page = match grant_id {
            // One grant: at most one entry, on this key.
            Some(id) => {
                let found = cx.svc.store().grant(&record.region, &id).await?;
                let items = found
                    .filter(|g| g.key_id == record.key_id)
                    .filter(|g| grantee.as_ref().is_none_or(|p| g.grantee == *p))
                    .into_iter()
                    .collect();
                Page { items, more: false }
            }
            None => {
                let after = req.marker.as_deref().map(marker).transpose()?;
                let limit = page_size(req.limit);
                cx.svc
                    .store()
                    .list_grants(
                        &record.region,
                        &record.key_id,
                        grantee.as_ref(),
                        after.as_ref(),
                        limit,
                    )
                    .await?
            }
        };
        let l = listing(page, |_| view.arn.clone());
        Ok(Response {
            grants: Some(l.grants),
            truncated: Some(l.truncated),
            next_marker: l.next_marker,
        })
    }
}

/// A grant id from a request: 64 hex digits, or `InvalidGrantIdException`.
pub(crate) fn grant_id(s: &str) -> Result<GrantId> {
    GrantId::from_hex(s)
        .ok_or_else(|| Error::new(ErrorKind::InvalidGrantId, format!("Invalid grant ID: {s}")))
}

/// The grant id a marker made by [`listing`] names.
pub(crate) fn marker(s: &str) -> Result<GrantId> {
    GrantId::from_hex(&decode_marker(s)?)
        .ok_or_else(|| Error::new(ErrorKind::InvalidMarker, "Invalid marker"))
}

/// The request's `Limit` (1 to 100, default 50).
pub(crate) fn page_size(limit: Option<i64>) -> usize {
    super::limit(limit, DEFAULT_LIMIT).min(MAX_LIMIT)
}

/// What ListGrants and ListRetirableGrants answer with (their responses are alike).
pub(crate) struct Listing {
    pub grants: Vec<GrantListEntry>,
    pub truncated: bool,
    pub next_marker: Option<String>,
}

/// The listing AWS answers with, each grant's key named by `key_arn`.
pub(crate) fn listing(
    page: Page<GrantRecord>,
    key_arn: impl Fn(&GrantRecord) -> String,
) -> Listing {
    let next_marker = page
        .more
        .then(|| {
            page.items
                .last()
                .map(|g| encode_marker(&g.grant_id.to_hex()))
        })
        .flatten();
    Listing {
        grants: page.items.iter().map(|g| entry(g, key_arn(g))).collect(),
        truncated: next_marker.is_some(),
        next_marker,
    }
}

fn entry(g: &GrantRecord, key_arn: String) -> GrantListEntry {
    let constraints = &g.constraints;
    let has_constraints = constraints.equals.is_some() || constraints.subset.is_some();
    GrantListEntry {
        key_id: Some(key_arn),
        grant_id: Some(g.grant_id.to_hex()),
        name: g.name.clone(),
        creation_date: Some(g.creation_date),
        grantee_principal: Some(g.grantee.as_str().to_owned()),
        retiring_principal: g.retiring.as_ref().map(|p| p.as_str().to_owned()),
        issuing_account: Some(PrincipalArn::root(&g.issuing_account).as_str().to_owned()),
        operations: Some(g.operations.clone()),
        constraints: has_constraints.then(|| WireConstraints {
            encryption_context_equals: constraints.equals.clone(),
            encryption_context_subset: constraints.subset.clone(),
            source_arn: None,
        }),
        grantee_service_principal: None,
        retiring_service_principal: None,
    }
}

/// The ARN of a grant's key, for a listing across keys.
pub(crate) async fn grant_key_arn(cx: &Ctx<'_>, grant: &GrantRecord) -> Result<Option<String>> {
    Ok(cx
        .svc
        .store()
        .key(&grant.region, &grant.key_id)
        .await?
        .map(|k| keys::record_arn(&k)))
}
