//! ListKeyRotations: a key's materials, oldest first, a page at a time: those its rotations
//! made, or (IncludeKeyMaterial ALL_KEY_MATERIAL) its first material too. For a key of
//! imported material, each material's import state and expiry as well; a multi-Region
//! primary's new material that a replica has not imported yet shows as
//! PENDING_MULTI_REGION_IMPORT_AND_ROTATION.

use serde_json::{Value, json};
use trent_api::ops::list_key_rotations::{Request, Response};
use trent_api::shapes::RotationsListEntry;
use trent_api::{ErrorKind, Operation};
use trent_store::{MaterialRecord, MaterialState, Store};
use trent_types::{IncludeKeyMaterial, KeyMaterialState, MaterialId};

use super::{Ctx, Handler, OpSpec, decode_marker, encode_marker, limit, need};
use crate::authz::Conditions;
use crate::rotation::{self, check_rotatable};
use crate::{Error, Result, import, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ListKeyRotations,
        action: "kms:ListKeyRotations",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "includeKeyMaterial": req.include_key_material,
            "limit": req.limit,
            "marker": req.marker,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let (record, _) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &Conditions::NONE)
            .await?;
        let imports = rotation::imports_rotate(&record);
        if !imports {
            check_rotatable(&record)?;
        }
        let include = req
            .include_key_material
            .as_deref()
            .and_then(IncludeKeyMaterial::parse)
            .unwrap_or(IncludeKeyMaterial::RotationsOnly);
        let after = match req.marker.as_deref() {
            Some(m) => Some(MaterialId::from_hex(&decode_marker(m)?).ok_or_else(invalid_marker)?),
            None => None,
        };
        let all = include == IncludeKeyMaterial::AllKeyMaterial;
        let key_id = || Some(record.key_id.as_str().to_owned());
        let listed: Vec<(MaterialId, RotationsListEntry)> = if imports {
            let imported = cx
                .svc
                .store()
                .imported_materials(&record.region, &record.key_id)
                .await?;
            let replicas = cx.svc.replica_imports(&record).await?;
            imported
                .iter()
                .filter(|m| all || m.rotation_date.is_some())
                .map(|m| {
                    let entry = RotationsListEntry {
                        key_id: key_id(),
                        key_material_id: Some(m.material_id.to_hex()),
                        key_material_description: m.description.clone(),
                        import_state: Some(m.import_state),
                        key_material_state: Some(import::shown_state(m, &replicas)),
                        expiration_model: import::material_expiration(m),
                        valid_to: m.valid_to,
                        rotation_date: m.rotation_date,
                        rotation_type: m.rotation_type(),
                    };
                    (m.material_id, entry)
                })
                .collect()
        } else {
            let materials = cx
                .svc
                .store()
                .materials(&record.region, &record.key_id)
                .await?;
            materials
                .iter()
                .filter(|m| all || m.rotation_type.is_some())
                .map(|m| (m.material_id, generated_entry(key_id(), m)))
                .collect()
        };
        let start = match after {
            None => 0,
            Some(id) => {
                listed
                    .iter()
                    .position(|(m, _)| *m == id)
                    .ok_or_else(invalid_marker)?
                    + 1
            }
        };
        let rest = listed.get(start..).unwrap_or_default();
        let page = &rest[..rest.len().min(limit(req.limit, 100))];
        let next_marker = (page.len() < rest.len())
            .then(|| page.last().map(|(id, _)| encode_marker(&id.to_hex())))
            .flatten();
        Ok(Response {
            rotations: Some(page.iter().map(|(_, entry)| entry.clone()).collect()),
            truncated: Some(next_marker.is_some()),
            next_marker,
        })
    }
}

/// The entry of a material Trent generated.
fn generated_entry(key_id: Option<String>, m: &MaterialRecord) -> RotationsListEntry {
    RotationsListEntry {
        key_id,
        key_material_id: Some(m.material_id.to_hex()),
        key_material_state: Some(match m.state {
            MaterialState::Current => KeyMaterialState::Current,
            MaterialState::NonCurrent => KeyMaterialState::NonCurrent,
        }),
        // The first material became current by no rotation: it has neither.
        rotation_date: m.rotation_type.map(|_| m.created),
        rotation_type: m.rotation_type,
        ..RotationsListEntry::default()
    }
}

fn invalid_marker() -> Error {
    Error::new(ErrorKind::InvalidMarker, "Invalid marker")
}
