//! Other nodes' changes: several Trent nodes share one store, and each caches keys and aliases.
//! A node drops its own cache entries the moment it commits a change; every other node learns
//! of the change from the store's change feed (a numbered row per change, written by the
//! store itself), which each node reads every `change_interval` (a second by default) and
//! drops what it names; it also checks then whether the stored identities changed
//! ([`crate::directory`]). The hot path reads nothing for either.
//!
//! So a change made through one node reaches the others within about a second, as changes in
//! AWS KMS are eventually consistent. A node that fell so far behind that the changes it
//! missed were pruned cannot tell what changed, and drops everything it caches.

use std::time::Duration;

use tokio::sync::oneshot;
use trent_store::{Change, Store, StoreError};

use crate::Service;

/// How many changes one read of the feed takes.
const PAGE: usize = 1000;

/// How many of the latest changes the store keeps for nodes catching up.
pub const KEPT_CHANGES: u64 = 100_000;

/// Where this node is in the change feed.
#[derive(Debug)]
pub(crate) struct ChangeCursor(tokio::sync::Mutex<i64>);

impl ChangeCursor {
    /// A cursor after the change numbered `seq`: what the caches hold was read after it.
    pub(crate) fn at(seq: i64) -> Self {
        Self(tokio::sync::Mutex::new(seq))
    }
}

/// Applies the change feed every `interval` until `stop` fires (or its sender is dropped).
pub async fn watch(svc: Service, interval: Duration, stop: oneshot::Receiver<()>) {
    crate::jobs::every(interval, stop, || async {
        if let Err(e) = svc.apply_changes().await {
            tracing::warn!(error = %e, "reading the change feed failed; will retry");
        }
        if let Err(e) = svc.refresh_identities().await {
            tracing::warn!(error = %e, "reloading identities failed; will retry");
        }
    })
    .await;
}

impl Service {
    /// Drops from the caches every key and alias changed since the last call, by this node or
    /// any other; returns how many changes it read.
    pub async fn apply_changes(&self) -> Result<usize, StoreError> {
        let mut cursor = self.inner.changes.0.lock().await;
        let mut read = 0;
        loop {
            let page = self.store().changes_since(*cursor, PAGE).await?;
            if page.first().is_some_and(|c| c.seq != *cursor + 1) {
                tracing::warn!(
                    after = *cursor,
                    "changes this node had not read were pruned; dropping every cached key"
                );
                self.forget_all();
            }
            for change in &page {
                self.forget(change);
            }
            read += page.len();
            match page.last() {
                Some(last) if page.len() == PAGE => *cursor = last.seq,
                Some(last) => {
                    *cursor = last.seq;
                    return Ok(read);
                }
                None => return Ok(read),
            }
        }
    }

    fn forget(&self, change: &Change) {
        match &change.region {
            Some(region) => self.invalidate_key(region, &change.key_id),
            None => self.invalidate_key_everywhere(&change.key_id),
        }
        if let (Some(region), Some((account, name))) = (&change.region, &change.alias) {
            self.invalidate_alias(region, account, name);
        }
    }

    /// Forgets old changes, keeping the latest [`KEPT_CHANGES`] for nodes catching up.
    pub async fn prune_changes(&self) -> Result<u64, StoreError> {
        self.store().prune_changes(KEPT_CHANGES).await
    }
}
