//! DeleteImportedKeyMaterial: removes imported material from a key of origin EXTERNAL — its
//! current material, or the one KeyMaterialId names. A key that depended on it becomes
//! PendingImport until the same material is imported again; new material still waiting for
//! rotation is dropped from the key instead. Dropping a multi-Region primary's new material
//! drops the replicas' copies of it too, at once; a replica's own deletion leaves the
//! primary and the other replicas unchanged (the primary's material then shows as
//! PENDING_MULTI_REGION_IMPORT_AND_ROTATION again).

use serde_json::{Value, json};
use trent_api::ops::delete_imported_key_material::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_store::Store;
use trent_types::{ImportState, MaterialId};

use super::{Ctx, Handler, OpSpec, need};
use crate::authz::Conditions;
use crate::import::require_external;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DeleteImportedKeyMaterial,
        action: "kms:DeleteImportedKeyMaterial",
        key_states: state::IMPORTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "keyMaterialId": req.key_material_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let asked = req
            .key_material_id
            .as_deref()
            .map(|id| {
                MaterialId::from_hex(id).ok_or_else(|| Error::validation("Invalid KeyMaterialId."))
            })
            .transpose()?;
        const ATTEMPTS: usize = 8;
        for _ in 0..ATTEMPTS {
            let (record, arn) = cx
                .svc
                .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
                .await?;
            require_external(&record, &arn)?;
            let imported = cx
                .svc
                .store()
                .imported_materials(&record.region, &record.key_id)
                .await?;
            let Some(material_id) = asked.or(record.current_material) else {
                return Err(Error::invalid_state(format!(
                    "{arn} is pending import: it has no key material to delete."
                )));
            };
            let pending = imported.iter().any(|m| {
                m.material_id == material_id && m.import_state == ImportState::PendingImport
            });
            if pending {
                return Err(Error::invalid_state(format!(
                    "Key material {} of {arn} is pending import: it was deleted already.",
                    material_id.to_hex()
                )));
            }
            if cx
                .svc
                .remove_imported(&record, &imported, material_id)
                .await?
                .is_some()
            {
                return Ok(Response {
                    key_id: Some(arn),
                    key_material_id: Some(material_id.to_hex()),
                });
            }
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "The key was changed by another request at the same time. Retry the request.",
        ))
    }
}
