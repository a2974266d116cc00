//! The key cache: key metadata with unsealed, prepared material, so the hot path
//! (Encrypt, Decrypt, ReEncrypt, GenerateDataKey) reads nothing from the database.
//!
//! Sharded maps under short read locks; no lock is held across an await. A change of a key
//! invalidates its entry. A fill that raced with an invalidation is dropped rather than
//! installed: each shard counts invalidations, and a loader installs its entry only if the
//! count did not move since it began reading the store.
//!
//! Bounded: a full shard evicts an arbitrary entry. Dropping the last reference to an entry
//! zeroizes its material (aws-lc frees and cleanses the prepared keys).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use trent_crypto::{PreparedKey, SymmetricKey};
use trent_policy::Policy;
use trent_store::{GrantRecord, KeyRecord, Tag};
use trent_types::{
    AccountId, AliasName, KeyId, KeyState, MaterialId, MultiRegionKeyType, Region, Timestamp,
};

const SHARDS: usize = 16;

/// A key as the hot path needs it: its record, every material prepared, and what
/// authorization reads (the parsed policy, the tags and the aliases). A change to any of them
/// invalidates the entry.
#[derive(Debug)]
pub struct CachedKey {
    pub record: KeyRecord,
    /// `arn:aws:kms:...:key/...`, formatted once.
    pub arn: String,
    pub materials: Vec<(MaterialId, PreparedKey)>,
    /// The key policy, parsed once; `None` if the stored document does not parse.
    pub policy: Option<Arc<Policy>>,
    pub tags: Vec<Tag>,
    /// `None` past AWS's quota for `kms:ResourceAliases`.
    pub aliases: Option<Vec<AliasName>>,
    /// Every grant on the key.
    pub grants: Vec<GrantRecord>,
    /// Where in `materials` the current one is, found once: encrypting under a key rotated
    /// a hundred times costs what it costs under a key never rotated.
    current: Option<usize>,
    /// When imported material the key depends on expires: from then on the key is pending
    /// import, even before the expiry job has deleted the material.
    expires: Option<Timestamp>,
    /// PRIMARY or REPLICA for a multi-Region key.
    multi_region_type: Option<MultiRegionKeyType>,
}

impl CachedKey {
    pub fn new(
        record: KeyRecord,
        arn: String,
        materials: Vec<(MaterialId, PreparedKey)>,
        policy: Option<Arc<Policy>>,
        tags: Vec<Tag>,
        aliases: Option<Vec<AliasName>>,
        grants: Vec<GrantRecord>,
    ) -> Self {
        let current = record
            .current_material
            .and_then(|id| materials.iter().position(|(m, _)| *m == id));
        Self {
            record,
            arn,
            materials,
            policy,
            tags,
            aliases,
            grants,
            current,
            expires: None,
            multi_region_type: None,
        }
    }

    /// The same entry, for a multi-Region key of this type.
    pub fn multi_region(mut self, key_type: Option<MultiRegionKeyType>) -> Self {
        self.multi_region_type = key_type;
        self
    }

    /// The same entry, unusable from `expires` on (see [`Self::state_at`]).
    pub fn expiring(mut self, expires: Option<Timestamp>) -> Self {
        self.expires = expires;
        self
    }

    /// The key's state at `now`: PendingImport once imported material it depends on has
    /// expired, whatever the record (read earlier) says.
    pub fn state_at(&self, now: Timestamp) -> KeyState {
        match self.record.state {
            KeyState::Enabled | KeyState::Disabled if self.expires.is_some_and(|e| e <= now) => {
                KeyState::PendingImport
            }
            state => state,
        }
    }

    /// What authorization needs of the key.
    pub fn facts(&self) -> crate::authz::KeyFacts<'_> {
        crate::authz::KeyFacts {
            record: &self.record,
            arn: &self.arn,
            policy: self.policy.as_deref(),
            tags: &self.tags,
            aliases: self.aliases.as_deref(),
            grants: &self.grants,
            multi_region_type: self.multi_region_type,
        }
    }

    /// The material new results use.
    pub fn current(&self) -> Option<&PreparedKey> {
        self.current
            .and_then(|i| self.materials.get(i))
            .map(|(_, k)| k)
    }

    pub fn material(&self, id: &MaterialId) -> Option<&PreparedKey> {
        self.materials.iter().find(|(m, _)| m == id).map(|(_, k)| k)
    }

    /// The current material of a symmetric encryption key; `None` for any other key.
    pub fn current_symmetric(&self) -> Option<&SymmetricKey> {
        match self.current()? {
            PreparedKey::Symmetric(k) => Some(k),
            _ => None,
        }
    }

    /// A symmetric encryption key's material by id.
    pub fn symmetric(&self, id: &MaterialId) -> Option<&SymmetricKey> {
        match self.material(id)? {
            PreparedKey::Symmetric(k) => Some(k),
            _ => None,
        }
    }
}

/// A ticket for filling one entry; see the module comment.
#[derive(Debug, Clone, Copy)]
pub struct FillTicket(u64);

struct Shard<K, V> {
    map: RwLock<HashMap<K, V>>,
    invalidations: AtomicU64,
}

/// A bounded, sharded map with race-free fills.
pub struct ShardedCache<K, V> {
    shards: Box<[Shard<K, V>]>,
    per_shard: usize,
    hasher: RandomState,
}

impl<K: Hash + Eq + Clone, V: Clone> ShardedCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        let shards = (0..SHARDS)
            .map(|_| Shard {
                map: RwLock::new(HashMap::new()),
                invalidations: AtomicU64::new(0),
            })
            .collect();
        Self {
            shards,
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &K) -> &Shard<K, V> {
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        &self.shards[i]
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let shard = self.shard(key);
        let map = shard.map.read().unwrap_or_else(|p| p.into_inner());
        map.get(key).cloned()
    }

    /// Call before reading the store for `key`.
    pub fn ticket(&self, key: &K) -> FillTicket {
        FillTicket(self.shard(key).invalidations.load(Ordering::Acquire))
    }

    /// Installs `value` unless `key`'s shard was invalidated since `ticket` was taken.
    pub fn fill(&self, key: K, value: V, ticket: FillTicket) {
        let shard = self.shard(&key);
        let mut map = shard.map.write().unwrap_or_else(|p| p.into_inner());
        if shard.invalidations.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if map.len() >= self.per_shard && !map.contains_key(&key) {
            let victim = map.keys().next().cloned();
            if let Some(victim) = victim {
                map.remove(&victim);
            }
        }
        map.insert(key, value);
    }

    /// Call after the store committed a change to `key`.
    pub fn invalidate(&self, key: &K) {
        let shard = self.shard(key);
        let mut map = shard.map.write().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
        shard.invalidations.fetch_add(1, Ordering::AcqRel);
    }

    /// Removes every entry whose value matches.
    pub fn invalidate_where(&self, pred: impl Fn(&V) -> bool) {
        for shard in self.shards.iter() {
            let mut map = shard.map.write().unwrap_or_else(|p| p.into_inner());
            map.retain(|_, v| !pred(v));
            shard.invalidations.fetch_add(1, Ordering::AcqRel);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.map.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }
}

pub type KeyCache = ShardedCache<(Region, KeyId), Arc<CachedKey>>;
pub type AliasCache = ShardedCache<(Region, AccountId, AliasName), KeyId>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_after_invalidation_is_dropped() {
        let c: ShardedCache<u32, u32> = ShardedCache::new(64);
        let t = c.ticket(&1);
        c.invalidate(&1);
        c.fill(1, 10, t);
        assert_eq!(c.get(&1), None);
        let t = c.ticket(&1);
        c.fill(1, 11, t);
        assert_eq!(c.get(&1), Some(11));
        c.invalidate(&1);
        assert_eq!(c.get(&1), None);
    }

    #[test]
    fn stays_bounded() {
        let c: ShardedCache<u32, u32> = ShardedCache::new(32);
        for i in 0..1000 {
            let t = c.ticket(&i);
            c.fill(i, i, t);
        }
        assert!(c.len() <= 32);
    }

    #[test]
    fn invalidate_where_removes_matching() {
        let c: ShardedCache<u32, u32> = ShardedCache::new(64);
        for i in 0..10 {
            let t = c.ticket(&i);
            c.fill(i, i % 2, t);
        }
        c.invalidate_where(|v| *v == 1);
        assert_eq!(c.len(), 5);
    }
}
