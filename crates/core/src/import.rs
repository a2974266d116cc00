//! Imported key material (origin EXTERNAL): import tokens, the key state that follows from a
//! key's materials, removing a material (DeleteImportedKeyMaterial, or the expiry job), and
//! what DescribeKey and the hot path read of expiry.
//!
//! An import token is self-contained, so no table of pending imports exists:
//!
//! ```text
//! 0x01 | wrapping algorithm (1 byte) | wrapping key spec (1 byte) | expiry, ms since the epoch (8 bytes, BE)
//!      | the wrapping private key (PKCS#8), sealed under the data-encryption key
//! AAD of the seal = "trent import token v1" || key ARN || the 11 bytes before it
//! ```
//!
//! A token changed in any byte, or presented for another key, does not open
//! (`InvalidImportTokenException`); one past its expiry is `ExpiredImportTokenException`.
//!
//! A multi-Region key with imported material takes new material (for RotateKeyOnDemand) in
//! its primary first, then the same material in each replica, each PENDING_ROTATION in the
//! key that has it. Whether the primary's pending material is still missing from a replica
//! (PENDING_MULTI_REGION_IMPORT_AND_ROTATION) is never stored: it is read from the replicas'
//! materials whenever it is asked ([`shown_state`]), so a new replica, a deleted one, or a
//! replica's material deleted or expired changes the answer without any bookkeeping. The
//! rotation makes the material current in the primary and every replica in one store
//! transaction, and deleting the primary's pending material (or its expiry) deletes the
//! replicas' copies in the same transaction.

use serde_json::json;
use trent_api::ErrorKind;
use trent_audit::{AuditEvent, Resource, UserIdentity};
use trent_crypto::WrappingKey;
use trent_store::{ImportedMaterialRecord, KeyRecord, Store, StoreError};
use trent_types::{
    AlgorithmSpec, ExpirationModel, ImportState, KeyMaterialState, KeyState, MaterialId,
    RotationType, Timestamp, WrappingKeySpec,
};
use zeroize::Zeroizing;

use crate::{Error, Service, keys};

/// How long a wrapping key and its import token stay valid, as in AWS: 24 hours.
pub const TOKEN_LIFETIME_MS: i64 = 24 * 3_600_000;

/// How far ahead ImportKeyMaterial's ValidTo may be: 365 days, as in AWS.
pub const MAX_VALID_TO_MS: i64 = 365 * 86_400_000;

const TOKEN_VERSION: u8 = 1;
const HEADER_LEN: usize = 11;

/// What an import token says in the clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TokenHeader {
    algorithm: AlgorithmSpec,
    spec: WrappingKeySpec,
    expires: Timestamp,
}

impl TokenHeader {
    fn encode(self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0] = TOKEN_VERSION;
        out[1] = index_of(AlgorithmSpec::VALUES, self.algorithm);
        out[2] = index_of(WrappingKeySpec::VALUES, self.spec);
        out[3..].copy_from_slice(&self.expires.millis().to_be_bytes());
        out
    }

    fn decode(token: &[u8]) -> Option<(Self, &[u8])> {
        let (header, sealed) = token.split_at_checked(HEADER_LEN)?;
        if header[0] != TOKEN_VERSION {
            return None;
        }
        let algorithm = *AlgorithmSpec::VALUES.get(usize::from(header[1]))?;
        let spec = *WrappingKeySpec::VALUES.get(usize::from(header[2]))?;
        let expires = i64::from_be_bytes(header[3..].try_into().ok()?);
        Some((
            Self {
                algorithm,
                spec,
                expires: Timestamp::from_millis(expires),
            },
            sealed,
        ))
    }
}

fn index_of<T: PartialEq>(values: &[T], value: T) -> u8 {
    values
        .iter()
        .position(|v| *v == value)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// What GetParametersForImport returns.
pub struct ImportParameters {
    pub token: Vec<u8>,
    pub public_key: Vec<u8>,
    pub valid_to: Timestamp,
}

/// The import token carries the sealed wrapping private key: left out.
impl std::fmt::Debug for ImportParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportParameters")
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

/// The earliest expiry of a key's materials that must all be there for the key to be usable
/// (every one but a PENDING_ROTATION one): when the hot path stops serving the key.
pub fn key_expiry(imported: &[ImportedMaterialRecord]) -> Option<Timestamp> {
    imported
        .iter()
        .filter(|m| m.state != KeyMaterialState::PendingRotation)
        .filter_map(|m| m.valid_to)
        .min()
}

/// DescribeKey's `ExpirationModel` of an imported key: whether its material expires.
pub fn expiration_model(imported: &[ImportedMaterialRecord]) -> Option<ExpirationModel> {
    if imported.is_empty() {
        return None;
    }
    Some(match key_expiry(imported) {
        Some(_) => ExpirationModel::KeyMaterialExpires,
        None => ExpirationModel::KeyMaterialDoesNotExpire,
    })
}

/// A material's `ExpirationModel` as ListKeyRotations shows it: only while imported.
pub fn material_expiration(m: &ImportedMaterialRecord) -> Option<ExpirationModel> {
    (m.import_state == ImportState::Imported).then_some(match m.valid_to {
        Some(_) => ExpirationModel::KeyMaterialExpires,
        None => ExpirationModel::KeyMaterialDoesNotExpire,
    })
}

/// The state a key whose materials are `imported` is in: usable once it has a current
/// material and every material it depends on is imported, PendingImport while one is
/// missing. Pending deletion, and the choice between enabled and disabled, stay the key's.
pub fn state_after(current: KeyState, imported: &[ImportedMaterialRecord]) -> KeyState {
    // A replica may take the primary's new or older material before its current one.
    let complete = imported
        .iter()
        .any(|m| m.state == KeyMaterialState::Current)
        && imported
            .iter()
            .filter(|m| m.state != KeyMaterialState::PendingRotation)
            .all(|m| m.import_state == ImportState::Imported);
    match (current, complete) {
        (KeyState::PendingImport, true) => KeyState::Enabled,
        (KeyState::Enabled | KeyState::Disabled, false) => KeyState::PendingImport,
        (state, _) => state,
    }
}

/// Whether `material_id` is imported into a key whose materials are `imported` (associated
/// and there now, not deleted or expired).
pub fn has_imported(imported: &[ImportedMaterialRecord], material_id: MaterialId) -> bool {
    imported
        .iter()
        .any(|m| m.material_id == material_id && m.import_state == ImportState::Imported)
}

/// The state ListKeyRotations shows for material `m` of a key: a multi-Region primary's new
/// material that some replica (`replicas`, each key's materials) has not imported yet is
/// PENDING_MULTI_REGION_IMPORT_AND_ROTATION; any other material shows its stored state.
pub fn shown_state(m: &ImportedMaterialRecord, replicas: &[RelatedImports]) -> KeyMaterialState {
    if m.state == KeyMaterialState::PendingRotation
        && replicas
            .iter()
            .any(|r| !has_imported(&r.imported, m.material_id))
    {
        KeyMaterialState::PendingMultiRegionImportAndRotation
    } else {
        m.state
    }
}

/// A key's materials once RotateKeyOnDemand made `pending` current at `now`: the current one
/// before becomes NON_CURRENT.
pub fn rotated_materials(
    imported: &[ImportedMaterialRecord],
    pending: MaterialId,
    now: Timestamp,
) -> Vec<ImportedMaterialRecord> {
    imported
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if m.material_id == pending {
                m.state = KeyMaterialState::Current;
                m.rotation_date = Some(now);
            } else if m.state == KeyMaterialState::Current {
                m.state = KeyMaterialState::NonCurrent;
            }
            m
        })
        .collect()
}

/// A replica of a multi-Region key with imported material, and the materials imported into it.
#[derive(Debug, Clone)]
pub struct RelatedImports {
    pub key: KeyRecord,
    pub imported: Vec<ImportedMaterialRecord>,
}

/// UnsupportedOperationException for a key whose material is not imported.
pub fn require_external(record: &KeyRecord, arn: &str) -> Result<(), Error> {
    if record.origin == trent_types::Origin::External {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::UnsupportedOperation,
        format!(
            "{arn} origin is {} which is not valid for this operation.",
            record.origin
        ),
    ))
}

impl Service {
    /// A fresh wrapping key pair for importing into the key `arn`, and its sealed token.
    pub(crate) async fn import_parameters(
        &self,
        arn: &str,
        algorithm: AlgorithmSpec,
        spec: WrappingKeySpec,
    ) -> Result<ImportParameters, Error> {
        // RSA-4096 generation takes about a second: keep it off the request threads.
        let wrapping = tokio::task::spawn_blocking(move || WrappingKey::generate(spec))
            .await
            .map_err(Error::internal)?
            .map_err(Error::internal)?;
        let now = self.clock().now();
        let header = TokenHeader {
            algorithm,
            spec,
            expires: Timestamp::from_millis(now.millis().saturating_add(TOKEN_LIFETIME_MS)),
        };
        let encoded = header.encode();
        let sealed = self
            .sealer()
            .seal_import_token(arn, &encoded, wrapping.pkcs8())
            .map_err(Error::internal)?;
        let mut token = encoded.to_vec();
        token.extend_from_slice(&sealed);
        Ok(ImportParameters {
            token,
            public_key: wrapping.public_key_der().to_vec(),
            valid_to: header.expires,
        })
    }

    /// The wrapping algorithm and private key an import token for the key `arn` carries.
    pub(crate) fn open_import_token(
        &self,
        arn: &str,
        token: &[u8],
    ) -> Result<(AlgorithmSpec, WrappingKey), Error> {
        let invalid = || {
            Error::new(
                ErrorKind::InvalidImportToken,
                "The import token is not valid for this KMS key.",
            )
        };
        let (header, sealed) = TokenHeader::decode(token).ok_or_else(invalid)?;
        let encoded = header.encode();
        let pkcs8 = self
            .sealer()
            .unseal_import_token(arn, &encoded, sealed)
            .map_err(|_| invalid())?;
        if header.expires <= self.clock().now() {
            return Err(Error::new(
                ErrorKind::ExpiredImportToken,
                "The import token has expired. Call GetParametersForImport for a new one.",
            ));
        }
        let wrapping = WrappingKey::from_pkcs8(header.spec, Zeroizing::new(pkcs8.to_vec()))
            .map_err(|_| invalid())?;
        Ok((header.algorithm, wrapping))
    }

    /// The replicas of `record` with the materials imported into each, when `record` is a
    /// multi-Region primary; empty for any other key.
    pub(crate) async fn replica_imports(
        &self,
        record: &KeyRecord,
    ) -> Result<Vec<RelatedImports>, Error> {
        let Some(set) = self.related_keys(record).await? else {
            return Ok(Vec::new());
        };
        if set.primary_region != record.region {
            return Ok(Vec::new());
        }
        let mut replicas = Vec::new();
        for key in set.replicas() {
            let imported = self
                .store()
                .imported_materials(&key.region, &key.key_id)
                .await?;
            replicas.push(RelatedImports {
                key: key.clone(),
                imported,
            });
        }
        Ok(replicas)
    }

    /// Removes one imported material of `record` as read: the key goes to PendingImport when
    /// it depended on it; a PENDING_ROTATION material is forgotten instead, and when
    /// `record` is a multi-Region primary, so are the replicas' copies of it, in the same
    /// store transaction (a replica's own deletion leaves the other related keys alone).
    /// Returns the key as stored afterwards, or `None` if it or a replica changed since it
    /// was read (nothing was done then).
    pub(crate) async fn remove_imported(
        &self,
        record: &KeyRecord,
        imported: &[ImportedMaterialRecord],
        material_id: MaterialId,
    ) -> Result<Option<KeyRecord>, Error> {
        let arn = keys::record_arn(record);
        let Some(target) = imported.iter().find(|m| m.material_id == material_id) else {
            return Err(Error::not_found(format!(
                "Key material {} is not associated with {arn}.",
                material_id.to_hex()
            )));
        };
        let forget = target.state == KeyMaterialState::PendingRotation;
        let removed = |key: &KeyRecord, imported: &[ImportedMaterialRecord]| {
            let after: Vec<ImportedMaterialRecord> = imported
                .iter()
                .filter(|m| !(forget && m.material_id == material_id))
                .map(|m| {
                    let mut m = m.clone();
                    if m.material_id == material_id {
                        m.import_state = ImportState::PendingImport;
                        m.valid_to = None;
                    }
                    m
                })
                .collect();
            let mut changed = key.clone();
            changed.state = state_after(key.state, &after);
            changed
        };
        let mut after = removed(record, imported);
        let mut changed = vec![after.clone()];
        if forget {
            // Every replica, holding the material or not: the version check on each refuses
            // a copy imported meanwhile, which would otherwise be left behind.
            for replica in self.replica_imports(record).await? {
                let theirs = replica
                    .imported
                    .iter()
                    .find(|m| m.material_id == material_id);
                match theirs {
                    None => changed.push(replica.key),
                    Some(m) if m.state == KeyMaterialState::PendingRotation => {
                        changed.push(removed(&replica.key, &replica.imported));
                    }
                    // Associated with that replica for good: never the primary's new
                    // material's copy, left alone.
                    Some(_) => {}
                }
            }
        }
        match self
            .store()
            .remove_imported_materials(&changed, &material_id, forget)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Ok(None),
            // A replica deleted, or its copy deleted, meanwhile: read everything again.
            Err(StoreError::NotFound) if changed.len() > 1 => return Ok(None),
            Err(StoreError::NotFound) => return Err(keys::key_not_found(&arn)),
            Err(e) => return Err(e.into()),
        }
        for key in &changed {
            self.invalidate_key(&key.region, &key.key_id);
        }
        after.version += 1;
        Ok(Some(after))
    }

    /// RotateKeyOnDemand on an imported symmetric key: the new material imported into it
    /// becomes current — in a multi-Region primary, in the primary and every replica at
    /// once, which all must have imported it. Returns the key as stored afterwards, or
    /// `None` if it or a replica changed since `record` was read (nothing was done then).
    pub(crate) async fn rotate_imported(
        &self,
        record: &KeyRecord,
    ) -> Result<Option<KeyRecord>, Error> {
        let arn = keys::record_arn(record);
        let imported = self
            .store()
            .imported_materials(&record.region, &record.key_id)
            .await?;
        let Some(pending) = imported.iter().find(|m| {
            m.state == KeyMaterialState::PendingRotation && m.import_state == ImportState::Imported
        }) else {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                format!(
                    "{arn} has no new key material to rotate to. Import key material with \
                     ImportType NEW_KEY_MATERIAL first."
                ),
            ));
        };
        let pending = pending.material_id;
        let replicas = self.replica_imports(record).await?;
        let lacking: Vec<String> = replicas
            .iter()
            .filter(|r| !has_imported(&r.imported, pending))
            .map(|r| keys::record_arn(&r.key))
            .collect();
        if !lacking.is_empty() {
            return Err(Error::invalid_state(format!(
                "The new key material {} of {arn} is PENDING_MULTI_REGION_IMPORT_AND_ROTATION: \
                 import it into the replica keys {} with ImportType EXISTING_KEY_MATERIAL \
                 before rotating.",
                pending.to_hex(),
                lacking.join(", ")
            )));
        }
        let now = self.clock().now();
        let rotate = |key: &KeyRecord, imported: &[ImportedMaterialRecord]| {
            let mut rotated = key.clone();
            rotated.current_material = Some(pending);
            rotated.state = state_after(key.state, &rotated_materials(imported, pending, now));
            rotated
        };
        let mut rotated = rotate(record, &imported);
        let replicas_after: Vec<KeyRecord> = replicas
            .iter()
            .map(|r| rotate(&r.key, &r.imported))
            .collect();
        let mut all = vec![rotated.clone()];
        all.extend(replicas_after.iter().cloned());
        match self.store().rotate_imported_materials(&all, now).await {
            Ok(()) => {}
            Err(StoreError::Conflict | StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        for key in &all {
            self.invalidate_key(&key.region, &key.key_id);
        }
        rotated.version += 1;
        self.audit_rotation(now, record, &rotated, RotationType::OnDemand, arn)
            .await;
        for (replica, after) in replicas.iter().zip(&replicas_after) {
            self.audit_rotation(
                now,
                &replica.key,
                after,
                RotationType::OnDemand,
                keys::record_arn(&replica.key),
            )
            .await;
        }
        Ok(Some(rotated))
    }

    /// Deletes every imported material whose expiry has passed, leaving a
    /// `DeleteExpiredKeyMaterial` service event for each; returns how many. A key that
    /// changed meanwhile is left for the next run.
    pub async fn expire_imported_material(&self) -> Result<usize, Error> {
        let now = self.clock().now();
        let due = self.store().imported_materials_expired(now).await?;
        let mut expired = 0;
        for (region, key_id, material_id) in due {
            let Some(record) = self.store().key(&region, &key_id).await? else {
                continue;
            };
            let imported = self.store().imported_materials(&region, &key_id).await?;
            let still_due = imported.iter().any(|m| {
                m.material_id == material_id
                    && m.import_state == ImportState::Imported
                    && m.valid_to.is_some_and(|v| v <= now)
            });
            if !still_due {
                continue;
            }
            match self.remove_imported(&record, &imported, material_id).await {
                Ok(Some(after)) => {
                    expired += 1;
                    self.audit_expiry(now, &after, material_id).await;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = ?e, key = %keys::record_arn(&record), "deleting expired key material failed; will retry");
                }
            }
        }
        Ok(expired)
    }

    /// The `DeleteExpiredKeyMaterial` service event AWS KMS logs when material expires.
    async fn audit_expiry(&self, now: Timestamp, key: &KeyRecord, material_id: MaterialId) {
        let account = key.account.as_str();
        let arn = keys::record_arn(key);
        let mut event = AuditEvent::new(now, "DeleteExpiredKeyMaterial", "");
        event.event_type = "AwsServiceEvent";
        event.user_identity = UserIdentity {
            account_id: Some(account.to_owned()),
            ..UserIdentity::default()
        };
        event.aws_region = key.region.as_str().to_owned();
        event.source_ip_address = "kms.amazonaws.com".to_owned();
        event.user_agent = "kms.amazonaws.com".to_owned();
        event.recipient_account_id = account.to_owned();
        event.request_parameters = json!({ "keyId": arn });
        event.service_event_details = Some(json!({
            "keyId": key.key_id.as_str(),
            "keyMaterialId": material_id.to_hex(),
        }));
        event.resources = vec![Resource {
            account_id: account.to_owned(),
            resource_type: "AWS::KMS::Key",
            arn,
        }];
        if self.audit().record_durable(now, event).await.is_err() {
            tracing::error!("audit event of expired key material could not be recorded");
        }
    }
}

/// An enabled multi-Region key with imported material (material 1 current), for tests.
#[cfg(test)]
pub(crate) fn external_multi_region_key(region: &str, key_id: trent_types::KeyId) -> KeyRecord {
    KeyRecord {
        region: trent_types::Region::parse(region).unwrap(),
        account: trent_types::AccountId::parse("111122223333").unwrap(),
        key_id,
        description: String::new(),
        key_spec: trent_types::KeySpec::SymmetricDefault,
        key_usage: trent_types::KeyUsage::EncryptDecrypt,
        origin: trent_types::Origin::External,
        state: KeyState::Enabled,
        creation_date: Timestamp::from_millis(0),
        deletion_date: None,
        pending_window_days: None,
        policy: String::new(),
        multi_region: true,
        current_material: Some(MaterialId([1; 32])),
        version: 1,
        rotation: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trent_types::{KeyId, Region};

    fn material(
        state: KeyMaterialState,
        import: ImportState,
        valid_to: Option<i64>,
    ) -> ImportedMaterialRecord {
        ImportedMaterialRecord {
            region: Region::parse("us-east-1").unwrap(),
            key_id: KeyId::new_random(),
            material_id: MaterialId([1; 32]),
            state,
            import_state: import,
            valid_to: valid_to.map(Timestamp::from_millis),
            description: None,
            associated: Timestamp::from_millis(0),
            rotation_date: None,
        }
    }

    #[test]
    fn token_headers_round_trip_and_refuse_garbage() {
        let h = TokenHeader {
            algorithm: AlgorithmSpec::RsaAesKeyWrapSha256,
            spec: WrappingKeySpec::Rsa4096,
            expires: Timestamp::from_millis(1_700_000_000_123),
        };
        let mut token = h.encode().to_vec();
        token.extend_from_slice(b"sealed");
        assert_eq!(TokenHeader::decode(&token), Some((h, &b"sealed"[..])));
        assert_eq!(TokenHeader::decode(&token[..5]), None);
        token[0] = 2;
        assert_eq!(TokenHeader::decode(&token), None);
        token[0] = 1;
        token[1] = 200;
        assert_eq!(TokenHeader::decode(&token), None);
    }

    #[test]
    fn the_key_is_usable_only_with_every_material_it_depends_on() {
        use ImportState::{Imported, PendingImport};
        use KeyMaterialState::{Current, NonCurrent, PendingRotation};
        let all = [
            material(Current, Imported, None),
            material(NonCurrent, Imported, Some(5)),
        ];
        assert_eq!(
            state_after(KeyState::PendingImport, &all),
            KeyState::Enabled
        );
        assert_eq!(state_after(KeyState::Disabled, &all), KeyState::Disabled);
        let missing = [
            material(Current, Imported, None),
            material(NonCurrent, PendingImport, None),
        ];
        assert_eq!(
            state_after(KeyState::Enabled, &missing),
            KeyState::PendingImport
        );
        assert_eq!(
            state_after(KeyState::PendingDeletion, &missing),
            KeyState::PendingDeletion
        );
        // A material waiting for rotation is not depended on yet.
        let pending = [
            material(Current, Imported, Some(9)),
            material(PendingRotation, PendingImport, Some(1)),
        ];
        assert_eq!(state_after(KeyState::Enabled, &pending), KeyState::Enabled);
        assert_eq!(key_expiry(&pending), Some(Timestamp::from_millis(9)));
        assert_eq!(
            expiration_model(&pending),
            Some(ExpirationModel::KeyMaterialExpires)
        );
        assert_eq!(
            expiration_model(&all[..1]),
            Some(ExpirationModel::KeyMaterialDoesNotExpire)
        );
        assert_eq!(expiration_model(&[]), None);
        assert_eq!(
            state_after(KeyState::PendingImport, &[]),
            KeyState::PendingImport
        );
    }

    #[test]
    fn a_key_without_current_material_waits_for_it() {
        use ImportState::Imported;
        use KeyMaterialState::{NonCurrent, PendingRotation};
        // A replica that took the primary's new or older material before its current one.
        assert_eq!(
            state_after(
                KeyState::PendingImport,
                &[material(PendingRotation, Imported, None)]
            ),
            KeyState::PendingImport
        );
        assert_eq!(
            state_after(
                KeyState::PendingImport,
                &[material(NonCurrent, Imported, None)]
            ),
            KeyState::PendingImport
        );
    }

    fn with_id(mut m: ImportedMaterialRecord, id: u8) -> ImportedMaterialRecord {
        m.material_id = MaterialId([id; 32]);
        m
    }

    fn replica(imported: Vec<ImportedMaterialRecord>) -> RelatedImports {
        let key = external_multi_region_key("eu-west-1", KeyId::new_multi_region());
        RelatedImports { key, imported }
    }

    #[test]
    fn new_material_is_multi_region_pending_while_a_replica_lacks_it() {
        use ImportState::{Imported, PendingImport};
        use KeyMaterialState::{Current, PendingMultiRegionImportAndRotation, PendingRotation};
        let current = with_id(material(Current, Imported, None), 1);
        let new = with_id(material(PendingRotation, Imported, None), 2);
        let has_both = replica(vec![current.clone(), new.clone()]);
        let has_old = replica(vec![current.clone()]);
        let empty = replica(Vec::new());
        // A copy deleted (or expired) in the replica does not count.
        let deleted = replica(vec![
            current.clone(),
            with_id(material(PendingRotation, PendingImport, None), 2),
        ]);
        assert_eq!(shown_state(&new, &[]), PendingRotation);
        assert_eq!(
            shown_state(&new, std::slice::from_ref(&has_both)),
            PendingRotation
        );
        for lacking in [has_old, empty, deleted] {
            assert_eq!(
                shown_state(&new, &[has_both.clone(), lacking]),
                PendingMultiRegionImportAndRotation
            );
        }
        // Only new material is ever multi-Region pending.
        assert_eq!(shown_state(&current, &[replica(Vec::new())]), Current);
    }

    #[test]
    fn a_rotation_makes_the_new_material_current_and_the_current_one_older() {
        use ImportState::Imported;
        use KeyMaterialState::{Current, NonCurrent, PendingRotation};
        let rows = [
            with_id(material(NonCurrent, Imported, None), 1),
            with_id(material(Current, Imported, None), 2),
            with_id(material(PendingRotation, Imported, Some(7)), 3),
        ];
        let now = Timestamp::from_millis(42);
        let after = rotated_materials(&rows, MaterialId([3; 32]), now);
        let states: Vec<_> = after.iter().map(|m| m.state).collect();
        assert_eq!(states, [NonCurrent, NonCurrent, Current]);
        assert_eq!(after[2].rotation_date, Some(now));
        assert_eq!(after[1].rotation_date, None);
        assert_eq!(state_after(KeyState::Enabled, &after), KeyState::Enabled);
        // A replica that had only the new material becomes usable with it.
        let only_new = rotated_materials(&rows[2..], MaterialId([3; 32]), now);
        assert_eq!(
            state_after(KeyState::PendingImport, &only_new),
            KeyState::Enabled
        );
    }
}
