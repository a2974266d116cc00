//! DescribeKey: a key's metadata, in any state; for imported material, when it expires.

use serde_json::{Value, json};
use trent_api::Operation;
use trent_api::ops::describe_key::{Request, Response};
use trent_store::Store;
use trent_types::Origin;

use super::{Ctx, Handler, OpSpec, key_metadata, need};
use crate::authz::Conditions;
use crate::{Result, import, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DescribeKey,
        action: "kms:DescribeKey",
        key_states: state::ANY,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let (record, _) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        let mut metadata = key_metadata(&record);
        if record.origin == Origin::External {
            let imported = cx
                .svc
                .store()
                .imported_materials(&record.region, &record.key_id)
                .await?;
            metadata.expiration_model = import::expiration_model(&imported);
            metadata.valid_to = import::key_expiry(&imported);
        }
        if let Some(set) = cx.svc.related_keys(&record).await? {
            metadata.multi_region_configuration =
                Some(multi_region::configuration(&set, &record.region));
        }
        Ok(Response {
            key_metadata: Some(metadata),
        })
    }
}
