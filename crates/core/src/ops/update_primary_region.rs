//! UpdatePrimaryRegion: the replica in `PrimaryRegion` becomes the primary of its
//! multi-Region key and the primary named by `KeyId` becomes a replica; the automatic
//! rotation schedule, a shared property the primary holds, moves with the role.
//!
//! As in AWS, the caller needs `kms:UpdatePrimaryRegion` (with `kms:PrimaryRegion`) on both
//! keys, and both must be enabled. AWS shows both keys `Updating` for a few seconds
//! afterwards; Trent swaps the roles in one store transaction before it answers, so both stay
//! `Enabled`.

use serde_json::{Value, json};
use trent_api::ops::update_primary_region::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::{Store, StoreError};
use trent_types::Region;

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::keys::{Target, key_not_found};
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::UpdatePrimaryRegion,
        action: "kms:UpdatePrimaryRegion",
        key_states: state::ENABLED,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "primaryRegion": req.primary_region })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let region_name = need(req.primary_region.as_deref(), "PrimaryRegion")?;
        let new_region = Region::parse(region_name)
            .ok_or_else(|| Error::validation(format!("{region_name} is not a valid Region.")))?;
        let conditions = Conditions::NONE.primary_region(new_region.as_str());
        let target = cx.svc.resolve(cx.caller, key_ref).await?;
        const ATTEMPTS: usize = 8;
        for _ in 0..ATTEMPTS {
            let old = cx
                .svc
                .preflight_view(cx, &Self::SPEC, &target, &conditions)
                .await?;
            let Some(set) = cx.svc.related_keys(&old.record).await? else {
                return Err(Error::new(
                    ErrorKind::UnsupportedOperation,
                    format!("{} is not a multi-Region key.", old.arn),
                ));
            };
            if set.primary_region != old.record.region {
                return Err(Error::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is not the primary key of its multi-Region key; its primary is in {}.",
                        old.arn,
                        set.primary_region.as_str()
                    ),
                ));
            }
            if new_region == old.record.region {
                return Err(Error::new(
                    ErrorKind::UnsupportedOperation,
                    format!("{} is already the primary key in {region_name}.", old.arn),
                ));
            }
            let replica_target = Target {
                region: new_region.clone(),
                account: old.record.account.clone(),
                key_id: old.record.key_id.clone(),
                alias: None,
            };
            if set.in_region(&new_region).is_none() {
                return Err(key_not_found(&replica_target.arn()));
            }
            let new = cx
                .svc
                .preflight_view(cx, &Self::SPEC, &replica_target, &conditions)
                .await?;

            let mut demoted = old.record.clone();
            let mut promoted = new.record.clone();
            promoted.rotation = demoted.rotation.take();
            match cx
                .svc
                .store()
                .update_primary_region(&demoted, &promoted)
                .await
            {
                Ok(()) => {
                    cx.svc.invalidate_key(&demoted.region, &demoted.key_id);
                    cx.svc.invalidate_key(&promoted.region, &promoted.key_id);
                    return Ok(Response {});
                }
                // Changed meanwhile: read both again.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::NotFound) => return Err(key_not_found(&old.arn)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::new(
            ErrorKind::KmsInternal,
            "The keys were changed by another request at the same time. Retry the request.",
        ))
    }
}
