//! Each key's last use: the latest one wins, ghosts are dropped, deletion takes it along.

use trent_types::{KeyId, KeyLastUsageTrackingOperation as Op};

use super::{Scope, T0, fresh_hex, ts};
use crate::{KeyRecord, KeyUseRecord, Store};

/// `record_key_uses` and `key_use`.
pub async fn key_uses<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    let (other, other_material) = s.new_key();
    store.create_key(&key, &material, &[]).await.unwrap();
    store
        .create_key(&other, &other_material, &[])
        .await
        .unwrap();
    assert_eq!(store.key_use(&s.region, &key.key_id).await.unwrap(), None);
    store.record_key_uses(&[]).await.unwrap();

    let first = key_use(&key, T0 + 10, Op::Encrypt);
    store
        .record_key_uses(std::slice::from_ref(&first))
        .await
        .unwrap();
    assert_eq!(
        store.key_use(&s.region, &key.key_id).await.unwrap(),
        Some(first.clone())
    );

    // An older use (another node's, reported late) does not replace a newer one.
    store
        .record_key_uses(&[key_use(&key, T0 + 5, Op::Decrypt)])
        .await
        .unwrap();
    assert_eq!(
        store.key_use(&s.region, &key.key_id).await.unwrap(),
        Some(first)
    );

    // Newer uses do, a tie too; one batch serves several keys and drops unknown ones.
    let newer = key_use(&key, T0 + 20, Op::Decrypt);
    let tie = key_use(&key, T0 + 20, Op::ReEncrypt);
    let others = key_use(&other, T0 + 15, Op::GenerateDataKey);
    let (ghost, _) = s.new_key();
    let elsewhere = Scope::fresh_region_of(&s.account);
    let mut abroad = key_use(&key, T0 + 30, Op::Sign);
    abroad.region = elsewhere.region.clone();
    store
        .record_key_uses(&[
            newer,
            key_use(&ghost, T0 + 20, Op::Verify),
            tie.clone(),
            others.clone(),
            abroad,
        ])
        .await
        .unwrap();
    assert_eq!(
        store.key_use(&s.region, &key.key_id).await.unwrap(),
        Some(tie)
    );
    assert_eq!(
        store.key_use(&s.region, &other.key_id).await.unwrap(),
        Some(others)
    );
    assert_eq!(store.key_use(&s.region, &ghost.key_id).await.unwrap(), None);
    assert_eq!(
        store.key_use(&elsewhere.region, &key.key_id).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .key_use(&s.region, &KeyId::new_random())
            .await
            .unwrap(),
        None
    );

    // A deleted key's last use goes with it, and a late report does not bring it back.
    store.delete_key(&s.region, &key.key_id).await.unwrap();
    assert_eq!(store.key_use(&s.region, &key.key_id).await.unwrap(), None);
    store
        .record_key_uses(&[key_use(&key, T0 + 40, Op::Encrypt)])
        .await
        .unwrap();
    assert_eq!(store.key_use(&s.region, &key.key_id).await.unwrap(), None);
}

fn key_use(key: &KeyRecord, at: i64, operation: Op) -> KeyUseRecord {
    KeyUseRecord {
        region: key.region.clone(),
        key_id: key.key_id.clone(),
        time: ts(at),
        operation,
        request_id: KeyId::new_random().as_str().to_owned(),
        event_id: fresh_hex(),
    }
}
