//! Aliases: one account's names for its keys in one region.

use trent_types::{AliasName, KeyId};

use super::{Scope, T0, ts};
use crate::{AliasRecord, KeyRecord, Store, StoreError};

/// Create, read, update and delete one alias, with every refusal the trait documents.
pub async fn aliases<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (first, first_material) = s.new_key();
    let (second, second_material) = s.new_key();
    store
        .create_key(&first, &first_material, &[])
        .await
        .unwrap();
    store
        .create_key(&second, &second_material, &[])
        .await
        .unwrap();

    let alias = AliasRecord {
        last_updated_date: ts(T0 + 10),
        ..s.alias("alias/app-key", &first.key_id, T0)
    };
    store.create_alias(&alias).await.unwrap();
    assert_eq!(
        store
            .alias(&s.region, &s.account, &alias.name)
            .await
            .unwrap(),
        Some(alias.clone())
    );

    // The name is taken in this account and region, whatever it would point at.
    let again = s.alias("alias/app-key", &second.key_id, T0 + 5);
    let result = store.create_alias(&again).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(
        store
            .alias(&s.region, &s.account, &alias.name)
            .await
            .unwrap(),
        Some(alias.clone())
    );

    // ...but free in another account of the same region.
    let neighbour = Scope {
        region: s.region.clone(),
        account: Scope::fresh().account,
    };
    let theirs = neighbour.alias("alias/app-key", &second.key_id, T0 + 9);
    store.create_alias(&theirs).await.unwrap();
    let found = store
        .alias(&s.region, &neighbour.account, &alias.name)
        .await
        .unwrap();
    assert_eq!(found, Some(theirs));
    assert_eq!(
        store
            .alias(&s.region, &s.account, &alias.name)
            .await
            .unwrap(),
        Some(alias.clone())
    );
    let elsewhere = Scope::fresh_region_of(&s.account);
    assert_eq!(
        store
            .alias(&elsewhere.region, &s.account, &alias.name)
            .await
            .unwrap(),
        None
    );

    // A target that does not exist, or exists only in another region: NotFound.
    let (abroad, abroad_material) = elsewhere.new_key();
    store
        .create_key(&abroad, &abroad_material, &[])
        .await
        .unwrap();
    for target in [KeyId::new_random(), abroad.key_id.clone()] {
        let orphan = s.alias("alias/orphan", &target, T0);
        let result = store.create_alias(&orphan).await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
        assert_eq!(
            store
                .alias(&s.region, &s.account, &orphan.name)
                .await
                .unwrap(),
            None
        );
    }

    // Update re-points the alias and sets last-updated; the creation date stays.
    let mut moved = s.alias("alias/app-key", &second.key_id, T0 + 1_000);
    moved.creation_date = ts(1);
    store.update_alias(&moved).await.unwrap();
    let expected = AliasRecord {
        target_key_id: second.key_id.clone(),
        last_updated_date: ts(T0 + 1_000),
        ..alias.clone()
    };
    let found = store
        .alias(&s.region, &s.account, &alias.name)
        .await
        .unwrap();
    assert_eq!(found, Some(expected.clone()));

    let to_nowhere = s.alias("alias/app-key", &KeyId::new_random(), T0 + 2_000);
    let result = store.update_alias(&to_nowhere).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    let found = store
        .alias(&s.region, &s.account, &alias.name)
        .await
        .unwrap();
    assert_eq!(found, Some(expected.clone()));

    let missing = s.alias("alias/never-made", &first.key_id, T0);
    let result = store.update_alias(&missing).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(
        store
            .alias(&s.region, &s.account, &missing.name)
            .await
            .unwrap(),
        None
    );

    // Delete removes the alias, not its key.
    store
        .delete_alias(&s.region, &s.account, &alias.name)
        .await
        .unwrap();
    assert_eq!(
        store
            .alias(&s.region, &s.account, &alias.name)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.key(&s.region, &second.key_id).await.unwrap(),
        Some(second)
    );
    let result = store.delete_alias(&s.region, &s.account, &alias.name).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    let found = store
        .alias(&s.region, &neighbour.account, &alias.name)
        .await
        .unwrap();
    assert!(
        found.is_some(),
        "deleting one account's alias left the other's"
    );
}

/// `list_aliases`: byte order by name, paging, the key filter, account and region isolation.
pub async fn list_aliases<S: Store>(store: &S) {
    let s = Scope::fresh();
    let (one, one_material) = s.new_key();
    let (two, two_material) = s.new_key();
    store.create_key(&one, &one_material, &[]).await.unwrap();
    store.create_key(&two, &two_material, &[]).await.unwrap();
    // In byte order: upper case before lower case, and '-' < '/' < '_'. A case-insensitive
    // or punctuation-ignoring collation orders these differently, even within one key's.
    let expected_names = [
        "alias/Alpha",
        "alias/Beta",
        "alias/alpha",
        "alias/alpha-z",
        "alias/alpha/a",
        "alias/alpha_0",
    ];
    let targets = [&two, &one, &one, &two, &one, &two];
    let mut all = Vec::new();
    // Created out of order, so that insertion order cannot pass for name order.
    for i in [3, 0, 5, 4, 2, 1] {
        let alias = s.alias(
            expected_names[i],
            &targets[i].key_id,
            T0 + i64::try_from(i).unwrap(),
        );
        store.create_alias(&alias).await.unwrap();
        all.push(alias);
    }
    all.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
    let names: Vec<_> = all.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, expected_names);
    // Neighbours that must not show.
    let neighbour = Scope {
        region: s.region.clone(),
        account: Scope::fresh().account,
    };
    store
        .create_alias(&neighbour.alias("alias/alpha", &one.key_id, T0))
        .await
        .unwrap();
    let elsewhere = Scope::fresh_region_of(&s.account);
    let (abroad, abroad_material) = elsewhere.new_key();
    store
        .create_key(&abroad, &abroad_material, &[])
        .await
        .unwrap();
    store
        .create_alias(&elsewhere.alias("alias/alpha", &abroad.key_id, T0))
        .await
        .unwrap();

    let list = |key: Option<KeyId>, after: Option<AliasName>, limit| {
        let s = &s;
        async move {
            store
                .list_aliases(&s.region, &s.account, key.as_ref(), after.as_ref(), limit)
                .await
                .unwrap()
        }
    };
    let page = list(None, None, 100).await;
    assert_eq!(page.items, all);
    assert!(!page.more);
    let page = list(None, None, 2).await;
    assert_eq!(page.items, all[0..2]);
    assert!(page.more);
    let page = list(None, Some(all[1].name.clone()), 2).await;
    assert_eq!(page.items, all[2..4]);
    assert!(page.more);
    let page = list(None, Some(all[3].name.clone()), 2).await;
    assert_eq!(page.items, all[4..6]);
    assert!(!page.more);
    let page = list(None, None, 6).await;
    assert_eq!(page.items, all);
    assert!(!page.more);

    let of = |key: &KeyRecord| -> Vec<AliasRecord> {
        all.iter()
            .filter(|a| a.target_key_id == key.key_id)
            .cloned()
            .collect()
    };
    let (of_one, of_two) = (of(&one), of(&two));
    assert_eq!(of_one.len(), 3);
    let page = list(Some(one.key_id.clone()), None, 100).await;
    assert_eq!(page.items, of_one);
    assert!(!page.more);
    let page = list(Some(one.key_id.clone()), None, 2).await;
    assert_eq!(page.items, of_one[0..2]);
    assert!(page.more);
    let page = list(Some(one.key_id.clone()), Some(of_one[1].name.clone()), 2).await;
    assert_eq!(page.items, of_one[2..3]);
    assert!(!page.more);
    let page = list(Some(two.key_id.clone()), None, 100).await;
    assert_eq!(page.items, of_two);
    assert!(!page.more);
    let page = list(Some(KeyId::new_random()), None, 100).await;
    assert_eq!(page.items, vec![]);
    assert!(!page.more);

    let theirs = store.list_aliases(&s.region, &neighbour.account, None, None, 100);
    assert_eq!(
        theirs.await.unwrap().items,
        vec![neighbour.alias("alias/alpha", &one.key_id, T0)]
    );
    let abroad_page = store.list_aliases(&elsewhere.region, &s.account, None, None, 100);
    let abroad_alias = elsewhere.alias("alias/alpha", &abroad.key_id, T0);
    assert_eq!(abroad_page.await.unwrap().items, vec![abroad_alias]);
}
