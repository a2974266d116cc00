//! Multi-Region keys: a set of related keys sharing one key id across regions, one of them
//! the primary; replicas added, rotated, promoted and deleted atomically.

use trent_types::{KeyId, KeyState, RotationType};

use super::{DAY, Scope, T0, tag};
use crate::{KeyRecord, MaterialRecord, MaterialState, Store, StoreError};

/// A multi-Region primary key in `s`'s region, stored, with its first material.
async fn primary<S: Store>(store: &S, s: &Scope) -> (KeyRecord, MaterialRecord) {
    let (mut key, material) = s.new_key_with_id(KeyId::new_multi_region());
    key.multi_region = true;
    store.create_key(&key, &material, &[]).await.unwrap();
    key.version = store
        .key(&s.region, &key.key_id)
        .await
        .unwrap()
        .unwrap()
        .version;
    (key, material)
}

/// `key`'s replica in `s`'s region, with copies of `materials` (same ids, its own seals).
fn replica_of(
    s: &Scope,
    key: &KeyRecord,
    materials: &[MaterialRecord],
) -> (KeyRecord, Vec<MaterialRecord>) {
    let (mut replica, _) = s.new_key_with_id(key.key_id.clone());
    replica.multi_region = true;
    replica.current_material = key.current_material;
    replica.description = "replica".into();
    let copies = materials
        .iter()
        .map(|m| MaterialRecord {
            region: s.region.clone(),
            sealed: [b"replica:".as_slice(), &m.sealed].concat(),
            ..m.clone()
        })
        .collect();
    (replica, copies)
}

/// A stored primary in a fresh region and its replica in another, as stored.
struct Pair {
    s: Scope,
    west: Scope,
    key: KeyRecord,
    first: MaterialRecord,
    replica: KeyRecord,
}

async fn primary_and_replica<S: Store>(store: &S) -> Pair {
    let s = Scope::fresh();
    let (key, first) = primary(store, &s).await;
    let west = Scope::fresh_region_of(&s.account);
    let (replica, copies) = replica_of(&west, &key, std::slice::from_ref(&first));
    store
        .create_replica_key(&key, &replica, &copies, &[])
        .await
        .unwrap();
    let replica = stored(store, &replica).await.unwrap();
    let key = stored(store, &key).await.unwrap();
    Pair {
        s,
        west,
        key,
        first,
        replica,
    }
}

async fn stored<S: Store>(store: &S, key: &KeyRecord) -> Option<KeyRecord> {
    store.key(&key.region, &key.key_id).await.unwrap()
}

/// A multi-Region key is the primary of its own set; a single-Region key is in none; a key
/// id that names a set is not created again in another region by `create_key`.
pub async fn multi_region_keys<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, _) = primary(store, &s).await;
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.key_id, key.key_id);
    assert_eq!(set.account, key.account);
    assert_eq!(set.primary_region, s.region);
    assert_eq!(set.keys, vec![key.clone()]);
    assert_eq!(set.primary(), Some(&key));
    assert_eq!(set.replicas().count(), 0);

    let (single, single_material) = s.new_key();
    store
        .create_key(&single, &single_material, &[])
        .await
        .unwrap();
    assert_eq!(store.multi_region_keys(&single.key_id).await.unwrap(), None);
    assert_eq!(
        store
            .multi_region_keys(&KeyId::new_multi_region())
            .await
            .unwrap(),
        None
    );

    let elsewhere = Scope::fresh_region_of(&s.account);
    let (mut twin, twin_material) = elsewhere.new_key_with_id(key.key_id.clone());
    twin.multi_region = true;
    let result = store.create_key(&twin, &twin_material, &[]).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &twin).await, None);
    assert_eq!(
        store
            .multi_region_keys(&key.key_id)
            .await
            .unwrap()
            .unwrap()
            .keys,
        vec![key]
    );
}

/// `create_replica_key`: the replica, its materials and tags appear together, only while
/// the primary is as the caller read it, and once per region.
pub async fn create_replica_key<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, first) = primary(store, &s).await;
    let west = Scope::fresh_region_of(&s.account);
    let (replica, copies) = replica_of(&west, &key, std::slice::from_ref(&first));
    let tags = [tag("team", "replica")];
    store
        .create_replica_key(&key, &replica, &copies, &tags)
        .await
        .unwrap();
    let replica = stored(store, &replica).await.unwrap();
    assert!(replica.multi_region);
    // The primary's version moved on, so a rotation that read it before is refused.
    let read_before = key;
    let key = KeyRecord {
        version: read_before.version + 1,
        ..read_before.clone()
    };
    assert_eq!(stored(store, &key).await, Some(key.clone()));
    assert_eq!(
        store.materials(&west.region, &key.key_id).await.unwrap(),
        copies
    );
    assert_eq!(store.tags(&west.region, &key.key_id).await.unwrap(), tags);
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.primary_region, s.region);
    let mut expected = vec![key.clone(), replica.clone()];
    expected.sort_by(|a, b| a.region.as_str().cmp(b.region.as_str()));
    assert_eq!(set.keys, expected);
    assert_eq!(set.replicas().collect::<Vec<_>>(), vec![&replica]);
    assert_eq!(set.in_region(&west.region), Some(&replica));

    // A second replica in the same region.
    let again = store.create_replica_key(&key, &replica, &copies, &[]).await;
    assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    assert_eq!(stored(store, &key).await, Some(key.clone()));
    let stale_rotation = s.rotated_material(&read_before, RotationType::OnDemand, T0 + DAY);
    let mut rotated = read_before.clone();
    rotated.current_material = Some(stale_rotation.material_id);
    let result = store.rotate_key(&rotated, &stale_rotation).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");

    // A primary read before it changed: nothing is stored.
    let north = Scope::fresh_region_of(&s.account);
    let (late, late_copies) = replica_of(&north, &key, std::slice::from_ref(&first));
    let mut stale = key.clone();
    stale.version -= 1;
    let result = store
        .create_replica_key(&stale, &late, &late_copies, &tags)
        .await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &late).await, None);
    assert!(
        store
            .materials(&north.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );

    // A replica is no source of replicas.
    let result = store
        .create_replica_key(&replica, &late, &late_copies, &[])
        .await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &late).await, None);
    assert_eq!(stored(store, &replica).await, Some(replica.clone()));

    // A primary that is gone.
    let ghost = Scope::fresh_region_of(&s.account);
    let (ghost_key, ghost_material) = ghost.new_key_with_id(KeyId::new_multi_region());
    let (orphan, orphan_copies) = replica_of(&north, &ghost_key, &[ghost_material]);
    let result = store
        .create_replica_key(&ghost_key, &orphan, &orphan_copies, &[])
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}

/// `rotate_keys`: related keys get the same new material together, or none of them does.
pub async fn rotate_keys<S: Store>(store: &S) {
    let Pair {
        s,
        west: _,
        key,
        first,
        replica,
    } = primary_and_replica(store).await;

    let new = s.rotated_material(&key, RotationType::OnDemand, T0 + DAY);
    let rotations = |key: &KeyRecord, replica: &KeyRecord| {
        let mut k = key.clone();
        k.current_material = Some(new.material_id);
        let mut r = replica.clone();
        r.current_material = Some(new.material_id);
        let r_material = MaterialRecord {
            region: r.region.clone(),
            sealed: b"replica seal".to_vec(),
            ..new.clone()
        };
        vec![(k, new.clone()), (r, r_material)]
    };

    // One stale version: neither key changes.
    let mut stale = replica.clone();
    stale.version -= 1;
    let result = store.rotate_keys(&rotations(&key, &stale)).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &key).await, Some(key.clone()));
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        vec![first.clone()]
    );

    let both = rotations(&key, &replica);
    store.rotate_keys(&both).await.unwrap();
    for (rotated, material) in &both {
        let now = stored(store, rotated).await.unwrap();
        assert_eq!(now.current_material, Some(new.material_id));
        assert_eq!(now.version, rotated.version + 1);
        let materials = store
            .materials(&rotated.region, &rotated.key_id)
            .await
            .unwrap();
        assert_eq!(materials.len(), 2);
        assert_eq!(materials[0].state, MaterialState::NonCurrent);
        assert_eq!(&materials[1], material);
    }
}

/// `update_primary_region`: the roles swap and both keys' fields change together, only from
/// the keys as they are stored.
pub async fn update_primary_region<S: Store>(store: &S) {
    let Pair {
        s,
        west,
        key,
        first: _,
        replica,
    } = primary_and_replica(store).await;

    let mut old = key.clone();
    old.description = "now a replica".into();
    let mut new = replica.clone();
    new.description = "now the primary".into();

    // A stale new primary: nothing moves.
    let mut stale = new.clone();
    stale.version -= 1;
    let result = store.update_primary_region(&old, &stale).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &key).await, Some(key.clone()));
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.primary_region, s.region);

    store.update_primary_region(&old, &new).await.unwrap();
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.primary_region, west.region);
    assert_eq!(set.primary().unwrap().description, "now the primary");
    assert_eq!(
        stored(store, &key).await.unwrap().description,
        "now a replica"
    );

    // The same swap from the old records: the versions moved.
    let result = store.update_primary_region(&old, &new).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    // From the stored records, but the old primary is one no longer.
    let now_old = stored(store, &key).await.unwrap();
    let now_new = stored(store, &replica).await.unwrap();
    let result = store.update_primary_region(&now_old, &now_new).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(stored(store, &key).await, Some(now_old));
}

/// A primary waiting for its replicas is listed once the last of them is gone; the set goes
/// with its last key.
pub async fn keys_awaiting_replica_deletion<S: Store>(store: &S) {
    let Pair {
        s,
        west,
        key,
        first: _,
        replica: _,
    } = primary_and_replica(store).await;

    let mut waiting = key.clone();
    waiting.state = KeyState::PendingReplicaDeletion;
    waiting.pending_window_days = Some(7);
    store.update_key(&waiting).await.unwrap();
    let listed = |all: Vec<(trent_types::Region, KeyId)>| {
        all.contains(&(s.region.clone(), key.key_id.clone()))
    };
    assert!(!listed(
        store.keys_awaiting_replica_deletion().await.unwrap()
    ));

    store.delete_key(&west.region, &key.key_id).await.unwrap();
    assert!(listed(
        store.keys_awaiting_replica_deletion().await.unwrap()
    ));
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.keys.len(), 1);

    store.delete_key(&s.region, &key.key_id).await.unwrap();
    assert!(!listed(
        store.keys_awaiting_replica_deletion().await.unwrap()
    ));
    assert_eq!(store.multi_region_keys(&key.key_id).await.unwrap(), None);
}
