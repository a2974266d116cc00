//! RetireGrant: deletes a grant, as the grant itself allows ("Retiring and revoking
//! grants"): its retiring principal; its grantee, when the grant includes RetireGrant; or
//! the account the grant was created in (its root, or a principal of it whose identity
//! policies allow `kms:RetireGrant` on the key). Key policies have no say.
//!
//! The grant is named by a grant token, or by the key and the grant id.

use serde_json::{Value, json};
use trent_api::ops::retire_grant::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::GrantRecord;
use trent_types::GrantOperation;

use super::list_grants::grant_id;
use super::{Ctx, Handler, OpSpec, dry_run};
use crate::authz::{self, Conditions};
use crate::grant_tokens::TokenGrant;
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::RetireGrant,
        action: "kms:RetireGrant",
        key_states: state::ANY,
        key_usages: None,
        cross_account: true,
    };

    /// The grant token is left out: it is a credential.
    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "grantId": req.grant_id, "dryRun": req.dry_run })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let grant = match (
            req.grant_token
                .as_ref()
                .map(trent_api::SecretString::as_str),
            req.key_id,
            req.grant_id,
        ) {
            (Some(token), _, _) => match cx.svc.token_grant(token).await? {
                TokenGrant::Stored(g) => g,
                TokenGrant::Retired | TokenGrant::Unseen(_) => {
                    return Err(Error::not_found(
                        "The grant of this grant token does not exist.",
                    ));
                }
            },
            (None, Some(key_ref), Some(id)) => {
                let id = grant_id(&id)?;
                let target = cx.svc.resolve(cx.caller, &key_ref).await?;
                let record = cx.svc.key_record(&target).await?;
                cx.svc.key_grant(&record, &id).await?
            }
            _ => {
                return Err(Error::validation(
                    "Specify either a GrantToken, or both a KeyId and a GrantId.",
                ));
            }
        };
        let key_arn = match cx.svc.store_key(&grant).await? {
            Some(record) => keys::record_arn(&record),
            None => return Err(Error::not_found("The grant's key does not exist.")),
        };
        cx.touched(&key_arn);
        may_retire(cx, &grant, &key_arn)?;
        dry_run(req.dry_run)?;
        cx.svc.delete_grant(&grant).await?;
        Ok(Response {})
    }
}

/// Whether the caller may retire `grant`, by AWS's rule.
fn may_retire(cx: &Ctx<'_>, grant: &GrantRecord, key_arn: &str) -> Result<()> {
    let caller = &cx.caller.principal;
    if grant.retiring.as_ref() == Some(caller)
        || (grant.grantee == *caller && grant.operations.contains(&GrantOperation::RetireGrant))
    {
        return Ok(());
    }
    if *cx.caller.account() == grant.issuing_account {
        let now = cx.svc.clock().now();
        return authz::authorize_identity(
            cx.caller,
            "kms:RetireGrant",
            key_arn,
            true,
            &Conditions::NONE,
            now,
        );
    }
    Err(Error::new(
        ErrorKind::AccessDenied,
        format!(
            "User: {caller} is not authorized to perform: kms:RetireGrant on resource: \
             {key_arn} because the grant does not allow it"
        ),
    ))
}
