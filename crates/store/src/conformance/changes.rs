//! The change feed: every write to a key or an alias leaves a numbered change, in commit
//! order, whoever made it; recording a key's last use leaves none.

use trent_types::KeyLastUsageTrackingOperation as Op;

use super::{Scope, T0, fresh_hex, tag, ts};
use crate::{Change, KeyUseRecord, Store};

/// `changes_since`, `last_change` and `prune_changes`.
pub async fn changes<S: Store>(store: &S) {
    let start = store.last_change().await.unwrap();
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    store.create_key(&key, &material, &[]).await.unwrap();
    let created = store.changes_since(start, 1000).await.unwrap();
    assert!(!created.is_empty(), "creating a key is a change");
    assert!(
        created
            .iter()
            .all(|c| *c == key_change(&s, c.seq, &key.key_id))
    );
    let mut seen = start;
    for c in &created {
        assert_eq!(c.seq, seen + 1, "numbered without gaps, in order");
        seen = c.seq;
    }
    assert_eq!(store.last_change().await.unwrap(), seen);

    // A last use is not a change of the key: the hot path's bookkeeping drops no cache.
    store
        .record_key_uses(&[KeyUseRecord {
            region: key.region.clone(),
            key_id: key.key_id.clone(),
            time: ts(T0 + 1),
            operation: Op::Encrypt,
            request_id: fresh_hex(),
            event_id: fresh_hex(),
        }])
        .await
        .unwrap();
    assert_eq!(store.changes_since(seen, 1000).await.unwrap(), vec![]);

    // Every other kind of write is one.
    let mut stored = store.key(&s.region, &key.key_id).await.unwrap().unwrap();
    stored.description = "changed".into();
    store.update_key(&stored).await.unwrap();
    seen = expect_key_change(store, &s, seen, &key.key_id).await;
    store
        .put_tags(&s.region, &key.key_id, &[tag("a", "1")])
        .await
        .unwrap();
    seen = expect_key_change(store, &s, seen, &key.key_id).await;

    let alias = s.alias(&format!("alias/changes-{}", fresh_hex()), &key.key_id, T0);
    store.create_alias(&alias).await.unwrap();
    let after_alias = store.changes_since(seen, 1000).await.unwrap();
    let alias_change = Change {
        seq: seen + 1,
        region: Some(s.region.clone()),
        key_id: key.key_id.clone(),
        alias: Some((s.account.clone(), alias.name.clone())),
    };
    assert_eq!(after_alias, vec![alias_change]);
    seen += 1;
    store
        .delete_alias(&s.region, &s.account, &alias.name)
        .await
        .unwrap();
    let deleted = store.changes_since(seen, 1000).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].alias, Some((s.account.clone(), alias.name)));
    seen += 1;

    store.delete_key(&s.region, &key.key_id).await.unwrap();
    let gone = store.changes_since(seen, 1000).await.unwrap();
    assert!(!gone.is_empty(), "deleting a key is a change");
    assert!(gone.iter().all(|c| c.key_id == key.key_id));
    seen = gone.last().unwrap().seq;

    // Paging, and pruning, which keeps the newest and never reuses a number.
    let page = store.changes_since(start, 2).await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0].seq, start + 1);
    store.prune_changes(2).await.unwrap();
    let kept = store.changes_since(0, 1000).await.unwrap();
    assert_eq!(
        kept.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![seen - 1, seen]
    );
    assert_eq!(store.last_change().await.unwrap(), seen);
    store.prune_changes(0).await.unwrap();
    assert_eq!(store.changes_since(0, 1000).await.unwrap(), vec![]);
    assert_eq!(store.last_change().await.unwrap(), seen);
    let (next, next_material) = s.new_key();
    store.create_key(&next, &next_material, &[]).await.unwrap();
    assert_eq!(store.changes_since(seen, 1).await.unwrap()[0].seq, seen + 1);
}

fn key_change(s: &Scope, seq: i64, key_id: &trent_types::KeyId) -> Change {
    Change {
        seq,
        region: Some(s.region.clone()),
        key_id: key_id.clone(),
        alias: None,
    }
}

/// Asserts the changes after `seen` are exactly one change of `key_id`; returns its number.
async fn expect_key_change<S: Store>(
    store: &S,
    s: &Scope,
    seen: i64,
    key_id: &trent_types::KeyId,
) -> i64 {
    let changes = store.changes_since(seen, 1000).await.unwrap();
    assert_eq!(changes, vec![key_change(s, seen + 1, key_id)]);
    seen + 1
}
