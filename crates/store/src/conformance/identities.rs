//! Identities: principals with unique names, their access keys (at most so many each) and
//! identity policies, the generation every change bumps, and the consistent snapshot.

use std::collections::BTreeMap;

use trent_types::{AccountId, PrincipalArn};

use super::{Scope, T0, fresh_hex, ts};
use crate::{
    AccessKeyCreated, AccessKeyRecord, AccessKeyStatus, IdentityPolicyRecord, PrincipalKind,
    PrincipalRecord, Store, StoreError,
};

/// Create, read, list and delete principals; names are unique per account and kind.
pub async fn principals<S: Store>(store: &S) {
    let account = Scope::fresh().account;
    let gen0 = store.identity_generation().await.unwrap();

    let tags = BTreeMap::from([
        ("team".to_owned(), "Blue".to_owned()),
        ("cost-center".to_owned(), "ünï 42".to_owned()),
    ]);
    let alice = principal(
        &account,
        PrincipalKind::User,
        "/eng/",
        "Alice",
        tags.clone(),
    );
    assert_eq!(
        alice.arn.as_str(),
        format!("arn:aws:iam::{}:user/eng/Alice", account.as_str())
    );
    assert_eq!(store.principal(&alice.arn).await.unwrap(), None);
    store.create_principal(&alice).await.unwrap();
    let gen1 = store.identity_generation().await.unwrap();
    assert!(gen1 > gen0, "{gen0} -> {gen1}");
    assert_eq!(
        store.principal(&alice.arn).await.unwrap(),
        Some(alice.clone())
    );
    // Reads leave the generation alone.
    assert_eq!(store.identity_generation().await.unwrap(), gen1);

    // Taken: the same ARN; the same name in another case or under another path.
    for taken in [
        alice.clone(),
        principal(
            &account,
            PrincipalKind::User,
            "/eng/",
            "alice",
            BTreeMap::new(),
        ),
        principal(&account, PrincipalKind::User, "/", "ALICE", BTreeMap::new()),
    ] {
        let result = store.create_principal(&taken).await;
        assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
        if taken.arn != alice.arn {
            assert_eq!(store.principal(&taken.arn).await.unwrap(), None);
        }
    }
    assert_eq!(store.identity_generation().await.unwrap(), gen1);

    // A role may share a user's name; another account may reuse it.
    let role = principal(&account, PrincipalKind::Role, "/", "alice", BTreeMap::new());
    store.create_principal(&role).await.unwrap();
    let other_account = Scope::fresh().account;
    let elsewhere = principal(
        &other_account,
        PrincipalKind::User,
        "/",
        "Alice",
        BTreeMap::new(),
    );
    store.create_principal(&elsewhere).await.unwrap();
    let zed = principal(&account, PrincipalKind::User, "/", "Zed", BTreeMap::new());
    store.create_principal(&zed).await.unwrap();

    let mut mine = vec![alice.clone(), role.clone(), zed.clone()];
    mine.sort_by(|a, b| a.arn.as_str().cmp(b.arn.as_str()));
    assert_eq!(store.list_principals(Some(&account)).await.unwrap(), mine);
    let all = store.list_principals(None).await.unwrap();
    assert!(
        all.windows(2)
            .all(|w| w[0].arn.as_str() < w[1].arn.as_str()),
        "ordered by ARN"
    );
    for p in mine.iter().chain([&elsewhere]) {
        assert!(all.contains(p), "{}", p.arn);
    }

    let gen2 = store.identity_generation().await.unwrap();
    store.delete_principal(&zed.arn).await.unwrap();
    assert_eq!(store.principal(&zed.arn).await.unwrap(), None);
    assert!(store.identity_generation().await.unwrap() > gen2);
    let result = store.delete_principal(&zed.arn).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    // Its name is free again.
    store.create_principal(&zed).await.unwrap();
}

/// Access keys: only for an existing principal, ids unique, at most `max` per principal;
/// deactivated, deleted; a principal with keys or policies is not deleted.
pub async fn access_keys<S: Store>(store: &S) {
    let account = Scope::fresh().account;
    let bob = principal(&account, PrincipalKind::User, "/", "bob", BTreeMap::new());
    let ops = principal(
        &account,
        PrincipalKind::Role,
        "/svc/",
        "Ops",
        BTreeMap::new(),
    );

    let orphan = access_key(&bob.arn, 10);
    let result = store.create_access_key(&orphan, 2).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    store.create_principal(&bob).await.unwrap();
    store.create_principal(&ops).await.unwrap();

    let first = access_key(&bob.arn, 20);
    let gen0 = store.identity_generation().await.unwrap();
    assert_eq!(
        store.create_access_key(&first, 2).await.unwrap(),
        AccessKeyCreated::New
    );
    assert!(store.identity_generation().await.unwrap() > gen0);
    assert_eq!(
        store.access_key(&first.access_key_id).await.unwrap(),
        Some(first.clone())
    );
    let taken = AccessKeyRecord {
        principal: ops.arn.clone(),
        ..first.clone()
    };
    let result = store.create_access_key(&taken, 2).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");

    let second = access_key(&bob.arn, 30);
    assert_eq!(
        store.create_access_key(&second, 2).await.unwrap(),
        AccessKeyCreated::New
    );
    let gen1 = store.identity_generation().await.unwrap();
    let third = access_key(&bob.arn, 40);
    assert_eq!(
        store.create_access_key(&third, 2).await.unwrap(),
        AccessKeyCreated::LimitReached
    );
    assert_eq!(store.access_key(&third.access_key_id).await.unwrap(), None);
    assert_eq!(store.identity_generation().await.unwrap(), gen1);
    let theirs = access_key(&ops.arn, 50);
    store.create_access_key(&theirs, 2).await.unwrap();

    let mut bobs = vec![first.clone(), second.clone()];
    bobs.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
    assert_eq!(store.list_access_keys(Some(&bob.arn)).await.unwrap(), bobs);
    let all = store.list_access_keys(None).await.unwrap();
    assert!(
        all.windows(2)
            .all(|w| w[0].access_key_id < w[1].access_key_id)
    );
    for k in bobs.iter().chain([&theirs]) {
        assert!(all.contains(k), "{}", k.access_key_id);
    }

    store
        .set_access_key_status(&first.access_key_id, AccessKeyStatus::Inactive)
        .await
        .unwrap();
    assert!(store.identity_generation().await.unwrap() > gen1);
    let inactive = store
        .access_key(&first.access_key_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inactive.status, AccessKeyStatus::Inactive);
    assert_eq!(
        inactive,
        AccessKeyRecord {
            status: AccessKeyStatus::Inactive,
            ..first.clone()
        }
    );
    let result = store
        .set_access_key_status(&third.access_key_id, AccessKeyStatus::Active)
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");

    // Bob still has keys: not deleted, nothing changes.
    let gen2 = store.identity_generation().await.unwrap();
    let result = store.delete_principal(&bob.arn).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
    assert_eq!(store.principal(&bob.arn).await.unwrap(), Some(bob.clone()));
    assert_eq!(store.identity_generation().await.unwrap(), gen2);

    for k in [&first, &second] {
        store.delete_access_key(&k.access_key_id).await.unwrap();
        assert_eq!(store.access_key(&k.access_key_id).await.unwrap(), None);
    }
    assert!(store.identity_generation().await.unwrap() > gen2);
    let result = store.delete_access_key(&first.access_key_id).await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(
        store.list_access_keys(Some(&bob.arn)).await.unwrap(),
        vec![]
    );
    store.delete_principal(&bob.arn).await.unwrap();
}

/// Identity policies: attached by name (again: replaced), detached, listed in order; they
/// keep their principal from being deleted.
pub async fn identity_policies<S: Store>(store: &S) {
    let account = Scope::fresh().account;
    let carol = principal(&account, PrincipalKind::User, "/", "carol", BTreeMap::new());
    let ghost = principal(&account, PrincipalKind::User, "/", "ghost", BTreeMap::new());
    store.create_principal(&carol).await.unwrap();

    let result = store
        .put_identity_policy(&policy(&ghost.arn, "Encrypt", "kms:Encrypt"))
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");

    let gen0 = store.identity_generation().await.unwrap();
    let encrypt = policy(&carol.arn, "Encrypt", "kms:Encrypt");
    assert!(!store.put_identity_policy(&encrypt).await.unwrap());
    assert!(store.identity_generation().await.unwrap() > gen0);
    let decrypt = policy(&carol.arn, "Decrypt", "kms:Decrypt");
    assert!(!store.put_identity_policy(&decrypt).await.unwrap());
    // Names are case-sensitive: another policy.
    let lower = policy(&carol.arn, "encrypt", "kms:GenerateDataKey");
    assert!(!store.put_identity_policy(&lower).await.unwrap());
    assert_eq!(
        store.identity_policies(Some(&carol.arn)).await.unwrap(),
        vec![decrypt.clone(), encrypt.clone(), lower.clone()]
    );

    // Again under the same name: replaced.
    let gen1 = store.identity_generation().await.unwrap();
    let replacement = policy(&carol.arn, "Encrypt", "kms:ReEncrypt*");
    assert!(store.put_identity_policy(&replacement).await.unwrap());
    assert!(store.identity_generation().await.unwrap() > gen1);
    assert_eq!(
        store.identity_policies(Some(&carol.arn)).await.unwrap(),
        vec![decrypt.clone(), replacement.clone(), lower.clone()]
    );
    let all = store.identity_policies(None).await.unwrap();
    for p in [&decrypt, &replacement, &lower] {
        assert!(all.contains(p), "{}", p.name);
    }

    let result = store.delete_principal(&carol.arn).await;
    assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");

    let gen2 = store.identity_generation().await.unwrap();
    for p in [&decrypt, &replacement, &lower] {
        store
            .delete_identity_policy(&carol.arn, &p.name)
            .await
            .unwrap();
    }
    assert!(store.identity_generation().await.unwrap() > gen2);
    let result = store.delete_identity_policy(&carol.arn, "Encrypt").await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    assert_eq!(
        store.identity_policies(Some(&carol.arn)).await.unwrap(),
        vec![]
    );
    store.delete_principal(&carol.arn).await.unwrap();
}

/// The snapshot holds every record and the generation they were read at.
pub async fn identity_snapshot<S: Store>(store: &S) {
    let account = Scope::fresh().account;
    let dave = principal(
        &account,
        PrincipalKind::Role,
        "/",
        "dave",
        BTreeMap::from([("k".to_owned(), String::new())]),
    );
    store.create_principal(&dave).await.unwrap();
    let key = access_key(&dave.arn, 60);
    store.create_access_key(&key, 2).await.unwrap();
    let doc = policy(&dave.arn, "All", "kms:*");
    store.put_identity_policy(&doc).await.unwrap();

    let snapshot = store.identities().await.unwrap();
    assert_eq!(
        snapshot.generation,
        store.identity_generation().await.unwrap()
    );
    assert!(snapshot.principals.contains(&dave));
    assert!(snapshot.access_keys.contains(&key));
    assert!(snapshot.policies.contains(&doc));
    assert!(
        snapshot
            .principals
            .windows(2)
            .all(|w| w[0].arn.as_str() < w[1].arn.as_str())
    );
    assert!(
        snapshot
            .access_keys
            .windows(2)
            .all(|w| w[0].access_key_id < w[1].access_key_id)
    );
    assert!(snapshot.policies.windows(2).all(|w| {
        (w[0].principal.as_str(), w[0].name.as_str()) < (w[1].principal.as_str(), &w[1].name)
    }));

    store.delete_access_key(&key.access_key_id).await.unwrap();
    let later = store.identities().await.unwrap();
    assert!(later.generation > snapshot.generation);
    assert!(!later.access_keys.contains(&key));
}

fn principal(
    account: &AccountId,
    kind: PrincipalKind,
    path: &str,
    name: &str,
    tags: BTreeMap<String, String>,
) -> PrincipalRecord {
    PrincipalRecord::new(account, kind, path, name, tags, ts(T0)).unwrap()
}

/// An access key with a fresh id and stand-in sealed bytes (the store never opens them).
fn access_key(principal: &PrincipalArn, at: i64) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: format!("AKIA{}", fresh_hex()[..16].to_uppercase()),
        principal: principal.clone(),
        sealed_secret: format!("sealed:{}\0\u{ff}", fresh_hex()).into_bytes(),
        status: AccessKeyStatus::Active,
        created: ts(T0 + at),
    }
}

fn policy(principal: &PrincipalArn, name: &str, action: &str) -> IdentityPolicyRecord {
    IdentityPolicyRecord {
        principal: principal.clone(),
        name: name.to_owned(),
        document: format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
        ),
    }
}
