//! Imported key material: keys created without material, materials imported, deleted,
//! re-imported and rotated to, each atomically with the key, and the expired ones found.

use trent_types::{
    ImportState, KeyId, KeyMaterialState, KeyState, MaterialId, Origin, RotationType,
};

use super::{DAY, Scope, T0, fresh_hex, tag, ts};
use crate::{ImportedMaterialRecord, KeyRecord, MaterialRecord, MaterialState, Store, StoreError};

impl Scope {
    /// A key of origin EXTERNAL with no material yet.
    fn external_key(&self) -> KeyRecord {
        let (mut key, _) = self.new_key();
        key.origin = Origin::External;
        key.state = KeyState::PendingImport;
        key.current_material = None;
        key
    }

    /// A material of `key` imported at `at` in `state`, expiring at `valid_to`.
    fn imported(
        &self,
        key: &KeyRecord,
        state: KeyMaterialState,
        at: i64,
        valid_to: Option<i64>,
    ) -> (ImportedMaterialRecord, MaterialRecord) {
        let material_id = MaterialId::from_hex(&format!("{}{}", fresh_hex(), fresh_hex())).unwrap();
        let imported = ImportedMaterialRecord {
            region: key.region.clone(),
            key_id: key.key_id.clone(),
            material_id,
            state,
            import_state: ImportState::Imported,
            valid_to: valid_to.map(ts),
            description: Some(format!("material {at}")),
            associated: ts(at),
            rotation_date: None,
        };
        let sealed = MaterialRecord {
            region: key.region.clone(),
            key_id: key.key_id.clone(),
            material_id,
            state: imported.sealed_state(),
            created: ts(at),
            rotation_type: None,
            sealed: format!("sealed:{}", fresh_hex()).into_bytes(),
        };
        (imported, sealed)
    }
}

/// Stores `changed` as the key's next version and returns it as stored.
fn next(changed: KeyRecord) -> KeyRecord {
    KeyRecord {
        version: changed.version + 1,
        ..changed
    }
}

/// The whole life of an imported key in the store.
pub async fn imported_material<S: Store>(store: &S) {
    let s = Scope::fresh();
    let key = s.external_key();
    store
        .create_key_without_material(&key, &[tag("Team", "byok")])
        .await
        .unwrap();
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert!(
        store
            .materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.tags(&s.region, &key.key_id).await.unwrap(),
        [tag("Team", "byok")]
    );
    let taken = store.create_key_without_material(&key, &[]).await;
    assert!(matches!(taken, Err(StoreError::Conflict)), "{taken:?}");

    // The first import: current, the key enabled.
    let (first, first_sealed) =
        s.imported(&key, KeyMaterialState::Current, T0, Some(T0 + 10 * DAY));
    let mut enabled = key.clone();
    enabled.state = KeyState::Enabled;
    enabled.current_material = Some(first.material_id);
    store
        .import_material(&enabled, &first, &first_sealed)
        .await
        .unwrap();
    let key = next(enabled);
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        std::slice::from_ref(&first_sealed)
    );
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        std::slice::from_ref(&first)
    );

    // A stale writer changes nothing.
    let (other, other_sealed) = s.imported(&key, KeyMaterialState::PendingRotation, T0 + DAY, None);
    let mut stale = key.clone();
    stale.version -= 1;
    let lost = store.import_material(&stale, &other, &other_sealed).await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        std::slice::from_ref(&first)
    );
    // Records of another key are refused outright.
    let (foreign, foreign_sealed) =
        s.imported(&s.external_key(), KeyMaterialState::Current, T0, None);
    assert!(
        store
            .import_material(&key, &foreign, &foreign_sealed)
            .await
            .is_err()
    );

    // Expiry: found once due, and only while imported.
    let expired = store
        .imported_materials_expired(ts(T0 + 10 * DAY - 1))
        .await
        .unwrap();
    assert!(!expired.iter().any(|(_, k, _)| *k == key.key_id));
    let expired = store
        .imported_materials_expired(ts(T0 + 10 * DAY))
        .await
        .unwrap();
    assert!(expired.contains(&(s.region.clone(), key.key_id.clone(), first.material_id)));

    // Deleted: the bytes go, the association stays, pending import, no expiry.
    let mut pending = key.clone();
    pending.state = KeyState::PendingImport;
    store
        .remove_imported_materials(std::slice::from_ref(&pending), &first.material_id, false)
        .await
        .unwrap();
    let key = next(pending);
    assert!(
        store
            .materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
    let gone = ImportedMaterialRecord {
        import_state: ImportState::PendingImport,
        valid_to: None,
        ..first.clone()
    };
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        [gone]
    );
    let expired = store
        .imported_materials_expired(ts(T0 + 20 * DAY))
        .await
        .unwrap();
    assert!(!expired.iter().any(|(_, k, _)| *k == key.key_id));
    let missing = MaterialId([0xee; 32]);
    let mut again = key.clone();
    let none = store
        .remove_imported_materials(std::slice::from_ref(&again), &missing, false)
        .await;
    assert!(matches!(none, Err(StoreError::NotFound)), "{none:?}");
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );

    // Re-imported, without expiry now: the same rows back, the new terms kept.
    let back = ImportedMaterialRecord {
        valid_to: None,
        description: Some("again".into()),
        ..first.clone()
    };
    again.state = KeyState::Enabled;
    store
        .import_material(&again, &back, &first_sealed)
        .await
        .unwrap();
    let key = next(again);
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        std::slice::from_ref(&first_sealed)
    );
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        std::slice::from_ref(&back)
    );

    // New material waits for a rotation, then becomes current.
    store
        .import_material(&key, &other, &other_sealed)
        .await
        .unwrap();
    let key = next(key);
    let no_pending_named = store
        .rotate_imported_materials(std::slice::from_ref(&key), ts(T0 + 2 * DAY))
        .await;
    assert!(no_pending_named.is_err(), "{no_pending_named:?}");
    let mut rotated = key.clone();
    rotated.current_material = Some(other.material_id);
    store
        .rotate_imported_materials(std::slice::from_ref(&rotated), ts(T0 + 2 * DAY))
        .await
        .unwrap();
    let key = next(rotated);
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    let imported = store
        .imported_materials(&s.region, &key.key_id)
        .await
        .unwrap();
    assert_eq!(
        imported,
        [
            ImportedMaterialRecord {
                state: KeyMaterialState::NonCurrent,
                ..back
            },
            ImportedMaterialRecord {
                state: KeyMaterialState::Current,
                rotation_date: Some(ts(T0 + 2 * DAY)),
                ..other.clone()
            },
        ]
    );
    let sealed = store.materials(&s.region, &key.key_id).await.unwrap();
    assert_eq!(
        sealed,
        [
            MaterialRecord {
                state: MaterialState::NonCurrent,
                ..first_sealed
            },
            MaterialRecord {
                state: MaterialState::Current,
                created: ts(T0 + 2 * DAY),
                rotation_type: Some(RotationType::OnDemand),
                ..other_sealed
            },
        ]
    );
    let nothing_pending = store
        .rotate_imported_materials(std::slice::from_ref(&key), ts(T0 + 3 * DAY))
        .await;
    assert!(
        matches!(nothing_pending, Err(StoreError::NotFound)),
        "{nothing_pending:?}"
    );

    // A pending material can be forgotten altogether.
    let (third, third_sealed) =
        s.imported(&key, KeyMaterialState::PendingRotation, T0 + 3 * DAY, None);
    store
        .import_material(&key, &third, &third_sealed)
        .await
        .unwrap();
    let key = next(key);
    store
        .remove_imported_materials(std::slice::from_ref(&key), &third.material_id, true)
        .await
        .unwrap();
    let key = next(key);
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap().len(),
        2
    );

    // Deleting the key takes every row with it.
    store.delete_key(&s.region, &key.key_id).await.unwrap();
    assert!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A multi-Region key with imported material: created without material as the primary of
/// its own set, replicated without material, and each related key given its material on its
/// own; removing one key's material leaves the other's alone.
pub async fn imported_multi_region_key<S: Store>(store: &S) {
    let s = Scope::fresh();
    let mut key = s.external_key();
    key.key_id = KeyId::new_multi_region();
    key.multi_region = true;
    store.create_key_without_material(&key, &[]).await.unwrap();
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.primary_region, s.region);
    assert_eq!(set.keys, [key.clone()]);
    let taken = store.create_key_without_material(&key, &[]).await;
    assert!(matches!(taken, Err(StoreError::Conflict)), "{taken:?}");

    let west = Scope::fresh_region_of(&s.account);
    let mut replica = key.clone();
    replica.region = west.region.clone();
    replica.description = "replica".into();
    store
        .create_replica_key(&key, &replica, &[], &[])
        .await
        .unwrap();
    let key = next(key);
    let set = store.multi_region_keys(&key.key_id).await.unwrap().unwrap();
    assert_eq!(set.keys.len(), 2);
    assert_eq!(
        store.key(&west.region, &key.key_id).await.unwrap(),
        Some(replica.clone())
    );
    assert!(
        store
            .materials(&west.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );

    // The same material id in each region, with its own expiry and seal.
    let (first, first_sealed) = s.imported(&key, KeyMaterialState::Current, T0, None);
    let mut enabled = key.clone();
    enabled.state = KeyState::Enabled;
    enabled.current_material = Some(first.material_id);
    store
        .import_material(&enabled, &first, &first_sealed)
        .await
        .unwrap();
    let copy = ImportedMaterialRecord {
        region: west.region.clone(),
        valid_to: Some(ts(T0 + DAY)),
        ..first.clone()
    };
    let copy_sealed = MaterialRecord {
        region: west.region.clone(),
        sealed: b"sealed in the replica".to_vec(),
        ..first_sealed.clone()
    };
    let mut replica_enabled = replica.clone();
    replica_enabled.state = KeyState::Enabled;
    replica_enabled.current_material = Some(first.material_id);
    store
        .import_material(&replica_enabled, &copy, &copy_sealed)
        .await
        .unwrap();
    let replica = next(replica_enabled);
    assert_eq!(
        store
            .imported_materials(&west.region, &key.key_id)
            .await
            .unwrap(),
        std::slice::from_ref(&copy)
    );
    assert_eq!(
        store.materials(&west.region, &key.key_id).await.unwrap(),
        std::slice::from_ref(&copy_sealed)
    );

    // Deleting the replica's material: the primary keeps its own.
    let mut pending = replica.clone();
    pending.state = KeyState::PendingImport;
    store
        .remove_imported_materials(std::slice::from_ref(&pending), &first.material_id, false)
        .await
        .unwrap();
    assert!(
        store
            .materials(&west.region, &key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        std::slice::from_ref(&first_sealed)
    );
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        std::slice::from_ref(&first)
    );

    // New material pending in both, rotated together: all or nothing.
    let key = next(enabled);
    let mut replica_back = next(pending);
    replica_back.state = KeyState::Enabled;
    store
        .import_material(&replica_back, &copy, &copy_sealed)
        .await
        .unwrap();
    let replica = next(replica_back);
    let (new, new_sealed) = s.imported(&key, KeyMaterialState::PendingRotation, T0 + DAY, None);
    store
        .import_material(&key, &new, &new_sealed)
        .await
        .unwrap();
    let key = next(key);
    let new_copy = ImportedMaterialRecord {
        region: west.region.clone(),
        ..new.clone()
    };
    let new_copy_sealed = MaterialRecord {
        region: west.region.clone(),
        ..new_sealed.clone()
    };
    store
        .import_material(&replica, &new_copy, &new_copy_sealed)
        .await
        .unwrap();
    let replica = next(replica);
    let rotated = |k: &KeyRecord| KeyRecord {
        current_material: Some(new.material_id),
        ..k.clone()
    };
    let stale = KeyRecord {
        version: replica.version - 1,
        ..rotated(&replica)
    };
    let lost = store
        .rotate_imported_materials(&[rotated(&key), stale], ts(T0 + 2 * DAY))
        .await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap(),
        [first.clone(), new.clone()]
    );
    store
        .rotate_imported_materials(&[rotated(&key), rotated(&replica)], ts(T0 + 2 * DAY))
        .await
        .unwrap();
    let (key, replica) = (next(rotated(&key)), next(rotated(&replica)));
    for (region, old, current) in [(&s.region, &first, &new), (&west.region, &copy, &new_copy)] {
        assert_eq!(
            store.imported_materials(region, &key.key_id).await.unwrap(),
            [
                ImportedMaterialRecord {
                    state: KeyMaterialState::NonCurrent,
                    ..old.clone()
                },
                ImportedMaterialRecord {
                    state: KeyMaterialState::Current,
                    rotation_date: Some(ts(T0 + 2 * DAY)),
                    ..current.clone()
                },
            ]
        );
    }

    // A pending material forgotten: from every key that holds it, with every key given
    // version-checked and moved on, holding it or not; NotFound if none holds it.
    let none_held = store
        .remove_imported_materials(std::slice::from_ref(&key), &MaterialId([0xdd; 32]), true)
        .await;
    assert!(
        matches!(none_held, Err(StoreError::NotFound)),
        "{none_held:?}"
    );
    let pending_in = |key: &KeyRecord, at: i64| {
        let (primary, primary_sealed) =
            s.imported(key, KeyMaterialState::PendingRotation, at, None);
        let copy = ImportedMaterialRecord {
            region: west.region.clone(),
            ..primary.clone()
        };
        let copy_sealed = MaterialRecord {
            region: west.region.clone(),
            ..primary_sealed.clone()
        };
        (primary, primary_sealed, copy, copy_sealed)
    };
    let (third, third_sealed, _, _) = pending_in(&key, T0 + 3 * DAY);
    store
        .import_material(&key, &third, &third_sealed)
        .await
        .unwrap();
    let key = next(key);
    let stale = KeyRecord {
        version: replica.version - 1,
        ..replica.clone()
    };
    let lost = store
        .remove_imported_materials(&[key.clone(), stale], &third.material_id, true)
        .await;
    assert!(matches!(lost, Err(StoreError::Conflict)), "{lost:?}");
    assert_eq!(
        store
            .imported_materials(&s.region, &key.key_id)
            .await
            .unwrap()
            .len(),
        3
    );
    store
        .remove_imported_materials(&[key.clone(), replica.clone()], &third.material_id, true)
        .await
        .unwrap();
    let (key, replica) = (next(key), next(replica));
    assert_eq!(
        store.key(&west.region, &key.key_id).await.unwrap(),
        Some(replica.clone())
    );
    let (fourth, fourth_sealed, copy, copy_sealed) = pending_in(&key, T0 + 4 * DAY);
    store
        .import_material(&key, &fourth, &fourth_sealed)
        .await
        .unwrap();
    store
        .import_material(&replica, &copy, &copy_sealed)
        .await
        .unwrap();
    let (key, replica) = (next(key), next(replica));
    store
        .remove_imported_materials(&[key.clone(), replica], &fourth.material_id, true)
        .await
        .unwrap();
    for region in [&s.region, &west.region] {
        let left = store.imported_materials(region, &key.key_id).await.unwrap();
        assert_eq!(left.len(), 2);
        let sealed = store.materials(region, &key.key_id).await.unwrap();
        assert_eq!(sealed.len(), 2);
        for gone in [third.material_id, fourth.material_id] {
            assert!(left.iter().all(|m| m.material_id != gone));
            assert!(sealed.iter().all(|m| m.material_id != gone));
        }
    }
}
