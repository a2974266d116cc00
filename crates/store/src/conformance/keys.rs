//! Keys and what belongs to each: its materials and its tags.

use trent_types::{KeyId, KeySpec, KeyState, KeyUsage, Origin, RotationType};

use super::{DAY, Scope, T0, tag, ts};
use crate::{AutoRotation, KeyRecord, MaterialState, Store, StoreError};

/// Create and read keys: every field round-trips, ids are unique per region, keys are regional.
pub async fn key_lifecycle<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    let tags = vec![tag("Owner", "alice"), tag("Project", "")];
    store.create_key(&key, &material, &tags).await.unwrap();
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        vec![material.clone()]
    );
    assert_eq!(store.tags(&s.region, &key.key_id).await.unwrap(), tags);

    // Every optional field set, every enum away from its usual value, awkward text.
    let (mut full, mut full_material) = s.new_key_with_id(KeyId::new_multi_region());
    full.description = "ünïcødé \"quoted\" 'single' \\ back\nnew line".into();
    full.key_spec = KeySpec::EccNistP256;
    full.key_usage = KeyUsage::SignVerify;
    full.origin = Origin::External;
    full.state = KeyState::PendingDeletion;
    full.deletion_date = Some(ts(T0 + 7 * DAY));
    full.pending_window_days = Some(7);
    full.multi_region = true;
    full.rotation = Some(AutoRotation {
        period_days: 2560,
        next: ts(T0 + 2560 * DAY),
    });
    full.version = 41;
    full_material.state = MaterialState::NonCurrent;
    full_material.rotation_type = Some(RotationType::OnDemand);
    full_material.sealed = (0..=255).collect();
    store.create_key(&full, &full_material, &[]).await.unwrap();
    assert_eq!(
        store.key(&s.region, &full.key_id).await.unwrap(),
        Some(full.clone())
    );
    assert_eq!(
        store.materials(&s.region, &full.key_id).await.unwrap(),
        vec![full_material]
    );
    assert_eq!(store.tags(&s.region, &full.key_id).await.unwrap(), vec![]);

    // No current material (a key waiting for imported material).
    let (mut bare, bare_material) = s.new_key();
    bare.current_material = None;
    bare.state = KeyState::PendingImport;
    store.create_key(&bare, &bare_material, &[]).await.unwrap();
    assert_eq!(
        store.key(&s.region, &bare.key_id).await.unwrap(),
        Some(bare)
    );

    // The same id again in the same region: Conflict, and nothing of the attempt is kept.
    let (mut dup, mut dup_material) = s.new_key();
    dup.key_id = key.key_id.clone();
    dup.description = "impostor".into();
    dup_material.key_id = key.key_id.clone();
    let result = store
        .create_key(&dup, &dup_material, &[tag("Owner", "mallory")])
        .await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        vec![material]
    );
    assert_eq!(store.tags(&s.region, &key.key_id).await.unwrap(), tags);

    // Keys are regional: the id is unknown elsewhere, and free to use there.
    let elsewhere = Scope::fresh_region_of(&s.account);
    assert_eq!(
        store.key(&elsewhere.region, &key.key_id).await.unwrap(),
        None
    );
    let (twin, twin_material) = elsewhere.new_key_with_id(key.key_id.clone());
    store.create_key(&twin, &twin_material, &[]).await.unwrap();
    assert_eq!(
        store.key(&elsewhere.region, &key.key_id).await.unwrap(),
        Some(twin)
    );
    assert_eq!(store.key(&s.region, &key.key_id).await.unwrap(), Some(key));

    assert_eq!(
        store.key(&s.region, &KeyId::new_random()).await.unwrap(),
        None
    );
}

/// `update_key`: mutable fields replaced, version bumped, stale versions and ghosts refused.
pub async fn update_key<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    store.create_key(&key, &material, &[]).await.unwrap();

    let mut changed = key.clone();
    changed.description = "scheduled for deletion".into();
    changed.state = KeyState::PendingDeletion;
    changed.deletion_date = Some(ts(T0 + 7 * DAY));
    changed.pending_window_days = Some(7);
    changed.policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}]}"#.into();
    changed.current_material = None;
    changed.rotation = Some(AutoRotation {
        period_days: 90,
        next: ts(T0 + 90 * DAY),
    });
    store.update_key(&changed).await.unwrap();
    let expected = KeyRecord {
        version: key.version + 1,
        ..changed.clone()
    };
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(expected.clone())
    );

    // A writer still holding the old version loses, and changes nothing.
    let mut stale = key.clone();
    stale.description = "stale".into();
    let result = store.update_key(&stale).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(expected.clone())
    );

    // From the current version it goes on; optional fields can be cleared again.
    let mut restored = expected.clone();
    restored.state = KeyState::Enabled;
    restored.deletion_date = None;
    restored.pending_window_days = None;
    restored.current_material = Some(material.material_id);
    restored.rotation = None;
    store.update_key(&restored).await.unwrap();
    let restored = KeyRecord {
        version: expected.version + 1,
        ..restored
    };
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(restored.clone())
    );

    // Fields that are not mutable keep their stored values.
    let mut sneaky = restored.clone();
    sneaky.description = "only this changes".into();
    sneaky.account = Scope::fresh().account;
    sneaky.key_spec = KeySpec::Hmac256;
    sneaky.key_usage = KeyUsage::GenerateVerifyMac;
    sneaky.origin = Origin::External;
    sneaky.creation_date = ts(1);
    sneaky.multi_region = true;
    store.update_key(&sneaky).await.unwrap();
    let expected = KeyRecord {
        description: "only this changes".into(),
        version: restored.version + 1,
        ..restored
    };
    assert_eq!(
        store.key(&s.region, &key.key_id).await.unwrap(),
        Some(expected)
    );

    let (ghost, _) = s.new_key();
    let result = store.update_key(&ghost).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(store.key(&s.region, &ghost.key_id).await.unwrap(), None);
}

/// `delete_key` takes the key's materials, aliases and tags with it, and nothing else.
pub async fn delete_key_cascades<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (doomed, doomed_material) = s.new_key();
    let (kept, kept_material) = s.new_key();
    let kept_tags = vec![tag("keep", "me")];
    store
        .create_key(&doomed, &doomed_material, &[tag("a", "1"), tag("b", "2")])
        .await
        .unwrap();
    store
        .create_key(&kept, &kept_material, &kept_tags)
        .await
        .unwrap();
    let one = s.alias("alias/one", &doomed.key_id, T0);
    let two = s.alias("alias/two", &doomed.key_id, T0);
    let three = s.alias("alias/three", &kept.key_id, T0);
    for alias in [&one, &two, &three] {
        store.create_alias(alias).await.unwrap();
    }
    // The same key id in another region is another key.
    let elsewhere = Scope::fresh_region_of(&s.account);
    let (twin, twin_material) = elsewhere.new_key_with_id(doomed.key_id.clone());
    store
        .create_key(&twin, &twin_material, &[tag("twin", "yes")])
        .await
        .unwrap();

    store.delete_key(&s.region, &doomed.key_id).await.unwrap();

    assert_eq!(store.key(&s.region, &doomed.key_id).await.unwrap(), None);
    assert_eq!(
        store.materials(&s.region, &doomed.key_id).await.unwrap(),
        vec![]
    );
    assert_eq!(store.tags(&s.region, &doomed.key_id).await.unwrap(), vec![]);
    assert_eq!(
        store.alias(&s.region, &s.account, &one.name).await.unwrap(),
        None
    );
    assert_eq!(
        store.alias(&s.region, &s.account, &two.name).await.unwrap(),
        None
    );
    let remaining = store
        .list_aliases(&s.region, &s.account, None, None, 10)
        .await
        .unwrap();
    assert_eq!(remaining.items, vec![three.clone()]);
    assert!(!remaining.more);

    assert_eq!(
        store.key(&s.region, &kept.key_id).await.unwrap(),
        Some(kept.clone())
    );
    assert_eq!(
        store.materials(&s.region, &kept.key_id).await.unwrap(),
        vec![kept_material]
    );
    assert_eq!(
        store.tags(&s.region, &kept.key_id).await.unwrap(),
        kept_tags
    );
    assert_eq!(
        store
            .alias(&s.region, &s.account, &three.name)
            .await
            .unwrap(),
        Some(three)
    );
    assert_eq!(
        store.key(&elsewhere.region, &twin.key_id).await.unwrap(),
        Some(twin.clone())
    );
    assert_eq!(
        store
            .materials(&elsewhere.region, &twin.key_id)
            .await
            .unwrap(),
        vec![twin_material]
    );
    assert_eq!(
        store.tags(&elsewhere.region, &twin.key_id).await.unwrap(),
        vec![tag("twin", "yes")]
    );

    let result = store.delete_key(&s.region, &doomed.key_id).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    let result = store.delete_key(&s.region, &KeyId::new_random()).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}

/// `list_keys`: ordered by key id, paged with `after` and `more`, one account in one region.
pub async fn list_keys<S: Store>(store: &S) {
    let s = Scope::fresh();
    let mut keys = Vec::new();
    for _ in 0..5 {
        let (key, material) = s.new_key();
        store.create_key(&key, &material, &[]).await.unwrap();
        keys.push(key);
    }
    keys.sort_by(|a, b| a.key_id.as_str().cmp(b.key_id.as_str()));
    // Neighbours that must not show: same region other account, same account other region.
    let other_account = Scope {
        region: s.region.clone(),
        account: Scope::fresh().account,
    };
    let other_region = Scope::fresh_region_of(&s.account);
    let (stranger, stranger_material) = other_account.new_key();
    let (abroad, abroad_material) = other_region.new_key();
    store
        .create_key(&stranger, &stranger_material, &[])
        .await
        .unwrap();
    store
        .create_key(&abroad, &abroad_material, &[])
        .await
        .unwrap();

    let list = |after: Option<KeyId>, limit| {
        let s = &s;
        async move {
            store
                .list_keys(&s.region, &s.account, after.as_ref(), limit)
                .await
                .unwrap()
        }
    };
    let first = list(None, 2).await;
    assert_eq!(first.items, keys[0..2]);
    assert!(first.more);
    let second = list(Some(keys[1].key_id.clone()), 2).await;
    assert_eq!(second.items, keys[2..4]);
    assert!(second.more);
    let last = list(Some(keys[3].key_id.clone()), 2).await;
    assert_eq!(last.items, keys[4..5]);
    assert!(!last.more);
    let past_the_end = list(Some(keys[4].key_id.clone()), 2).await;
    assert_eq!(past_the_end.items, vec![]);
    assert!(!past_the_end.more);

    let exact = list(None, 5).await;
    assert_eq!(exact.items, keys);
    assert!(
        !exact.more,
        "a page that ends exactly at the last key has nothing more"
    );
    let all = list(None, 100).await;
    assert_eq!(all.items, keys);
    assert!(!all.more);

    // `after` need not name a stored key: it is a position in key-id order.
    let cursor = KeyId::new_random();
    let expected: Vec<_> = keys
        .iter()
        .filter(|k| k.key_id.as_str() > cursor.as_str())
        .cloned()
        .collect();
    assert_eq!(list(Some(cursor), 100).await.items, expected);

    let theirs = store.list_keys(&other_account.region, &other_account.account, None, 100);
    assert_eq!(theirs.await.unwrap().items, vec![stranger]);
    let abroad_page = store.list_keys(&other_region.region, &s.account, None, 100);
    assert_eq!(abroad_page.await.unwrap().items, vec![abroad]);
    let nobody = Scope::fresh();
    let empty = store
        .list_keys(&nobody.region, &nobody.account, None, 100)
        .await
        .unwrap();
    assert_eq!(empty.items, vec![]);
    assert!(!empty.more);
}

/// Only PendingDeletion keys whose date has come (inclusive), in every region.
pub async fn keys_due_for_deletion<S: Store>(store: &S) {
    let s = Scope::fresh();
    let other = Scope::fresh_region_of(&s.account);
    let now = T0 + 30 * DAY;
    let cases = [
        (&s, KeyState::PendingDeletion, Some(now - 1), true),
        (&s, KeyState::PendingDeletion, Some(now), true),
        (&s, KeyState::PendingDeletion, Some(now + 1), false),
        (&s, KeyState::Enabled, None, false),
        (&s, KeyState::Disabled, Some(now - DAY), false),
        (&other, KeyState::PendingDeletion, Some(now - DAY), true),
    ];
    let mut expected = Vec::new();
    for (scope, state, deletion, due) in cases {
        let (mut key, material) = scope.new_key();
        key.state = state;
        key.deletion_date = deletion.map(ts);
        key.pending_window_days = deletion.map(|_| 7);
        store.create_key(&key, &material, &[]).await.unwrap();
        if due {
            expected.push((key.region, key.key_id));
        }
    }
    let mut found: Vec<_> = store
        .keys_due_for_deletion(ts(now))
        .await
        .unwrap()
        .into_iter()
        .filter(|(region, _)| *region == s.region || *region == other.region)
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
}

/// A key's materials; none for a key that does not exist (in that region). Their order,
/// once a key has several, is [`super::rotate_key`]'s to check.
pub async fn materials<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, mut material) = s.new_key();
    material.sealed = b"\x00sealed\xffbytes\x00".to_vec();
    store.create_key(&key, &material, &[]).await.unwrap();
    assert_eq!(
        store.materials(&s.region, &key.key_id).await.unwrap(),
        vec![material]
    );
    let elsewhere = Scope::fresh_region_of(&s.account);
    assert_eq!(
        store
            .materials(&elsewhere.region, &key.key_id)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .materials(&s.region, &KeyId::new_random())
            .await
            .unwrap(),
        vec![]
    );
}

/// Tags: byte order by tag key, overwrite by key, removal, NotFound on a missing key.
pub async fn tags<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    let (other, other_material) = s.new_key();
    store
        .create_key(&key, &material, &[tag("b", "1"), tag("A", "2")])
        .await
        .unwrap();
    store
        .create_key(&other, &other_material, &[tag("b", "other")])
        .await
        .unwrap();
    let stored = store.tags(&s.region, &key.key_id).await.unwrap();
    assert_eq!(stored, vec![tag("A", "2"), tag("b", "1")]);

    let batch = [
        tag("b", "3"),
        tag("c", "4"),
        tag("_", ""),
        tag("Ünï", "cødé"),
    ];
    store
        .put_tags(&s.region, &key.key_id, &batch)
        .await
        .unwrap();
    let stored = store.tags(&s.region, &key.key_id).await.unwrap();
    let expected = [
        tag("A", "2"),
        tag("_", ""),
        tag("b", "3"),
        tag("c", "4"),
        tag("Ünï", "cødé"),
    ];
    assert_eq!(stored, expected);

    let removals = ["A".to_owned(), "absent".to_owned(), "Ünï".to_owned()];
    store
        .remove_tags(&s.region, &key.key_id, &removals)
        .await
        .unwrap();
    let stored = store.tags(&s.region, &key.key_id).await.unwrap();
    assert_eq!(stored, vec![tag("_", ""), tag("b", "3"), tag("c", "4")]);
    store
        .remove_tags(&s.region, &key.key_id, &[])
        .await
        .unwrap();
    store.put_tags(&s.region, &key.key_id, &[]).await.unwrap();
    assert_eq!(store.tags(&s.region, &key.key_id).await.unwrap(), stored);

    // The other key's tag of the same name is its own.
    assert_eq!(
        store.tags(&s.region, &other.key_id).await.unwrap(),
        vec![tag("b", "other")]
    );

    let ghost = KeyId::new_random();
    let result = store.put_tags(&s.region, &ghost, &[tag("x", "y")]).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    let result = store
        .remove_tags(&s.region, &ghost, &["x".to_owned()])
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(store.tags(&s.region, &ghost).await.unwrap(), vec![]);
    // Keys are regional: tagging the id in another region is tagging nothing.
    let elsewhere = Scope::fresh_region_of(&s.account);
    let result = store
        .put_tags(&elsewhere.region, &key.key_id, &[tag("x", "y")])
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}
