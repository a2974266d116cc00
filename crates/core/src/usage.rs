//! Each key's last successful cryptographic use, for GetKeyLastUsage.
//!
//! The hot path only notes a use in memory: a short lock on one of sixteen shards, and no
//! allocation once the key has been noted since the last write. The background jobs write
//! what was noted to the store in one batch on every run, and once more when the service
//! stops; a crash loses at most one job interval of uses. Reads merge the two, newest first.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

use trent_store::{KeyRecord, KeyUseRecord, Store, StoreError};
use trent_types::{KeyLastUsageTrackingOperation, KeyRef, Timestamp};

use crate::{Error, Service};

const SHARDS: usize = 16;

/// The setting that remembers when this deployment began tracking use.
pub(crate) const TRACKING_START: &str = "usage.tracking_start";

/// Uses noted since they were last written, by key ARN.
pub(crate) struct UsageTracker {
    shards: Box<[Mutex<HashMap<String, Use>>]>,
    hasher: RandomState,
    tracking_start: Timestamp,
}

impl std::fmt::Debug for UsageTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UsageTracker")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Use {
    time: Timestamp,
    operation: KeyLastUsageTrackingOperation,
    request_id: String,
    event_id: String,
}

impl UsageTracker {
    pub(crate) fn new(tracking_start: Timestamp) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            tracking_start,
        }
    }

    fn shard(&self, key_arn: &str) -> &Mutex<HashMap<String, Use>> {
        let i = (self.hasher.hash_one(key_arn) as usize) % self.shards.len();
        &self.shards[i]
    }

    /// Notes a use of each key in `key_arns` (ReEncrypt uses two).
    pub(crate) fn note(
        &self,
        key_arns: &[String],
        operation: KeyLastUsageTrackingOperation,
        time: Timestamp,
        request_id: &str,
        event_id: &str,
    ) {
        for arn in key_arns {
            let mut map = self.shard(arn).lock().unwrap_or_else(|p| p.into_inner());
            match map.get_mut(arn.as_str()) {
                Some(last) if last.time > time => {}
                Some(last) => {
                    last.time = time;
                    last.operation = operation;
                    last.request_id.clear();
                    last.request_id.push_str(request_id);
                    last.event_id.clear();
                    last.event_id.push_str(event_id);
                }
                None => {
                    map.insert(
                        arn.clone(),
                        Use {
                            time,
                            operation,
                            request_id: request_id.to_owned(),
                            event_id: event_id.to_owned(),
                        },
                    );
                }
            }
        }
    }

    fn pending(&self, key_arn: &str) -> Option<Use> {
        let map = self
            .shard(key_arn)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.get(key_arn).cloned()
    }

    fn snapshot(&self) -> Vec<(String, Use)> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let map = shard.lock().unwrap_or_else(|p| p.into_inner());
            all.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        all
    }

    /// Forgets uses that were written, unless a newer one was noted meanwhile.
    fn written(&self, written: &[(String, Use)]) {
        for (arn, used) in written {
            let mut map = self.shard(arn).lock().unwrap_or_else(|p| p.into_inner());
            if map.get(arn.as_str()) == Some(used) {
                map.remove(arn.as_str());
            }
        }
    }
}

impl Service {
    /// When this deployment began tracking key use (GetKeyLastUsage's TrackingStartDate).
    pub fn usage_tracking_start(&self) -> Timestamp {
        self.inner.usage.tracking_start
    }

    /// Notes a successful cryptographic use of each key in `key_arns`.
    pub(crate) fn note_use(
        &self,
        key_arns: &[String],
        operation: KeyLastUsageTrackingOperation,
        time: Timestamp,
        request_id: &str,
        event_id: &str,
    ) {
        self.inner
            .usage
            .note(key_arns, operation, time, request_id, event_id);
    }

    /// Writes the uses noted since the last write, in one batch; returns how many.
    pub async fn flush_key_usage(&self) -> Result<usize, StoreError> {
        let pending = self.inner.usage.snapshot();
        if pending.is_empty() {
            return Ok(0);
        }
        let records: Vec<KeyUseRecord> = pending
            .iter()
            .filter_map(|(arn, used)| match KeyRef::parse(arn) {
                Ok(KeyRef::Arn(key)) => Some(KeyUseRecord {
                    region: key.region,
                    key_id: key.key_id,
                    time: used.time,
                    operation: used.operation,
                    request_id: used.request_id.clone(),
                    event_id: used.event_id.clone(),
                }),
                _ => None,
            })
            .collect();
        self.store().record_key_uses(&records).await?;
        self.inner.usage.written(&pending);
        Ok(records.len())
    }

    /// A key's last use: the one noted here and not yet written, or else the stored one.
    /// `kms:TrailingDaysWithoutKeyUsage` of the key `key_ref` names (DisableKey,
    /// ScheduleKeyDeletion): whole days since its last successful cryptographic use or, never
    /// used, since it was created or tracking began, whichever is later. `None` when the
    /// reference names no key: the pre-flight then gives the error.
    pub(crate) async fn trailing_days_without_use(
        &self,
        caller: &crate::Caller,
        key_ref: &str,
    ) -> Result<Option<u32>, Error> {
        let Ok(target) = self.resolve(caller, key_ref).await else {
            return Ok(None);
        };
        let Ok(record) = self.key_record(&target).await else {
            return Ok(None);
        };
        let arn = crate::keys::key_arn(&record.region, &record.account, &record.key_id);
        let since = match self.last_use(&record, &arn).await? {
            Some(used) => used.time,
            None => record.creation_date.max(self.usage_tracking_start()),
        };
        let idle = self
            .clock()
            .now()
            .millis()
            .saturating_sub(since.millis())
            .max(0);
        Ok(Some(u32::try_from(idle / 86_400_000).unwrap_or(u32::MAX)))
    }

    pub(crate) async fn last_use(
        &self,
        record: &KeyRecord,
        key_arn: &str,
    ) -> Result<Option<KeyUseRecord>, Error> {
        let stored = self.store().key_use(&record.region, &record.key_id).await?;
        let noted = self.inner.usage.pending(key_arn).map(|used| KeyUseRecord {
            region: record.region.clone(),
            key_id: record.key_id.clone(),
            time: used.time,
            operation: used.operation,
            request_id: used.request_id,
            event_id: used.event_id,
        });
        Ok(match (noted, stored) {
            (Some(n), Some(s)) if s.time > n.time => Some(s),
            (Some(n), _) => Some(n),
            (None, s) => s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn the_latest_use_is_kept_and_a_written_one_forgotten() {
        let t = UsageTracker::new(at(0));
        let arns = [ARN.to_owned()];
        t.note(
            &arns,
            KeyLastUsageTrackingOperation::Encrypt,
            at(10),
            "r1",
            "e1",
        );
        t.note(
            &arns,
            KeyLastUsageTrackingOperation::Decrypt,
            at(5),
            "r0",
            "e0",
        );
        let first = t.pending(ARN).unwrap();
        assert_eq!(first.request_id, "r1");
        t.note(
            &arns,
            KeyLastUsageTrackingOperation::Sign,
            at(20),
            "r2",
            "e2",
        );
        let snapshot = t.snapshot();
        assert_eq!(snapshot.len(), 1);
        assert_eq!(snapshot[0].1.operation, KeyLastUsageTrackingOperation::Sign);

        // A use noted while the snapshot was being written stays for the next write.
        t.note(
            &arns,
            KeyLastUsageTrackingOperation::Verify,
            at(30),
            "r3",
            "e3",
        );
        t.written(&snapshot);
        assert_eq!(t.pending(ARN).unwrap().request_id, "r3");
        let snapshot = t.snapshot();
        t.written(&snapshot);
        assert_eq!(t.pending(ARN), None);
        assert!(t.snapshot().is_empty());
    }
}
