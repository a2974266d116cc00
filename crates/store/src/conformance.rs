//! The conformance suite: what every [`Store`] backend must do, checked the same way for each.
//!
//! A backend's tests call [`run`] (or the single checks) on an open store. Every check makes
//! its own region, account, key ids and setting names, so checks never see each other's data
//! and the suite also passes on a store that already holds some. The audit trail is the one
//! thing a store has only one of: [`audit`] continues whatever sequence it finds, so it must
//! not run beside another writer of audit events on the same store.
//!
//! The suite stops at the `Store` trait: what it cannot observe through the trait (durability,
//! concurrency, the backend's files) each backend tests on its own.
//!
//! Orders are compared byte-wise, as Rust orders strings; the test data mixes case and
//! punctuation so that a backend sorting by a locale's collation fails here.

// This module is a test suite that ships in the library so every backend's tests can call it;
// a failed expectation is a failed test, reported by a panic like any other assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aliases;
mod changes;
mod grants;
mod identities;
mod imports;
mod keys;
mod multi_region;
mod rotation;
mod usage;

use std::sync::Arc;

use trent_types::{
    AccountId, AliasName, KeyId, KeySpec, KeyState, KeyUsage, MaterialId, Origin, Region,
    RotationType, Timestamp,
};

pub use aliases::{aliases, list_aliases};
pub use changes::changes;
pub use grants::{grants, list_grants};
pub use identities::{access_keys, identity_policies, identity_snapshot, principals};
pub use imports::{imported_material, imported_multi_region_key};
pub use keys::{
    delete_key_cascades, key_lifecycle, keys_due_for_deletion, list_keys, materials, tags,
    update_key,
};
pub use multi_region::{
    create_replica_key, keys_awaiting_replica_deletion, multi_region_keys, rotate_keys,
    update_primary_region,
};
pub use rotation::{keys_due_for_rotation, rotate_key};
pub use usage::key_uses;

use crate::{
    AliasRecord, AuditRecord, KeyRecord, MaterialRecord, MaterialState, NewAuditRecord, Store, Tag,
};

/// Runs every check.
pub async fn run<S: Store>(store: &S) {
    ping(store).await;
    key_lifecycle(store).await;
    update_key(store).await;
    delete_key_cascades(store).await;
    list_keys(store).await;
    keys_due_for_deletion(store).await;
    materials(store).await;
    rotate_key(store).await;
    keys_due_for_rotation(store).await;
    imported_material(store).await;
    imported_multi_region_key(store).await;
    multi_region_keys(store).await;
    create_replica_key(store).await;
    rotate_keys(store).await;
    update_primary_region(store).await;
    keys_awaiting_replica_deletion(store).await;
    key_uses(store).await;
    aliases(store).await;
    list_aliases(store).await;
    tags(store).await;
    grants(store).await;
    list_grants(store).await;
    changes(store).await;
    principals(store).await;
    access_keys(store).await;
    identity_policies(store).await;
    identity_snapshot(store).await;
    settings(store).await;
    audit(store).await;
}

/// An arbitrary instant the records are dated from.
const T0: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

pub async fn ping<S: Store>(store: &S) {
    store.ping().await.unwrap();
}

/// Settings: absent until set, and the first value set wins.
pub async fn settings<S: Store>(store: &S) {
    let name = format!("conformance-{}", fresh_hex());
    assert_eq!(store.setting(&name).await.unwrap(), None);
    let first = b"\x00first\xff".to_vec();
    assert_eq!(store.init_setting(&name, &first).await.unwrap(), first);
    assert_eq!(store.init_setting(&name, b"second").await.unwrap(), first);
    assert_eq!(store.setting(&name).await.unwrap(), Some(first));

    let empty = format!("conformance-{}", fresh_hex());
    assert_eq!(
        store.init_setting(&empty, b"").await.unwrap(),
        Vec::<u8>::new()
    );
    assert_eq!(store.setting(&empty).await.unwrap(), Some(vec![]));
}

/// The audit trail: appends continue the sequence and the chain from the last stored event,
/// atomically, also when they race, and read back in order.
pub async fn audit<S: Store>(store: &S) {
    let before = store.last_audit().await.unwrap();
    let (base, base_hash) = match &before {
        Some(r) => (r.seq, r.hash),
        None => store.audit_anchor().await.unwrap().unwrap_or((0, [0; 32])),
    };

    assert_eq!(
        store.append_audit(Arc::from([]), test_chain).await.unwrap(),
        None
    );
    assert_eq!(store.last_audit().await.unwrap(), before);

    let batch: Vec<_> = (1..=3).map(|i| new_audit_record(base + i)).collect();
    assert_eq!(
        store
            .append_audit(batch.as_slice().into(), test_chain)
            .await
            .unwrap(),
        Some(base + 3)
    );
    let stored = store.list_audit(base, 10).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(check_chain(base_hash, base + 1, &stored), stored[2].hash);
    for (record, appended) in stored.iter().zip(&batch) {
        assert_eq!(record.event_id, appended.event_id);
        assert_eq!(record.time, appended.time);
        assert_eq!(record.event_json, appended.event_json);
    }
    assert_eq!(store.last_audit().await.unwrap().as_ref(), stored.last());
    assert_eq!(store.list_audit(base, 2).await.unwrap(), stored[0..2]);
    assert_eq!(store.list_audit(base + 1, 1).await.unwrap(), stored[1..2]);
    assert_eq!(store.list_audit(base + 3, 10).await.unwrap(), vec![]);

    // Writers that race each extend the chain from wherever the other left it.
    let one: Vec<_> = (0..5).map(|i| new_audit_record(base + 10 + i)).collect();
    let two: Vec<_> = (0..5).map(|i| new_audit_record(base + 20 + i)).collect();
    let (a, b) = tokio::join!(
        async {
            for event in &one {
                store
                    .append_audit(std::slice::from_ref(event).into(), test_chain)
                    .await
                    .unwrap();
            }
        },
        async {
            for pair in two.chunks(2) {
                store.append_audit(pair.into(), test_chain).await.unwrap();
            }
        }
    );
    let ((), ()) = (a, b);
    let all = store.list_audit(base, 100).await.unwrap();
    assert_eq!(all.len(), 13);
    assert_eq!(all[..3], stored[..]);
    check_chain(base_hash, base + 1, &all);
    let mut ids: Vec<_> = all[3..].iter().map(|r| r.event_id.clone()).collect();
    ids.sort();
    let mut expected: Vec<_> = one.iter().chain(&two).map(|r| r.event_id.clone()).collect();
    expected.sort();
    assert_eq!(ids, expected, "every event appended exactly once");

    // Pruning deletes the oldest events and anchors the trail at the last one deleted; the
    // chain goes on from it, even once every event is gone.
    assert_eq!(store.prune_audit(ts(0)).await.unwrap(), 0);
    let last = all.last().unwrap();
    assert!(store.prune_audit(ts(i64::MAX)).await.unwrap() >= 13);
    assert_eq!(
        store.audit_anchor().await.unwrap(),
        Some((last.seq, last.hash))
    );
    assert_eq!(store.list_audit(0, 1000).await.unwrap(), vec![]);
    assert_eq!(store.last_audit().await.unwrap(), None);
    assert_eq!(store.prune_audit(ts(i64::MAX)).await.unwrap(), 0);
    let dated: Vec<_> = [1_000, 2_000, 3_000]
        .iter()
        .map(|&t| NewAuditRecord {
            time: ts(T0 + t),
            ..new_audit_record(t)
        })
        .collect();
    assert_eq!(
        store.append_audit(dated.into(), test_chain).await.unwrap(),
        Some(last.seq + 3)
    );
    let three = store.list_audit(0, 10).await.unwrap();
    check_chain(last.hash, last.seq + 1, &three);
    assert_eq!(store.prune_audit(ts(T0 + 2_500)).await.unwrap(), 2);
    assert_eq!(
        store.audit_anchor().await.unwrap(),
        Some((three[1].seq, three[1].hash))
    );
    assert_eq!(store.list_audit(0, 10).await.unwrap(), three[2..]);
}

/// A stand-in for the audit crate's SHA-256 chain: any function of both inputs serves the
/// store's contract.
pub fn test_chain(prev: &[u8; 32], json: &[u8]) -> [u8; 32] {
    let mut out = *prev;
    out.rotate_left(1);
    for (i, b) in json.iter().enumerate() {
        out[i % 32] = out[i % 32].wrapping_mul(31).wrapping_add(*b);
    }
    out
}

/// Checks that `records` are consecutive from `seq` and chained by [`test_chain`] from
/// `prev`; returns the last hash.
pub fn check_chain(mut prev: [u8; 32], mut seq: i64, records: &[AuditRecord]) -> [u8; 32] {
    for r in records {
        assert_eq!(r.seq, seq, "no gap, no repeat");
        prev = test_chain(&prev, r.event_json.as_bytes());
        assert_eq!(r.hash, prev, "seq {seq} chains on its predecessor");
        seq += 1;
    }
    prev
}

// ---- fixtures -------------------------------------------------------------------------------

/// A region and account no other check uses.
struct Scope {
    region: Region,
    account: AccountId,
}

impl Scope {
    fn fresh() -> Self {
        let account: String = fresh_hex()
            .bytes()
            .take(12)
            .map(|b| char::from(b'0' + (b % 10)))
            .collect();
        Self::fresh_region_of(&AccountId::parse(&account).unwrap())
    }

    /// A fresh region for an account that may already exist.
    fn fresh_region_of(account: &AccountId) -> Self {
        Self {
            region: Region::parse(&format!("cf-{}-1", &fresh_hex()[..12])).unwrap(),
            account: account.clone(),
        }
    }

    /// An enabled symmetric key with a fresh id and its current material.
    fn new_key(&self) -> (KeyRecord, MaterialRecord) {
        self.new_key_with_id(KeyId::new_random())
    }

    fn new_key_with_id(&self, key_id: KeyId) -> (KeyRecord, MaterialRecord) {
        let material = MaterialRecord {
            region: self.region.clone(),
            key_id: key_id.clone(),
            material_id: MaterialId::from_hex(&format!("{}{}", fresh_hex(), fresh_hex())).unwrap(),
            state: MaterialState::Current,
            created: ts(T0),
            rotation_type: None,
            sealed: format!("sealed:{}", fresh_hex()).into_bytes(),
        };
        let key = KeyRecord {
            region: self.region.clone(),
            account: self.account.clone(),
            key_id,
            description: "conformance key".into(),
            key_spec: KeySpec::SymmetricDefault,
            key_usage: KeyUsage::EncryptDecrypt,
            origin: Origin::AwsKms,
            state: KeyState::Enabled,
            creation_date: ts(T0),
            deletion_date: None,
            pending_window_days: None,
            policy: r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            multi_region: false,
            current_material: Some(material.material_id),
            rotation: None,
            version: 0,
        };
        (key, material)
    }

    /// A fresh CURRENT material for `key`, made by a rotation of `kind` at `at`.
    fn rotated_material(&self, key: &KeyRecord, kind: RotationType, at: i64) -> MaterialRecord {
        MaterialRecord {
            region: key.region.clone(),
            key_id: key.key_id.clone(),
            material_id: MaterialId::from_hex(&format!("{}{}", fresh_hex(), fresh_hex())).unwrap(),
            state: MaterialState::Current,
            created: ts(at),
            rotation_type: Some(kind),
            sealed: format!("sealed:{}", fresh_hex()).into_bytes(),
        }
    }

    fn alias(&self, name: &str, target: &KeyId, at: i64) -> AliasRecord {
        AliasRecord {
            region: self.region.clone(),
            account: self.account.clone(),
            name: AliasName::parse(name).unwrap(),
            target_key_id: target.clone(),
            creation_date: ts(at),
            last_updated_date: ts(at),
        }
    }
}

/// 32 random lowercase hex digits (from a UUIDv4, the randomness this crate already has).
fn fresh_hex() -> String {
    KeyId::new_random().as_str().replace('-', "")
}

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.into(),
        value: value.into(),
    }
}

fn new_audit_record(n: i64) -> NewAuditRecord {
    NewAuditRecord {
        event_id: format!("{}-{n}", fresh_hex()),
        time: ts(T0 + n),
        event_json: format!(r#"{{"eventName":"Encrypt","n":{n},"note":"ünï"}}"#),
    }
}
