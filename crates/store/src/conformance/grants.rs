//! Grants: permissions on one key for one grantee, created idempotently by name.

use std::collections::BTreeMap;

use trent_types::{GrantId, GrantOperation, PrincipalArn};

use super::{Scope, T0, fresh_hex, ts};
use crate::{
    GrantConstraints, GrantCreated, GrantLimits, GrantRecord, KeyRecord, Store, StoreError,
};

const MAX: GrantLimits = GrantLimits {
    per_key: 50_000,
    per_grantee: 500,
};

fn per_key(per_key: usize) -> GrantLimits {
    GrantLimits { per_key, ..MAX }
}

/// Create, read and delete grants, with idempotent names, the limit and the cascade.
pub async fn grants<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    store.create_key(&key, &material, &[]).await.unwrap();

    let grant = GrantRecord {
        name: Some("nightly-batch".into()),
        retiring: Some(principal(&s, "user/Ops")),
        constraints: GrantConstraints {
            equals: None,
            subset: Some(BTreeMap::from([("Dept".into(), "ÄIT".into())])),
        },
        ..new_grant(&s, &key, "role/Batch")
    };
    assert_eq!(
        store.create_grant(&grant, MAX).await.unwrap(),
        GrantCreated::New
    );
    assert_eq!(
        store.grant(&s.region, &grant.grant_id).await.unwrap(),
        Some(grant.clone())
    );
    // Another region does not see it.
    let elsewhere = Scope::fresh();
    assert_eq!(
        store
            .grant(&elsewhere.region, &grant.grant_id)
            .await
            .unwrap(),
        None
    );

    // A retry with the same name and terms (new id, date and token) returns the first grant.
    let retry = GrantRecord {
        grant_id: fresh_grant_id(),
        creation_date: ts(T0 + 50),
        token_hash: [7; 32],
        ..grant.clone()
    };
    assert_eq!(
        store.create_grant(&retry, MAX).await.unwrap(),
        GrantCreated::Existing(Box::new(grant.clone()))
    );
    assert_eq!(store.grant(&s.region, &retry.grant_id).await.unwrap(), None);

    // The same name with other terms is another grant.
    let other_terms = GrantRecord {
        operations: vec![GrantOperation::Decrypt],
        ..retry.clone()
    };
    assert_eq!(
        store.create_grant(&other_terms, MAX).await.unwrap(),
        GrantCreated::New
    );

    // The id is unique.
    let taken = GrantRecord {
        name: None,
        ..grant.clone()
    };
    let result = store.create_grant(&taken, MAX).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");

    // The limit counts the key's grants; a named retry of an existing grant is not refused.
    let over = new_grant(&s, &key, "role/Batch");
    assert_eq!(
        store.create_grant(&over, per_key(2)).await.unwrap(),
        GrantCreated::LimitReached
    );
    assert_eq!(store.grant(&s.region, &over.grant_id).await.unwrap(), None);
    assert_eq!(
        store.create_grant(&retry, per_key(2)).await.unwrap(),
        GrantCreated::Existing(Box::new(grant.clone()))
    );

    // No key, no grant.
    let (missing, _) = s.new_key();
    let result = store
        .create_grant(&new_grant(&s, &missing, "role/Batch"), MAX)
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");

    // The per-grantee limit counts only that grantee's grants on the key.
    let limits = GrantLimits {
        per_key: 50_000,
        per_grantee: 2,
    };
    let third = new_grant(&s, &key, "role/Batch");
    assert_eq!(
        store.create_grant(&third, limits).await.unwrap(),
        GrantCreated::GranteeLimitReached
    );
    assert_eq!(store.grant(&s.region, &third.grant_id).await.unwrap(), None);
    let someone_else = new_grant(&s, &key, "role/Other");
    assert_eq!(
        store.create_grant(&someone_else, limits).await.unwrap(),
        GrantCreated::New
    );

    // A removed grant is remembered as retired; a live or unknown one is not.
    assert!(
        !store
            .grant_retired(&s.region, &grant.grant_id)
            .await
            .unwrap()
    );
    store
        .delete_grant(&s.region, &grant.grant_id, ts(T0 + 100))
        .await
        .unwrap();
    assert_eq!(store.grant(&s.region, &grant.grant_id).await.unwrap(), None);
    assert!(
        store
            .grant_retired(&s.region, &grant.grant_id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .grant_retired(&elsewhere.region, &grant.grant_id)
            .await
            .unwrap()
    );
    assert!(
        !store
            .grant_retired(&s.region, &other_terms.grant_id)
            .await
            .unwrap()
    );
    let result = store
        .delete_grant(&s.region, &grant.grant_id, ts(T0 + 200))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    let result = store
        .delete_grant(&elsewhere.region, &other_terms.grant_id, ts(T0 + 200))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert!(
        store
            .grant(&s.region, &other_terms.grant_id)
            .await
            .unwrap()
            .is_some()
    );

    // Deleting the key deletes its grants.
    store.delete_key(&s.region, &key.key_id).await.unwrap();
    assert_eq!(
        store.grant(&s.region, &other_terms.grant_id).await.unwrap(),
        None
    );
}

/// Listing a key's grants (all, or one grantee's) and a retiring principal's, in pages.
pub async fn list_grants<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (key, material) = s.new_key();
    let (other_key, other_material) = s.new_key();
    store.create_key(&key, &material, &[]).await.unwrap();
    store
        .create_key(&other_key, &other_material, &[])
        .await
        .unwrap();
    let ops = principal(&s, "user/Ops");
    let mut all = Vec::new();
    for i in 0..5 {
        let grantee = if i % 2 == 0 { "role/Even" } else { "role/Odd" };
        let grant = GrantRecord {
            retiring: (i < 3).then(|| ops.clone()),
            ..new_grant(&s, &key, grantee)
        };
        store.create_grant(&grant, MAX).await.unwrap();
        all.push(grant);
    }
    let theirs = GrantRecord {
        retiring: Some(ops.clone()),
        ..new_grant(&s, &other_key, "role/Even")
    };
    store.create_grant(&theirs, MAX).await.unwrap();
    all.sort_by_key(|g| g.grant_id);

    let page = store
        .list_grants(&s.region, &key.key_id, None, None, 100)
        .await
        .unwrap();
    assert_eq!(page.items, all);
    assert!(!page.more);

    let mut seen = Vec::new();
    let mut after: Option<GrantId> = None;
    loop {
        let page = store
            .list_grants(&s.region, &key.key_id, None, after.as_ref(), 2)
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        after = page.items.last().map(|g| g.grant_id);
        seen.extend(page.items);
        if !page.more {
            break;
        }
    }
    assert_eq!(seen, all);

    let odd = principal(&s, "role/Odd");
    let page = store
        .list_grants(&s.region, &key.key_id, Some(&odd), None, 100)
        .await
        .unwrap();
    let expected: Vec<_> = all.iter().filter(|g| g.grantee == odd).cloned().collect();
    assert_eq!(page.items, expected);
    assert_eq!(expected.len(), 2);

    let mut retirable: Vec<_> = all
        .iter()
        .chain([&theirs])
        .filter(|g| g.retiring.as_ref() == Some(&ops))
        .cloned()
        .collect();
    retirable.sort_by_key(|g| g.grant_id);
    let page = store
        .list_retirable_grants(&s.region, &ops, None, 100)
        .await
        .unwrap();
    assert_eq!(page.items, retirable);
    assert_eq!(retirable.len(), 4);
    let first = store
        .list_retirable_grants(&s.region, &ops, None, 3)
        .await
        .unwrap();
    assert!(first.more);
    let rest = store
        .list_retirable_grants(&s.region, &ops, Some(&first.items[2].grant_id), 3)
        .await
        .unwrap();
    assert!(!rest.more);
    assert_eq!([first.items, rest.items].concat(), retirable);
}

fn new_grant(s: &Scope, key: &KeyRecord, grantee: &str) -> GrantRecord {
    GrantRecord {
        region: s.region.clone(),
        key_id: key.key_id.clone(),
        grant_id: fresh_grant_id(),
        name: None,
        grantee: principal(s, grantee),
        retiring: None,
        operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
        constraints: GrantConstraints::default(),
        issuing_account: s.account.clone(),
        creation_date: ts(T0),
        token_hash: [0x5a; 32],
    }
}

fn principal(s: &Scope, resource: &str) -> PrincipalArn {
    PrincipalArn::parse(&format!("arn:aws:iam::{}:{resource}", s.account.as_str())).unwrap()
}

fn fresh_grant_id() -> GrantId {
    GrantId::from_hex(&format!("{}{}", fresh_hex(), fresh_hex())).unwrap()
}
