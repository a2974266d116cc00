//! Key rotation: a key gets new material, which becomes current, while every older material
//! stays to decrypt what it encrypted. Both kinds — on demand (RotateKeyOnDemand) and
//! automatic (the job, once a key's next rotation date has passed) — go through
//! [`Service::rotate`], so both generate, seal, store, drop the cached key and leave the same
//! audit event.
//!
//! A multi-Region primary key rotates with its replicas: each gets the same new material
//! (sealed under its own ARN) in the same transaction.
//!
//! A rotation completes inside the call that starts it, in one store transaction: there is
//! never a rotation "in progress" to report afterwards. Two rotations of one key that race
//! are told apart by the key's version; the one that loses changes nothing.

use serde_json::json;
use trent_api::ErrorKind;
use trent_audit::{AuditEvent, Resource, UserIdentity};
use trent_crypto::KeyMaterial;
use trent_store::{AutoRotation, KeyRecord, MaterialRecord, MaterialState, Store, StoreError};
use trent_types::{KeySpec, KeyState, Origin, RotationType, Timestamp};

use crate::{Error, Service, keys};

/// The rotation period EnableKeyRotation uses when the request names none.
pub const DEFAULT_PERIOD_DAYS: u32 = 365;

/// How many on-demand rotations AWS KMS allows one key.
pub const ON_DEMAND_LIMIT: usize = 25;

const DAY_MS: i64 = 86_400_000;

/// Whether AWS KMS rotates this kind of key: symmetric encryption keys whose material it
/// generated. Asymmetric, HMAC and imported keys are not rotated.
pub fn rotatable(record: &KeyRecord) -> bool {
    record.key_spec == KeySpec::SymmetricDefault && record.origin == Origin::AwsKms
}

/// Whether a key rotates on demand to material imported into it: a symmetric encryption
/// key of origin EXTERNAL (never automatically).
pub fn imports_rotate(record: &KeyRecord) -> bool {
    record.key_spec == KeySpec::SymmetricDefault && record.origin == Origin::External
}

/// Refuses a key that [`rotatable`] says is not, with AWS's error.
pub fn check_rotatable(record: &KeyRecord) -> Result<(), Error> {
    if rotatable(record) {
        return Ok(());
    }
    if record.origin != Origin::AwsKms {
        return Err(Error::new(
            ErrorKind::UnsupportedOperation,
            format!(
                "{} origin is {} which is not valid for this operation.",
                keys::record_arn(record),
                record.origin
            ),
        ));
    }
    Err(Error::new(
        ErrorKind::UnsupportedOperation,
        "You cannot perform this operation on a non-symmetric key or a key with \
         non-ENCRYPT_DECRYPT key usage.",
    ))
}

/// The automatic rotation schedule after EnableKeyRotation with `period_days` at `now`.
///
/// Turning rotation on counts the period from now. Changing the period of a key that
/// already rotates keeps the schedule's starting point (the last automatic rotation, or when
/// rotation was turned on) and counts the new period from there; if that date has passed,
/// the key rotates at once.
pub fn schedule(current: Option<AutoRotation>, period_days: u32, now: Timestamp) -> AutoRotation {
    let next = match current {
        None => now.plus_days(period_days),
        Some(c) => {
            let since = Timestamp::from_millis(
                c.next
                    .millis()
                    .saturating_sub(i64::from(c.period_days).saturating_mul(DAY_MS)),
            );
            since.plus_days(period_days).max(now)
        }
    };
    AutoRotation { period_days, next }
}

impl Service {
    /// Rotates the key `record` describes, as it was read: new material, sealed, becomes
    /// current. An automatic rotation also moves the key's next rotation date one period on;
    /// an on-demand one leaves the schedule alone. Returns the key as stored afterwards, or
    /// `None` if the key changed since `record` was read (nothing was done then).
    pub(crate) async fn rotate(
        &self,
        record: &KeyRecord,
        kind: RotationType,
    ) -> Result<Option<KeyRecord>, Error> {
        let now = self.clock().now();
        let arn = keys::record_arn(record);
        // A multi-Region primary's replicas get the same material in the same transaction.
        let replicas: Vec<KeyRecord> = match self.related_keys(record).await? {
            Some(set) if set.primary_region == record.region => set.replicas().cloned().collect(),
            _ => Vec::new(),
        };
        let material_id = trent_crypto::random_material_id().map_err(Error::internal)?;
        let material = KeyMaterial::generate_symmetric().map_err(Error::internal)?;
        let seal = |key: &KeyRecord| -> Result<MaterialRecord, Error> {
            let sealed = self
                .sealer()
                .seal(&keys::record_arn(key), &material_id, &material)
                .map_err(Error::internal)?;
            Ok(MaterialRecord {
                region: key.region.clone(),
                key_id: key.key_id.clone(),
                material_id,
                state: MaterialState::Current,
                created: now,
                rotation_type: Some(kind),
                sealed,
            })
        };
        let mut rotated = record.clone();
        rotated.current_material = Some(material_id);
        if kind == RotationType::Automatic {
            rotated.rotation = record.rotation.map(|r| AutoRotation {
                period_days: r.period_days,
                next: now.plus_days(r.period_days),
            });
        }
        let mut rotations = vec![(rotated.clone(), seal(record)?)];
        for replica in &replicas {
            let mut r = replica.clone();
            r.current_material = Some(material_id);
            rotations.push((r, seal(replica)?));
        }
        drop(material);
        let stored = match rotations.as_slice() {
            [(key, new_material)] => self.store().rotate_key(key, new_material).await,
            all => self.store().rotate_keys(all).await,
        };
        match stored {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Ok(None),
            // A replica deleted meanwhile: the caller reads the key and its set again.
            Err(StoreError::NotFound) if !replicas.is_empty() => return Ok(None),
            Err(StoreError::NotFound) => return Err(keys::key_not_found(&arn)),
            Err(e) => return Err(e.into()),
        }
        for (key, _) in &rotations {
            self.invalidate_key(&key.region, &key.key_id);
        }
        rotated.version += 1;
        self.audit_rotation(now, record, &rotated, kind, arn).await;
        for replica in &replicas {
            let mut after = replica.clone();
            after.current_material = Some(material_id);
            self.audit_rotation(now, replica, &after, kind, keys::record_arn(replica))
                .await;
        }
        Ok(Some(rotated))
    }

    /// Rotates every enabled key whose next automatic rotation date has passed; returns how
    /// many were rotated. A key that fails is logged and left for the next run.
    pub async fn rotate_due_keys(&self) -> Result<usize, Error> {
        let now = self.clock().now();
        let due = self.store().keys_due_for_rotation(now).await?;
        let mut rotated = 0;
        for (region, key_id) in due {
            // Read the key again: it may have been disabled, or rotated, meanwhile.
            let Some(record) = self.store().key(&region, &key_id).await? else {
                continue;
            };
            let still_due = record.state == KeyState::Enabled
                && rotatable(&record)
                && record.rotation.is_some_and(|r| r.next <= now);
            if !still_due {
                continue;
            }
            match self.rotate(&record, RotationType::Automatic).await {
                Ok(Some(_)) => rotated += 1,
                // Changed meanwhile: the next run looks at it again.
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = ?e, key = %keys::record_arn(&record), "automatic rotation failed; will retry");
                }
            }
        }
        Ok(rotated)
    }

    /// The `RotateKey` service event AWS KMS logs for every rotation, automatic or on demand.
    pub(crate) async fn audit_rotation(
        &self,
        now: Timestamp,
        before: &KeyRecord,
        after: &KeyRecord,
        kind: RotationType,
        arn: String,
    ) {
        let account = after.account.as_str();
        let mut event = AuditEvent::new(now, "RotateKey", "");
        event.event_type = "AwsServiceEvent";
        event.user_identity = UserIdentity {
            account_id: Some(account.to_owned()),
            ..UserIdentity::default()
        };
        event.aws_region = after.region.as_str().to_owned();
        event.source_ip_address = "kms.amazonaws.com".to_owned();
        event.user_agent = "kms.amazonaws.com".to_owned();
        event.recipient_account_id = account.to_owned();
        event.service_event_details = Some(json!({
            "rotationType": kind.as_str(),
            "keyId": after.key_id.as_str(),
            "keyOrigin": after.origin.as_str(),
            "previousKeyMaterialId": before.current_material.map(|m| m.to_hex()),
            "currentKeyMaterialId": after.current_material.map(|m| m.to_hex()),
        }));
        event.resources = vec![Resource {
            account_id: account.to_owned(),
            resource_type: "AWS::KMS::Key",
            arn,
        }];
        if self.audit().record_durable(now, event).await.is_err() {
            tracing::error!("audit event of a key rotation could not be recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_000_000_000;

    #[test]
    fn turning_rotation_on_counts_the_period_from_now() {
        let now = Timestamp::from_millis(T);
        assert_eq!(
            schedule(None, 90, now),
            AutoRotation {
                period_days: 90,
                next: Timestamp::from_millis(T + 90 * DAY_MS),
            }
        );
    }

    #[test]
    fn a_new_period_counts_from_the_same_start() {
        // Turned on at T with 365 days; 100 days later the period becomes 180 days.
        let on = schedule(None, 365, Timestamp::from_millis(T));
        let later = Timestamp::from_millis(T + 100 * DAY_MS);
        assert_eq!(
            schedule(Some(on), 180, later).next,
            Timestamp::from_millis(T + 180 * DAY_MS)
        );
        // The same period again changes nothing.
        assert_eq!(schedule(Some(on), 365, later), on);
        // A period already over: due now.
        let much_later = Timestamp::from_millis(T + 200 * DAY_MS);
        assert_eq!(schedule(Some(on), 90, much_later).next, much_later);
    }
}
