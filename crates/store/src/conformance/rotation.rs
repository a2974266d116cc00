//! Rotation: new material added to a key atomically, and the keys whose rotation is due.

use trent_types::{KeyId, KeyState, RotationType};

use super::{DAY, Scope, T0, ts};
use crate::{AutoRotation, KeyRecord, MaterialRecord, MaterialState, Store, StoreError};

/// `rotate_key`: the new material is current, every older one non-current, oldest first;
/// the key's fields and version move with it; a stale version, a taken material id or a
/// ghost key change nothing.
pub async fn rotate_key<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (mut key, first) = s.new_key();
    store.create_key(&key, &first, &[]).await.unwrap();
    // A neighbour whose material must stay as it is.
    let (neighbour, neighbour_material) = s.new_key();
    store
        .create_key(&neighbour, &neighbour_material, &[])
        .await
        .unwrap();

    let mut materials = vec![first.clone()];
    let rotations = [
        (RotationType::Automatic, T0 + 90 * DAY),
        (RotationType::OnDemand, T0 + 100 * DAY),
        // Made in the same millisecond as the one before: insertion order decides.
        (RotationType::OnDemand, T0 + 100 * DAY),
    ];
    for (kind, at) in rotations {
        let material = s.rotated_material(&key, kind, at);
        let mut rotated = key.clone();
        rotated.current_material = Some(material.material_id);
        rotated.rotation = Some(AutoRotation {
            period_days: 90,
            next: ts(at + 90 * DAY),
        });
        rotated.description = format!("rotated at {at}");
        store.rotate_key(&rotated, &material).await.unwrap();

        key = KeyRecord {
            version: rotated.version + 1,
            ..rotated
        };
        for m in &mut materials {
            m.state = MaterialState::NonCurrent;
        }
        materials.push(material);
        assert_eq!(
            store.key(&s.region, &key.key_id).await.unwrap(),
            Some(key.clone())
        );
        assert_eq!(
            store.materials(&s.region, &key.key_id).await.unwrap(),
            materials
        );
    }

    let unchanged = || async {
        assert_eq!(
            store.key(&s.region, &key.key_id).await.unwrap(),
            Some(key.clone())
        );
        assert_eq!(
            store.materials(&s.region, &key.key_id).await.unwrap(),
            materials
        );
    };

    // A writer that read the key before the last rotation loses, and adds nothing.
    let late = s.rotated_material(&key, RotationType::OnDemand, T0 + 200 * DAY);
    let mut stale = key.clone();
    stale.version -= 1;
    stale.current_material = Some(late.material_id);
    let result = store.rotate_key(&stale, &late).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    unchanged().await;

    // A material id the key already has is taken.
    let mut again = materials[1].clone();
    again.state = MaterialState::Current;
    let mut reuse = key.clone();
    reuse.current_material = Some(again.material_id);
    let result = store.rotate_key(&reuse, &again).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    unchanged().await;

    // Inconsistent requests are refused before anything is written.
    let fresh = s.rotated_material(&key, RotationType::OnDemand, T0 + 200 * DAY);
    let mut names_it = key.clone();
    names_it.current_material = Some(fresh.material_id);
    let refused: [(&str, KeyRecord, MaterialRecord); 3] = [
        (
            "the key does not name the material as current",
            key.clone(),
            fresh.clone(),
        ),
        (
            "the material is not current",
            names_it.clone(),
            MaterialRecord {
                state: MaterialState::NonCurrent,
                ..fresh.clone()
            },
        ),
        (
            "the material belongs to another key",
            names_it.clone(),
            MaterialRecord {
                key_id: neighbour.key_id.clone(),
                ..fresh.clone()
            },
        ),
    ];
    for (what, k, m) in refused {
        let result = store.rotate_key(&k, &m).await;
        assert!(
            matches!(result, Err(StoreError::Other(_))),
            "{what}: {result:?}"
        );
        unchanged().await;
    }

    assert_eq!(
        store.key(&s.region, &neighbour.key_id).await.unwrap(),
        Some(neighbour.clone())
    );
    assert_eq!(
        store.materials(&s.region, &neighbour.key_id).await.unwrap(),
        vec![neighbour_material]
    );

    // A key that does not exist (here, or only in another region) is not found.
    let (ghost, _) = s.new_key();
    let ghost_material = s.rotated_material(&ghost, RotationType::OnDemand, T0);
    let mut ghost = ghost;
    ghost.current_material = Some(ghost_material.material_id);
    let result = store.rotate_key(&ghost, &ghost_material).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(
        store.materials(&s.region, &ghost.key_id).await.unwrap(),
        vec![]
    );
    let elsewhere = Scope::fresh_region_of(&s.account);
    let mut abroad = names_it;
    abroad.region = elsewhere.region.clone();
    let abroad_material = MaterialRecord {
        region: elsewhere.region.clone(),
        ..fresh
    };
    let result = store.rotate_key(&abroad, &abroad_material).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    unchanged().await;
}

/// Only enabled keys with automatic rotation whose date has come (inclusive), in every region.
pub async fn keys_due_for_rotation<S: Store>(store: &S) {
    let s = Scope::fresh();
    let other = Scope::fresh_region_of(&s.account);
    let now = T0 + 400 * DAY;
    let cases = [
        (&s, KeyState::Enabled, Some(now - 1), true),
        (&s, KeyState::Enabled, Some(now), true),
        (&s, KeyState::Enabled, Some(now + 1), false),
        (&s, KeyState::Enabled, None, false),
        // Disabled keys wait until they are enabled again; keys being deleted never rotate.
        (&s, KeyState::Disabled, Some(now - DAY), false),
        (&s, KeyState::PendingDeletion, Some(now - DAY), false),
        (&other, KeyState::Enabled, Some(now - DAY), true),
    ];
    let mut expected = Vec::new();
    for (scope, state, next, due) in cases {
        let (mut key, material) = scope.new_key();
        key.state = state;
        key.rotation = next.map(|at| AutoRotation {
            period_days: 365,
            next: ts(at),
        });
        store.create_key(&key, &material, &[]).await.unwrap();
        if due {
            expected.push((key.region, key.key_id));
        }
    }
    let mut found: Vec<(_, KeyId)> = store
        .keys_due_for_rotation(ts(now))
        .await
        .unwrap()
        .into_iter()
        .filter(|(region, _)| *region == s.region || *region == other.region)
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}
