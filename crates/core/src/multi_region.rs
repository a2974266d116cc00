//! Multi-Region keys: related keys in several regions of one deployment that share a key id
//! (`mrk-...`) and key material, one of them the primary. Each related key is a key of its
//! own region — its own policy, tags, aliases, grants and state — with its own copy of every
//! material, sealed under its own ARN; the store's set of related keys says which region
//! holds the primary.
//!
//! What AWS keeps shared, Trent keeps shared in one store transaction: a rotation of the
//! primary gives every replica the same new material ([`crate::rotation`]; with imported
//! material, the new material each imported, [`crate::import`]), and UpdatePrimaryRegion
//! swaps the roles and moves the automatic rotation schedule with them.
//! Where AWS shows a transient state (a new replica `Creating`, a swap `Updating`), Trent
//! has finished before it answers, so the key is `Enabled` (or as it was) at once.
//!
//! Deletion: a primary scheduled for deletion while replicas remain waits in
//! `PendingReplicaDeletion`; the deletion job starts its waiting period once the last
//! replica is gone ([`Service::start_primary_deletions`]).

use trent_api::ErrorKind;
use trent_api::shapes::{MultiRegionConfiguration, MultiRegionKey};
use trent_audit::{AuditEvent, Resource, UserIdentity};
use trent_store::{KeyRecord, MultiRegionKeys, Store, StoreError};
use trent_types::{KeyState, MultiRegionKeyType, Region};

use crate::{Error, Service, keys};

/// `MultiRegionConfiguration` as DescribeKey reports it on the related key in `region`:
/// the key's role, the primary, and every replica.
pub fn configuration(set: &MultiRegionKeys, region: &Region) -> MultiRegionConfiguration {
    let entry = |r: &Region| MultiRegionKey {
        arn: Some(keys::key_arn(r, &set.account, &set.key_id)),
        region: Some(r.as_str().to_owned()),
    };
    let key_type = if *region == set.primary_region {
        MultiRegionKeyType::Primary
    } else {
        MultiRegionKeyType::Replica
    };
    MultiRegionConfiguration {
        multi_region_key_type: Some(key_type),
        primary_key: Some(entry(&set.primary_region)),
        replica_keys: Some(set.replicas().map(|k| entry(&k.region)).collect()),
    }
}

/// Whether `record` is a replica in `set`.
pub fn is_replica(set: Option<&MultiRegionKeys>, record: &KeyRecord) -> bool {
    set.is_some_and(|s| s.primary_region != record.region)
}

/// Refuses an operation only a primary key takes (managing the shared rotation) on a replica.
pub fn refuse_replica(set: Option<&MultiRegionKeys>, record: &KeyRecord) -> Result<(), Error> {
    if is_replica(set, record) {
        return Err(Error::new(
            ErrorKind::UnsupportedOperation,
            format!(
                "{} is a multi-Region replica key. Run this operation on its primary key in {}.",
                keys::record_arn(record),
                set.map_or("", |s| s.primary_region.as_str())
            ),
        ));
    }
    Ok(())
}

impl Service {
    /// The related keys of a multi-Region key; `None` for a single-Region key.
    pub async fn related_keys(&self, record: &KeyRecord) -> Result<Option<MultiRegionKeys>, Error> {
        if !record.multi_region {
            return Ok(None);
        }
        let set = self.store().multi_region_keys(&record.key_id).await?;
        Ok(set.filter(|s| s.account == record.account))
    }

    /// The related keys of the key a request names, if it names a multi-Region key; read
    /// before a change whose closure must know them.
    pub async fn related_keys_of(
        &self,
        caller: &crate::Caller,
        key_ref: &str,
    ) -> Result<Option<MultiRegionKeys>, Error> {
        let target = self.resolve(caller, key_ref).await?;
        if !target.key_id.is_multi_region() {
            return Ok(None);
        }
        let set = self.store().multi_region_keys(&target.key_id).await?;
        Ok(set.filter(|s| s.account == target.account))
    }

    /// Starts the waiting period of every primary key that waited in
    /// `PendingReplicaDeletion` and whose replicas are all deleted; returns how many.
    pub async fn start_primary_deletions(&self) -> Result<usize, StoreError> {
        let now = self.clock().now();
        let mut started = 0;
        for (region, key_id) in self.store().keys_awaiting_replica_deletion().await? {
            let Some(mut record) = self.store().key(&region, &key_id).await? else {
                continue;
            };
            if record.state != KeyState::PendingReplicaDeletion {
                continue;
            }
            let days = record.pending_window_days.unwrap_or(30);
            record.state = KeyState::PendingDeletion;
            record.deletion_date = Some(now.plus_days(days));
            match self.store().update_key(&record).await {
                // Cancelled or changed meanwhile: the next run looks again.
                Err(StoreError::Conflict | StoreError::NotFound) => continue,
                Err(e) => return Err(e),
                Ok(()) => {}
            }
            self.invalidate_key(&region, &key_id);
            started += 1;
            self.audit_service_event(&record, "ScheduleKeyDeletion", now)
                .await;
        }
        Ok(started)
    }

    /// Whether the deletion job must hold back `record` because replicas of it remain (a
    /// replica created while its primary's deletion was being scheduled): it then waits in
    /// `PendingReplicaDeletion` like any primary with replicas.
    pub(crate) async fn hold_primary_with_replicas(
        &self,
        record: &KeyRecord,
    ) -> Result<bool, StoreError> {
        if !record.multi_region {
            return Ok(false);
        }
        let Some(set) = self.store().multi_region_keys(&record.key_id).await? else {
            return Ok(false);
        };
        if set.primary_region != record.region || set.replicas().next().is_none() {
            return Ok(false);
        }
        let mut waiting = record.clone();
        waiting.state = KeyState::PendingReplicaDeletion;
        waiting.deletion_date = None;
        match self.store().update_key(&waiting).await {
            Ok(()) | Err(StoreError::Conflict | StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
        self.invalidate_key(&record.region, &record.key_id);
        Ok(true)
    }

    /// A service event (no caller) about one key, as AWS KMS logs them.
    pub(crate) async fn audit_service_event(
        &self,
        record: &KeyRecord,
        name: &str,
        now: trent_types::Timestamp,
    ) {
        let arn = keys::record_arn(record);
        let account = record.account.as_str();
        let mut event = AuditEvent::new(now, name, "");
        event.event_type = "AwsServiceEvent";
        event.user_identity = UserIdentity {
            account_id: Some(account.to_owned()),
            ..UserIdentity::default()
        };
        event.aws_region = record.region.as_str().to_owned();
        event.source_ip_address = "kms.amazonaws.com".to_owned();
        event.user_agent = "kms.amazonaws.com".to_owned();
        event.recipient_account_id = account.to_owned();
        event.request_parameters = serde_json::json!({ "keyId": arn });
        event.resources = vec![Resource {
            account_id: account.to_owned(),
            resource_type: "AWS::KMS::Key",
            arn,
        }];
        if self.audit().record_durable(now, event).await.is_err() {
            tracing::error!(
                event = name,
                "audit event of a service action could not be recorded"
            );
        }
    }
}
