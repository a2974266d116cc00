//! Background jobs: deleting keys whose waiting period has passed (and starting that of primary keys whose
//! replicas are gone, [`crate::multi_region`]), rotating keys whose
//! next automatic rotation date has (the rotation itself is [`crate::rotation`]'s), deleting
//! imported key material whose expiry has passed ([`crate::import`]),
//! writing down the key uses noted since the last run, and pruning the change feed
//! ([`crate::changes`]).
//!
//! Time comes from the service's clock, so a test advances a manual clock and the job acts
//! on its next tick without anyone waiting days.

use std::time::Duration;

use tokio::sync::oneshot;

use trent_store::{Store, StoreError};

use crate::Service;

/// Runs the jobs every `interval` until `stop` fires (or its sender is dropped), then writes
/// down the key uses noted since the last run.
pub async fn run(svc: Service, interval: Duration, stop: oneshot::Receiver<()>) {
    every(interval, stop, || run_once(&svc)).await;
    if let Err(e) = svc.flush_key_usage().await {
        tracing::warn!(error = %e, "key usage noted since the last job run is lost");
    }
}

/// Calls `job` at once and then every `interval` (never two at a time) until `stop` fires or
/// its sender is dropped.
pub(crate) async fn every<F, Fut>(interval: Duration, mut stop: oneshot::Receiver<()>, mut job: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut stop => break,
        }
        job().await;
    }
}

async fn run_once(svc: &Service) {
    if let Err(e) = svc.delete_due_keys().await {
        tracing::warn!(error = %e, "key deletion job failed; will retry");
    }
    if let Err(e) = svc.start_primary_deletions().await {
        tracing::warn!(error = %e, "starting the deletion of primary keys failed; will retry");
    }
    if let Err(e) = svc.rotate_due_keys().await {
        tracing::warn!(error = ?e, "key rotation job failed; will retry");
    }
    if let Err(e) = svc.expire_imported_material().await {
        tracing::warn!(error = ?e, "imported key material expiry job failed; will retry");
    }
    if let Err(e) = svc.flush_key_usage().await {
        tracing::warn!(error = %e, "writing key usage failed; will retry");
    }
    if let Err(e) = svc.prune_changes().await {
        tracing::warn!(error = %e, "pruning the change feed failed; will retry");
    }
}

impl Service {
    /// Deletes every key whose deletion date has passed; returns how many were deleted.
    pub async fn delete_due_keys(&self) -> Result<usize, StoreError> {
        let now = self.clock().now();
        let due = self.store().keys_due_for_deletion(now).await?;
        let mut deleted = 0;
        for (region, key_id) in due {
            // Read the key again: a CancelKeyDeletion may have won the race.
            let Some(record) = self.store().key(&region, &key_id).await? else {
                continue;
            };
            let still_due = record.state == trent_types::KeyState::PendingDeletion
                && record.deletion_date.is_some_and(|d| d <= now);
            if !still_due || self.hold_primary_with_replicas(&record).await? {
                continue;
            }
            match self.store().delete_key(&region, &key_id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
            self.invalidate_key(&region, &key_id);
            self.invalidate_aliases_of(&key_id);
            deleted += 1;
            self.audit_service_event(&record, "DeleteKey", now).await;
        }
        Ok(deleted)
    }
}
