//! The identity directory: every access key the server accepts, configured or stored, in
//! memory, so authenticating a request reads no database.
//!
//! The table is one immutable [`Identities`] value behind an `ArcSwap`: a request loads it
//! without a lock and keeps the `Arc<Credential>` it found. It is rebuilt from the store when
//! the store's identity generation (a counter every identity change bumps) moves:
//!
//! - every `change_interval` (a second by default), when the node also reads the change feed
//!   ([`crate::changes`]): one cheap read of the generation, so a revoked or deactivated key,
//!   a detached or attached policy, a deleted principal take effect within about a second;
//! - when a request names an access key the table does not hold, so a key `trent admin`
//!   just created works at once. That lookup is the only database read authentication ever
//!   makes, and it is bounded: one at a time, at most [`LOOKUP_BURST`] at once and
//!   [`LOOKUPS_PER_SECOND`] after that, and an id found unknown is remembered as unknown
//!   until the generation moves, so a flood of made-up key ids cannot hammer the database.
//!
//! Configuration wins a clash: a stored principal whose ARN a configured identity has is
//! left out (with its access keys and policies), and so is a stored access key whose id is
//! configured; each is logged at every rebuild.
//!
//! A stored principal with an identity policy that no longer parses is left out whole (its
//! access keys stop working) rather than served without the policy, which could be a Deny.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use trent_seal::Sealer;
use trent_store::{AccessKeyStatus, Store, StoreError, StoredIdentities};
use zeroize::Zeroizing;

use crate::{Credential, Identities, Principal, Service};

/// Lookups of unknown access keys allowed at once, after a quiet spell.
pub const LOOKUP_BURST: f64 = 10.0;
/// Lookups of unknown access keys allowed per second, sustained.
pub const LOOKUPS_PER_SECOND: f64 = 10.0;
/// Unknown access key ids remembered; the set starts over when full.
const MAX_UNKNOWN: usize = 10_000;
/// Longer ids are never remembered (nor, being no id Trent issues, looked up twice).
const MAX_REMEMBERED_ID: usize = 128;

pub(crate) struct Directory {
    configured: Identities,
    table: ArcSwap<Identities>,
    /// The store generation the table was built from; -1 before the first build.
    generation: AtomicI64,
    /// Held while the table is rebuilt, so concurrent refreshes do the work once.
    rebuild: tokio::sync::Mutex<LookupBudget>,
    unknown: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A token bucket for lookups of unknown access keys.
struct LookupBudget {
    tokens: f64,
    at: Instant,
}

impl LookupBudget {
    fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * LOOKUPS_PER_SECOND).min(LOOKUP_BURST);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl Directory {
    /// A directory serving `configured` until the first refresh adds the stored identities.
    pub(crate) fn new(configured: Identities) -> Self {
        Self {
            table: ArcSwap::from_pointee(configured.clone()),
            configured,
            generation: AtomicI64::new(-1),
            rebuild: tokio::sync::Mutex::new(LookupBudget {
                tokens: LOOKUP_BURST,
                at: Instant::now(),
            }),
            unknown: Mutex::new(HashSet::new()),
        }
    }

    pub(crate) fn table(&self) -> arc_swap::Guard<Arc<Identities>> {
        self.table.load()
    }

    fn known(&self, access_key_id: &str) -> Option<Arc<Credential>> {
        self.table.load().credential(access_key_id).cloned()
    }

    fn known_unknown(&self, access_key_id: &str) -> bool {
        self.unknown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(access_key_id)
    }

    fn remember_unknown(&self, access_key_id: &str) {
        if access_key_id.len() > MAX_REMEMBERED_ID {
            return;
        }
        let mut unknown = self.unknown.lock().unwrap_or_else(|p| p.into_inner());
        if unknown.len() >= MAX_UNKNOWN {
            unknown.clear();
        }
        unknown.insert(access_key_id.to_owned());
    }

    /// Rebuilds the table if the store's generation moved; returns whether it did. The
    /// caller holds `rebuild`.
    async fn refresh_locked<S: Store>(
        &self,
        store: &S,
        sealer: &Sealer,
    ) -> Result<bool, StoreError> {
        let generation = store.identity_generation().await?;
        if generation == self.generation.load(Ordering::Acquire) {
            return Ok(false);
        }
        let stored = store.identities().await?;
        let table = build(&self.configured, &stored, sealer);
        self.table.store(Arc::new(table));
        self.generation.store(stored.generation, Ordering::Release);
        self.unknown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        Ok(true)
    }
}

impl Service {
    /// The access keys accepted now. A snapshot: a rebuild does not change the one returned.
    pub fn identities(&self) -> arc_swap::Guard<Arc<Identities>> {
        self.directory().table()
    }

    /// The credential of `access_key_id`, from memory; if it is not there, from one bounded
    /// look at the store (see the module comment).
    pub async fn credential(&self, access_key_id: &str) -> Option<Arc<Credential>> {
        if let Some(c) = self.directory().known(access_key_id) {
            return Some(c);
        }
        let dir = self.directory();
        if dir.known_unknown(access_key_id) {
            return None;
        }
        let mut budget = dir.rebuild.lock().await;
        // Another request's lookup may have found it while this one waited.
        if let Some(c) = dir.known(access_key_id) {
            return Some(c);
        }
        if dir.known_unknown(access_key_id) || !budget.take(Instant::now()) {
            return None;
        }
        if let Err(e) = dir.refresh_locked(self.store(), self.sealer()).await {
            tracing::warn!(error = %e, "cannot look an unknown access key up in the store");
            return None;
        }
        drop(budget);
        let found = dir.known(access_key_id);
        if found.is_none() {
            dir.remember_unknown(access_key_id);
        }
        found
    }

    /// Rebuilds the identity table if the stored identities changed since it was built;
    /// returns whether it did. The background jobs call this on every run.
    pub async fn refresh_identities(&self) -> Result<bool, StoreError> {
        let dir = self.directory();
        let _one = dir.rebuild.lock().await;
        dir.refresh_locked(self.store(), self.sealer()).await
    }
}

/// The configured identities, and the stored ones that neither clash with them nor fail to
/// load.
fn build(configured: &Identities, stored: &StoredIdentities, sealer: &Sealer) -> Identities {
    let mut table = configured.clone();
    let configured_arns: HashSet<&str> = configured
        .iter()
        .map(|c| c.principal.arn.as_str())
        .collect();
    let mut policies: HashMap<&str, Vec<&trent_store::IdentityPolicyRecord>> = HashMap::new();
    for p in &stored.policies {
        policies.entry(p.principal.as_str()).or_default().push(p);
    }
    let mut principals: HashMap<&str, Arc<Principal>> = HashMap::new();
    'principals: for record in &stored.principals {
        let arn = record.arn.as_str();
        if configured_arns.contains(arn) {
            tracing::warn!(
                principal = arn,
                "a stored principal is also in the configuration; the configured one is used"
            );
            continue;
        }
        let mut principal = Principal::new(record.arn.clone());
        principal.tags = record.tags.clone();
        for policy in policies.get(arn).into_iter().flatten() {
            match trent_policy::Policy::parse_identity_policy(&policy.document) {
                Ok(parsed) => principal.policies.push(parsed),
                Err(e) => {
                    tracing::error!(
                        principal = arn,
                        policy = policy.name.as_str(),
                        error = %e,
                        "a stored identity policy does not parse; the principal's access keys \
                         are refused until it is fixed"
                    );
                    continue 'principals;
                }
            }
        }
        principals.insert(arn, Arc::new(principal));
    }
    for key in &stored.access_keys {
        if key.status != AccessKeyStatus::Active {
            continue;
        }
        let Some(principal) = principals.get(key.principal.as_str()) else {
            continue;
        };
        if table.credential(&key.access_key_id).is_some() {
            tracing::warn!(
                access_key_id = key.access_key_id.as_str(),
                "a stored access key id is also in the configuration; the configured one is used"
            );
            continue;
        }
        let secret = sealer
            .unseal_secret(&key.access_key_id, &key.sealed_secret)
            .ok()
            .and_then(secret_text);
        let Some(secret) = secret else {
            tracing::error!(
                access_key_id = key.access_key_id.as_str(),
                "a stored secret access key does not open; the access key is refused"
            );
            continue;
        };
        table.insert(Credential::from_secret(
            key.access_key_id.clone(),
            principal.clone(),
            secret,
        ));
    }
    table
}

/// The unsealed bytes as text, without leaving a copy behind.
fn secret_text(mut bytes: Zeroizing<Vec<u8>>) -> Option<Zeroizing<String>> {
    match String::from_utf8(std::mem::take(&mut *bytes)) {
        Ok(text) => Some(Zeroizing::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_budget_allows_a_burst_then_a_steady_rate() {
        let start = Instant::now();
        let mut budget = LookupBudget {
            tokens: LOOKUP_BURST,
            at: start,
        };
        for _ in 0..10 {
            assert!(budget.take(start));
        }
        assert!(!budget.take(start));
        // A tenth of a second later: one more.
        let later = start + std::time::Duration::from_millis(101);
        assert!(budget.take(later));
        assert!(!budget.take(later));
        // Idle for a minute: a full burst again, not six hundred.
        let much_later = later + std::time::Duration::from_secs(60);
        for _ in 0..10 {
            assert!(budget.take(much_later));
        }
        assert!(!budget.take(much_later));
    }

    #[test]
    fn secret_text_refuses_bytes_that_are_not_text() {
        assert_eq!(
            secret_text(Zeroizing::new(b"abc".to_vec()))
                .as_deref()
                .map(String::as_str),
            Some("abc")
        );
        assert!(secret_text(Zeroizing::new(vec![0xff, 0xfe])).is_none());
    }
}
