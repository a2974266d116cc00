//! ImportKeyMaterial: material wrapped under a GetParametersForImport public key becomes (or
//! becomes again) material of a key of origin EXTERNAL, sealed before it is stored.
//!
//! The first material imported into a key is its current one, for good. A symmetric
//! encryption key may take new material (ImportType NEW_KEY_MATERIAL), which waits as
//! PENDING_ROTATION until RotateKeyOnDemand makes it current. Any other import must bring
//! back material the key already has (EXISTING_KEY_MATERIAL, the default once the key has
//! some): after it was deleted or expired, or to change its expiry.
//!
//! A multi-Region key with imported material takes it into each related key by its own
//! import, as in AWS KMS: the material must be one the related keys have (the same
//! KeyMaterialId, derived from the material and the shared key id), or
//! IncorrectKeyMaterialException. The primary takes the first material, and new material for
//! rotation (NEW_KEY_MATERIAL); a replica takes only material a related key has, in the state
//! it has in the primary — its new material too, as PENDING_ROTATION, imported with
//! EXISTING_KEY_MATERIAL (NEW_KEY_MATERIAL into a replica that has material is refused: new
//! material goes into the primary first). Expiry is each key's own.

use serde_json::{Value, json};
use trent_api::ops::import_key_material::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_crypto::KeyMaterial;
use trent_store::{ImportedMaterialRecord, KeyRecord, MaterialRecord, Store, StoreError};
use trent_types::{
    ExpirationModel, ImportState, ImportType, KeyMaterialState, KeySpec, MaterialId, Timestamp,
};

use super::{Ctx, Handler, OpSpec, invalid_ciphertext, need};
use crate::authz::Conditions;
use crate::import::{MAX_VALID_TO_MS, require_external, state_after};
use crate::{Error, Result, keys, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ImportKeyMaterial,
        action: "kms:ImportKeyMaterial",
        key_states: state::IMPORTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "expirationModel": req.expiration_model,
            "validTo": req.valid_to,
            "importType": req.import_type,
            "keyMaterialId": req.key_material_id,
            "keyMaterialDescription": req.key_material_description,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let token = need(req.import_token.as_ref(), "ImportToken")?;
        let wrapped = need(req.encrypted_key_material.as_ref(), "EncryptedKeyMaterial")?;
        let now = cx.svc.clock().now();
        let (model, valid_to) = expiration(&req, now)?;
        let conditions = Conditions::NONE.expiration(model.as_str(), valid_to);
        let target = cx.svc.resolve(cx.caller, key_ref).await?;
        let view = cx
            .svc
            .preflight_view(cx, &Self::SPEC, &target, &conditions)
            .await?;
        let (record, arn) = (view.record, view.arn);
        require_external(&record, &arn)?;
        let symmetric = record.key_spec == KeySpec::SymmetricDefault;
        // Asymmetric and HMAC keys have one material, for good: nothing to choose or name.
        if !symmetric
            && (req.import_type.is_some()
                || req.key_material_id.is_some()
                || req.key_material_description.is_some())
        {
            return Err(Error::validation(
                "ImportType, KeyMaterialId and KeyMaterialDescription are supported only for symmetric encryption KMS keys.",
            ));
        }
        let (algorithm, wrapping) = cx.svc.open_import_token(&arn, token.as_bytes())?;
        let plaintext = wrapping
            .unwrap(algorithm, wrapped.as_bytes())
            .map_err(|_| invalid_ciphertext())?;
        let material = trent_crypto::import::imported_material(
            record.key_spec,
            record.key_usage,
            plaintext.as_bytes(),
        )
        .map_err(|_| incorrect_material("The key material is not valid for this KMS key."))?;
        drop(plaintext);
        let material_id =
            trent_crypto::import::imported_material_id(record.key_id.as_str(), &material);
        if let Some(asked) = req.key_material_id.as_deref()
            && MaterialId::from_hex(asked) != Some(material_id)
        {
            return Err(incorrect_material(
                "The key material does not match the KeyMaterialId in the request.",
            ));
        }
        let sealed = cx
            .svc
            .sealer()
            .seal(&arn, &material_id, &material)
            .map_err(Error::internal)?;
        drop::<KeyMaterial>(material);

        const ATTEMPTS: usize = 8;
        let mut record = record;
        for _ in 0..ATTEMPTS {
            let imported = cx
                .svc
                .store()
                .imported_materials(&record.region, &record.key_id)
                .await?;
            let related = related_materials(cx, &record).await?;
            let row = decide(
                &req,
                &record,
                &imported,
                related.as_ref(),
                material_id,
                now,
                valid_to,
            )?;
            let mut after: Vec<ImportedMaterialRecord> = imported
                .into_iter()
                .filter(|m| m.material_id != material_id)
                .collect();
            after.push(row.clone());
            let mut changed = record.clone();
            changed.state = state_after(record.state, &after);
            if row.state == KeyMaterialState::Current {
                changed.current_material = Some(material_id);
            }
            let sealed_row = MaterialRecord {
                region: record.region.clone(),
                key_id: record.key_id.clone(),
                material_id,
                state: row.sealed_state(),
                created: row.rotation_date.unwrap_or(row.associated),
                rotation_type: row.rotation_type(),
                sealed: sealed.clone(),
            };
            match cx
                .svc
                .store()
                .import_material(&changed, &row, &sealed_row)
                .await
            {
                Ok(()) => {
                    cx.svc.invalidate_key(&changed.region, &changed.key_id);
                    return Ok(Response {
                        key_id: Some(arn),
                        key_material_id: Some(material_id.to_hex()),
                    });
                }
                Err(StoreError::Conflict) => {
                    record = cx.svc.key_record(&target).await?;
                    state::check(record.state, Self::SPEC.key_states, &arn)?;
                }
                Err(StoreError::NotFound) => return Err(keys::key_not_found(&arn)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "The key was changed by another request at the same time. Retry the request.",
        ))
    }
}

/// The expiration model and expiry a request asks for, checked as AWS checks them.
fn expiration(req: &Request, now: Timestamp) -> Result<(ExpirationModel, Option<Timestamp>)> {
    let model = req
        .expiration_model
        .as_deref()
        .map(|m| {
            ExpirationModel::parse(m).ok_or_else(|| Error::validation("Invalid ExpirationModel."))
        })
        .transpose()?
        .unwrap_or(ExpirationModel::KeyMaterialExpires);
    let valid_to = req.valid_to.map(from_epoch_seconds).transpose()?;
    match (model, valid_to) {
        (ExpirationModel::KeyMaterialDoesNotExpire, None) => Ok((model, None)),
        (ExpirationModel::KeyMaterialDoesNotExpire, Some(_)) => Err(Error::validation(
            "ValidTo must not be set when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.",
        )),
        (ExpirationModel::KeyMaterialExpires, None) => Err(Error::validation(
            "ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.",
        )),
        (ExpirationModel::KeyMaterialExpires, Some(v)) => {
            if v <= now {
                return Err(Error::validation("ValidTo must be a time in the future."));
            }
            if v.millis() > now.millis().saturating_add(MAX_VALID_TO_MS) {
                return Err(Error::validation(
                    "ValidTo must be no more than 365 days from now.",
                ));
            }
            Ok((model, Some(v)))
        }
    }
}

/// What the other related keys of a multi-Region key hold, read for an import into one.
struct Related {
    /// Whether the key imported into is a replica.
    replica: bool,
    /// The primary key's ARN.
    primary_arn: String,
    /// Every material ever imported into the primary, when the key imported into is a
    /// replica (empty otherwise): the primary says which material is new, current or older.
    primary: Vec<ImportedMaterialRecord>,
    /// Every material ever imported into any other related key (deleted ones included: only
    /// the same material may come back).
    materials: Vec<ImportedMaterialRecord>,
}

/// The materials of `record`'s related keys; `None` for a single-Region key.
async fn related_materials(cx: &Ctx<'_>, record: &KeyRecord) -> Result<Option<Related>> {
    let Some(set) = cx.svc.related_keys(record).await? else {
        return Ok(None);
    };
    let replica = set.primary_region != record.region;
    let mut primary = Vec::new();
    let mut materials = Vec::new();
    for other in set.keys.iter().filter(|k| k.region != record.region) {
        let theirs = cx
            .svc
            .store()
            .imported_materials(&other.region, &other.key_id)
            .await?;
        if other.region == set.primary_region {
            primary.clone_from(&theirs);
        }
        materials.extend(theirs);
    }
    Ok(Some(Related {
        replica,
        primary_arn: keys::key_arn(&set.primary_region, &set.account, &set.key_id),
        primary,
        materials,
    }))
}

/// The row the imported material gets, by the import type asked for (or its default), what
/// the key already has and, for a multi-Region key, what its related keys have.
fn decide(
    req: &Request,
    record: &KeyRecord,
    imported: &[ImportedMaterialRecord],
    related: Option<&Related>,
    material_id: MaterialId,
    now: Timestamp,
    valid_to: Option<Timestamp>,
) -> Result<ImportedMaterialRecord> {
    let arn = keys::record_arn(record);
    let import_type = match req.import_type.as_deref() {
        Some(t) => ImportType::parse(t).ok_or_else(|| Error::validation("Invalid ImportType."))?,
        None if imported.is_empty() => ImportType::NewKeyMaterial,
        None => ImportType::ExistingKeyMaterial,
    };
    if let Some(related) = related
        && let Some(row) = related_import(
            req,
            record,
            imported,
            related,
            import_type,
            material_id,
            now,
            valid_to,
        )?
    {
        return Ok(row);
    }
    let existing = imported.iter().find(|m| m.material_id == material_id);
    match import_type {
        ImportType::ExistingKeyMaterial => {
            let Some(existing) = existing else {
                return Err(incorrect_material(
                    "The key material is not the key material previously imported into this KMS key.",
                ));
            };
            Ok(ImportedMaterialRecord {
                import_state: ImportState::Imported,
                valid_to,
                description: req
                    .key_material_description
                    .clone()
                    .or_else(|| existing.description.clone()),
                ..existing.clone()
            })
        }
        ImportType::NewKeyMaterial => {
            if req.key_material_id.is_some() {
                return Err(Error::validation(
                    "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL.",
                ));
            }
            if existing.is_some() {
                return Err(Error::validation(format!(
                    "This key material is already associated with {arn}. Import it with ImportType EXISTING_KEY_MATERIAL."
                )));
            }
            let state = if imported.is_empty() {
                KeyMaterialState::Current
            } else if imported
                .iter()
                .any(|m| m.state == KeyMaterialState::PendingRotation)
            {
                return Err(Error::invalid_state(format!(
                    "{arn} already has new key material waiting for RotateKeyOnDemand."
                )));
            } else {
                KeyMaterialState::PendingRotation
            };
            Ok(ImportedMaterialRecord {
                region: record.region.clone(),
                key_id: record.key_id.clone(),
                material_id,
                state,
                import_state: ImportState::Imported,
                valid_to,
                description: req.key_material_description.clone(),
                associated: now,
                rotation_date: None,
            })
        }
    }
}

/// The rules a multi-Region key adds to an import: `Some` row when the material is one of
/// the related keys' that this key has never had, arriving in this key in the state it has
/// there (the primary's state first); `None` when the import is decided as for any key.
#[allow(clippy::too_many_arguments)] // The same facts `decide` reads, plus the related keys'.
fn related_import(
    req: &Request,
    record: &KeyRecord,
    imported: &[ImportedMaterialRecord],
    related: &Related,
    import_type: ImportType,
    material_id: MaterialId,
    now: Timestamp,
    valid_to: Option<Timestamp>,
) -> Result<Option<ImportedMaterialRecord>> {
    let arn = keys::record_arn(record);
    if related.replica && !imported.is_empty() && import_type == ImportType::NewKeyMaterial {
        return Err(Error::validation(format!(
            "{arn} is a multi-Region replica key: new key material must be imported into the primary Region key {} first, then into the replica with ImportType EXISTING_KEY_MATERIAL.",
            related.primary_arn
        )));
    }
    if imported.iter().any(|m| m.material_id == material_id) {
        // Material the key has had: reimported, or refused as NEW, as for any key.
        return Ok(None);
    }
    let same = |m: &&ImportedMaterialRecord| m.material_id == material_id;
    let in_primary = related.primary.iter().find(same);
    let Some(theirs) = in_primary.or_else(|| related.materials.iter().find(same)) else {
        if related.replica && related.materials.is_empty() {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                format!(
                    "{arn} is a multi-Region replica key: import the key material into its primary key {} first, then the same key material into the replica.",
                    related.primary_arn
                ),
            ));
        }
        if related.replica || (imported.is_empty() && !related.materials.is_empty()) {
            return Err(incorrect_material(
                "The key material is not the key material of the related multi-Region keys. Import the same key material into every related multi-Region key.",
            ));
        }
        // The primary's first material, before any related key has one, or its new
        // material: decided as for any key.
        return Ok(None);
    };
    let state = match theirs.state {
        KeyMaterialState::PendingRotation
        | KeyMaterialState::PendingMultiRegionImportAndRotation => {
            if !related.replica {
                // Left pending in a replica that was the primary before: new material for
                // this primary as any other.
                return Ok(None);
            }
            if in_primary.is_none() {
                return Err(incorrect_material(&format!(
                    "The key material is not new key material of the primary Region key {}. Import new key material into the primary Region key first.",
                    related.primary_arn
                )));
            }
            if imported
                .iter()
                .any(|m| m.state == KeyMaterialState::PendingRotation)
            {
                return Err(Error::invalid_state(format!(
                    "{arn} already has other new key material waiting for RotateKeyOnDemand. Delete it with DeleteImportedKeyMaterial first."
                )));
            }
            KeyMaterialState::PendingRotation
        }
        KeyMaterialState::Current | KeyMaterialState::NonCurrent
            if import_type == ImportType::NewKeyMaterial && !imported.is_empty() =>
        {
            return Err(Error::validation(format!(
                "This key material is already associated with the related multi-Region keys of {arn}. Import it with ImportType EXISTING_KEY_MATERIAL."
            )));
        }
        KeyMaterialState::Current => {
            if imported
                .iter()
                .any(|m| m.state == KeyMaterialState::Current)
            {
                return Err(Error::invalid_state(format!(
                    "{arn} has other current key material than its related multi-Region keys."
                )));
            }
            KeyMaterialState::Current
        }
        KeyMaterialState::NonCurrent => KeyMaterialState::NonCurrent,
    };
    Ok(Some(ImportedMaterialRecord {
        region: record.region.clone(),
        key_id: record.key_id.clone(),
        material_id,
        state,
        import_state: ImportState::Imported,
        valid_to,
        description: req
            .key_material_description
            .clone()
            .or_else(|| theirs.description.clone()),
        associated: now,
        // A material the related keys rotated to shows the same rotation here.
        rotation_date: match state {
            KeyMaterialState::PendingRotation => None,
            _ => theirs.rotation_date,
        },
    }))
}

/// A wire timestamp (seconds since the epoch, with a fraction) as a [`Timestamp`].
fn from_epoch_seconds(seconds: f64) -> Result<Timestamp> {
    let millis = (seconds * 1000.0).round();
    // Within ±2^53 ms an f64 holds every millisecond exactly, far beyond any real date.
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    if !millis.is_finite() || millis.abs() > LIMIT {
        return Err(Error::validation("ValidTo is not a valid timestamp."));
    }
    #[allow(clippy::cast_possible_truncation)] // Bounded just above.
    Ok(Timestamp::from_millis(millis as i64))
}

fn incorrect_material(message: &str) -> Error {
    Error::new(ErrorKind::IncorrectKeyMaterial, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_types::{KeyId, Region};

    const NOW: Timestamp = Timestamp::from_millis(1_700_000_000_000);

    fn key(region: &str) -> KeyRecord {
        crate::import::external_multi_region_key(
            region,
            KeyId::parse("mrk-1234abcd12ab34cd56ef1234567890ab").unwrap(),
        )
    }

    fn row(region: &str, id: u8, state: KeyMaterialState) -> ImportedMaterialRecord {
        ImportedMaterialRecord {
            region: Region::parse(region).unwrap(),
            key_id: key(region).key_id,
            material_id: MaterialId([id; 32]),
            state,
            import_state: ImportState::Imported,
            valid_to: None,
            description: None,
            associated: Timestamp::from_millis(0),
            rotation_date: (state == KeyMaterialState::Current && id > 1)
                .then_some(Timestamp::from_millis(5)),
        }
    }

    /// A replica in eu-west-1 whose primary (us-east-1) has `primary`, and another replica
    /// (ap-south-1) `other`.
    fn related(
        primary: Vec<ImportedMaterialRecord>,
        other: Vec<ImportedMaterialRecord>,
    ) -> Related {
        let mut materials = primary.clone();
        materials.extend(other);
        Related {
            replica: true,
            primary_arn:
                "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab".into(),
            primary,
            materials,
        }
    }

    fn import(
        imported: &[ImportedMaterialRecord],
        related: &Related,
        import_type: ImportType,
        id: u8,
    ) -> Result<Option<ImportedMaterialRecord>> {
        let record = if related.replica {
            key("eu-west-1")
        } else {
            key("us-east-1")
        };
        related_import(
            &Request::default(),
            &record,
            imported,
            related,
            import_type,
            MaterialId([id; 32]),
            NOW,
            None,
        )
    }

    use ImportType::{ExistingKeyMaterial as Existing, NewKeyMaterial as New};
    use KeyMaterialState::{Current, NonCurrent, PendingRotation};

    #[test]
    fn a_replica_takes_the_primarys_new_material_as_pending() {
        let related = related(
            vec![
                row("us-east-1", 1, Current),
                row("us-east-1", 2, PendingRotation),
            ],
            vec![],
        );
        let mine = [row("eu-west-1", 1, Current)];
        let taken = import(&mine, &related, Existing, 2).unwrap().unwrap();
        assert_eq!(taken.state, PendingRotation);
        assert_eq!(taken.rotation_date, None);
        assert_eq!(taken.associated, NOW);
        // Before its current material too: it then waits for that (state_after).
        let taken = import(&[], &related, New, 2).unwrap().unwrap();
        assert_eq!(taken.state, PendingRotation);
        // Never as new material of its own, and never a second pending one.
        let new = import(&mine, &related, New, 2).unwrap_err();
        assert_eq!(new.kind(), ErrorKind::Validation);
        let second = [
            row("eu-west-1", 1, Current),
            row("eu-west-1", 3, PendingRotation),
        ];
        let twice = import(&second, &related, Existing, 2).unwrap_err();
        assert_eq!(twice.kind(), ErrorKind::KmsInvalidState);
    }

    #[test]
    fn a_replica_takes_only_material_the_primary_has() {
        let related = related(
            vec![row("us-east-1", 1, Current)],
            vec![
                row("ap-south-1", 1, Current),
                row("ap-south-1", 4, PendingRotation),
            ],
        );
        let mine = [row("eu-west-1", 1, Current)];
        let unknown = import(&mine, &related, Existing, 9).unwrap_err();
        assert_eq!(unknown.kind(), ErrorKind::IncorrectKeyMaterial);
        // Pending only in another replica (the primary before an UpdatePrimaryRegion).
        let elsewhere = import(&mine, &related, Existing, 4).unwrap_err();
        assert_eq!(elsewhere.kind(), ErrorKind::IncorrectKeyMaterial);
        // Its own material again: decided as for any key.
        assert!(import(&mine, &related, Existing, 1).unwrap().is_none());
    }

    #[test]
    fn a_new_replica_takes_older_and_current_material_as_the_primary_has_them() {
        let related = related(
            vec![
                row("us-east-1", 1, NonCurrent),
                row("us-east-1", 2, Current),
            ],
            vec![],
        );
        let old = import(&[], &related, New, 1).unwrap().unwrap();
        assert_eq!(old.state, NonCurrent);
        let current = import(std::slice::from_ref(&old), &related, Existing, 2)
            .unwrap()
            .unwrap();
        assert_eq!(current.state, Current);
        assert_eq!(current.rotation_date, Some(Timestamp::from_millis(5)));
    }

    #[test]
    fn the_primary_takes_new_material_as_any_key() {
        let mut related = related(vec![], vec![row("eu-west-1", 1, Current)]);
        related.replica = false;
        let mine = [row("us-east-1", 1, Current)];
        assert!(import(&mine, &related, New, 2).unwrap().is_none());
        // Material the replicas already have is not new.
        let old = [row("us-east-1", 2, Current)];
        let again = import(&old, &related, New, 1).unwrap_err();
        assert_eq!(again.kind(), ErrorKind::Validation);
    }
}
