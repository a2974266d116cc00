//! Managing grants end to end: ListGrants (its filters, pages and response shape),
//! ListRetirableGrants, RetireGrant by each principal AWS lets retire a grant and refused
//! for the others, RevokeGrant, DryRun on both, their errors, the cascade when a key is
//! deleted, and audit events that never hold a grant token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use aws_sdk_kms::Client;
use common::grants::{
    A, B, World, constraint, grant, grant_ids, key_arn, list, new_key, ops, role, try_encrypt, user,
};
use common::{code, fail, message};
use serde_json::Value;

const DENIED: &str = "AccessDeniedException";

/// Creates a grant for role Batch that `ops` (user Ops) may retire; returns its id and token.
async fn retirable(kms: &Client, key: &str, operations: &[&str]) -> (String, String) {
    let out = kms
        .create_grant()
        .key_id(key)
        .grantee_principal(role(A, "Batch"))
        .retiring_principal(user(A, "Ops"))
        .set_operations(Some(ops(operations)))
        .send()
        .await
        .unwrap();
    (out.grant_id.unwrap(), out.grant_token.unwrap())
}

#[tokio::test]
async fn list_grants_answers_as_aws_with_filters_and_pages() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = new_key(&admin, None).await;
    let before = world.server.now();
    let named = admin
        .create_grant()
        .key_id(&key)
        .grantee_principal(role(A, "Batch"))
        .retiring_principal(user(A, "Ops"))
        .set_operations(Some(ops(&["Decrypt", "DescribeKey"])))
        .constraints(constraint(false, &[("Department", "IT")]))
        .name("reports")
        .send()
        .await
        .unwrap()
        .grant_id
        .unwrap();
    let mut ids = vec![named.clone()];
    for _ in 0..2 {
        ids.push(grant(&admin, &key, &role(A, "Batch"), &["Encrypt"]).await.0);
    }
    for _ in 0..2 {
        ids.push(grant(&admin, &key, &user(B, "carol"), &["Encrypt"]).await.0);
    }
    ids.sort();

    let all = list(&admin, &key).await;
    let mut listed: Vec<String> = all.iter().map(|g| g.grant_id.clone().unwrap()).collect();
    listed.sort();
    assert_eq!(listed, ids);
    let entry = all
        .iter()
        .find(|g| g.grant_id.as_deref() == Some(named.as_str()))
        .unwrap();
    assert_eq!(entry.key_id.as_deref(), Some(key_arn(&key).as_str()));
    assert_eq!(entry.name.as_deref(), Some("reports"));
    assert_eq!(
        entry.grantee_principal.as_deref(),
        Some(role(A, "Batch").as_str())
    );
    assert_eq!(
        entry.retiring_principal.as_deref(),
        Some(user(A, "Ops").as_str())
    );
    assert_eq!(
        entry.issuing_account.as_deref(),
        Some("arn:aws:iam::111122223333:root")
    );
    assert_eq!(entry.operations(), ops(&["Decrypt", "DescribeKey"]));
    let subset = entry
        .constraints
        .as_ref()
        .unwrap()
        .encryption_context_subset
        .clone()
        .unwrap();
    assert_eq!(subset, HashMap::from([("Department".into(), "IT".into())]));
    common::assert_time(entry.creation_date.as_ref(), before);
    let plain = all
        .iter()
        .find(|g| g.grant_id.as_deref() != Some(named.as_str()))
        .unwrap();
    assert!(
        plain.constraints.is_none() && plain.name.is_none() && plain.retiring_principal.is_none()
    );

    // Pages of two.
    let mut paged = Vec::new();
    let mut marker = None;
    loop {
        let page = admin
            .list_grants()
            .key_id(key_arn(&key))
            .limit(2)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        assert!(page.grants().len() <= 2);
        paged.extend(page.grants().iter().map(|g| g.grant_id.clone().unwrap()));
        if !page.truncated {
            assert_eq!(page.next_marker, None);
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(paged, ids);

    // Filters: one grant, one grantee.
    let one = admin
        .list_grants()
        .key_id(&key)
        .grant_id(&named)
        .send()
        .await
        .unwrap();
    assert_eq!(one.grants().len(), 1);
    assert!(!one.truncated);
    let carols = admin
        .list_grants()
        .key_id(&key)
        .grantee_principal(user(B, "carol"))
        .send()
        .await
        .unwrap();
    assert_eq!(carols.grants().len(), 2);
    assert!(
        carols
            .grants()
            .iter()
            .all(|g| g.grantee_principal.as_deref() == Some(user(B, "carol").as_str()))
    );
    // A grant of another key is not found under this one.
    let other = new_key(&admin, None).await;
    let none = admin
        .list_grants()
        .key_id(&other)
        .grant_id(&named)
        .send()
        .await
        .unwrap();
    assert!(none.grants().is_empty());

    // Errors.
    let e = fail(
        admin
            .list_grants()
            .key_id(&key)
            .grant_id("nope")
            .send()
            .await,
    );
    assert!(e.is_invalid_grant_id_exception(), "{e:?}");
    let e = fail(
        admin
            .list_grants()
            .key_id(&key)
            .marker("bogus")
            .send()
            .await,
    );
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    let e = fail(admin.list_grants().key_id(&key).limit(0).send().await);
    assert_eq!(code(&e), "ValidationException");
    let e = fail(
        admin
            .list_grants()
            .key_id("1234abcd-12ab-34cd-56ef-1234567890ab")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(world.as_("mallory").list_grants().key_id(&key).send().await);
    assert_eq!(code(&e), DENIED);
    assert!(message(&e).contains("kms:ListGrants"), "{e:?}");
}

#[tokio::test]
async fn list_retirable_grants_spans_keys_and_needs_an_identity_policy() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let first = new_key(&admin, None).await;
    let second = new_key(&admin, None).await;
    let mut expected = vec![
        retirable(&admin, &first, &["Encrypt"]).await.0,
        retirable(&admin, &second, &["Decrypt"]).await.0,
        retirable(&admin, &second, &["Encrypt"]).await.0,
    ];
    expected.sort();
    grant(&admin, &first, &role(A, "Batch"), &["Encrypt"]).await;

    let lister = world.as_("lister");
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = lister
            .list_retirable_grants()
            .retiring_principal(user(A, "Ops"))
            .limit(2)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        for g in page.grants() {
            let key_arn_of = |id: &str| key_arn(id);
            let key = g.key_id.as_deref().unwrap();
            assert!(
                key == key_arn_of(&first) || key == key_arn_of(&second),
                "{key}"
            );
            seen.push(g.grant_id.clone().unwrap());
        }
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(seen, expected);

    // Identity policies alone decide; a principal of another account is refused.
    let e = fail(
        world
            .as_("ops")
            .list_retirable_grants()
            .retiring_principal(user(A, "Ops"))
            .send()
            .await,
    );
    assert_eq!(code(&e), DENIED);
    let e = fail(
        lister
            .list_retirable_grants()
            .retiring_principal(user(B, "carol"))
            .send()
            .await,
    );
    assert_eq!(code(&e), DENIED);
    let e = fail(lister.list_retirable_grants().send().await);
    assert_eq!(code(&e), "ValidationException");
}

#[tokio::test]
async fn the_principals_aws_names_may_retire_a_grant_and_no_one_else() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;

    // Neither the grantee (without RetireGrant in the grant) nor a stranger.
    let (id, token) = retirable(&admin, &key, &["Encrypt"]).await;
    for who in ["batch", "mallory", "carol"] {
        let e = fail(
            world
                .as_(who)
                .retire_grant()
                .key_id(key_arn(&key))
                .grant_id(&id)
                .send()
                .await,
        );
        assert_eq!(code(&e), DENIED, "{who}");
    }
    // DryRun by the retiring principal: it would succeed, and nothing changes.
    let ops_user = world.as_("ops");
    let e = fail(
        ops_user
            .retire_grant()
            .grant_token(&token)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code(&e), "DryRunOperationException");
    assert_eq!(grant_ids(&admin, &key).await, std::slice::from_ref(&id));
    // The retiring principal, by token: the grant stops working at once.
    try_encrypt(&batch, &key, &[], &[]).await.unwrap();
    ops_user
        .retire_grant()
        .grant_token(&token)
        .send()
        .await
        .unwrap();
    assert!(grant_ids(&admin, &key).await.is_empty());
    assert_eq!(
        try_encrypt(&batch, &key, &[], &[]).await,
        Err(DENIED.into())
    );
    assert_eq!(
        try_encrypt(&batch, &key, &[], &[&token]).await,
        Err(DENIED.into())
    );
    // Retired already.
    let e = fail(ops_user.retire_grant().grant_token(&token).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");

    // The grantee, when the grant includes RetireGrant, by key and grant id.
    let (id, _) = grant(&admin, &key, &role(A, "Batch"), &["Encrypt", "RetireGrant"]).await;
    batch
        .retire_grant()
        .key_id(&key)
        .grant_id(&id)
        .send()
        .await
        .unwrap();
    assert!(grant_ids(&admin, &key).await.is_empty());

    // The account the grant was created in: a principal of it with kms:RetireGrant.
    let (id, _) = grant(&admin, &key, &user(B, "carol"), &["Encrypt"]).await;
    admin
        .retire_grant()
        .key_id(&key)
        .grant_id(&id)
        .send()
        .await
        .unwrap();
    assert!(grant_ids(&admin, &key).await.is_empty());

    // Errors.
    let e = fail(
        admin
            .retire_grant()
            .key_id(&key)
            .grant_id("0".repeat(64))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        admin
            .retire_grant()
            .key_id(&key)
            .grant_id("xyz")
            .send()
            .await,
    );
    assert!(e.is_invalid_grant_id_exception(), "{e:?}");
    let e = fail(admin.retire_grant().grant_token("forged").send().await);
    assert!(e.is_invalid_grant_token_exception(), "{e:?}");
    let e = fail(admin.retire_grant().key_id(&key).send().await);
    assert_eq!(code(&e), "ValidationException");
}

#[tokio::test]
async fn revoke_grant_needs_the_permission_and_takes_effect_at_once() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;
    let (id, _) = grant(&admin, &key, &role(A, "Batch"), &["Encrypt", "RetireGrant"]).await;
    // Cached with its grant on this node.
    try_encrypt(&batch, &key, &[], &[]).await.unwrap();

    // RevokeGrant is a key policy permission: neither the grantee nor a stranger has it.
    for who in ["batch", "mallory"] {
        let e = fail(
            world
                .as_(who)
                .revoke_grant()
                .key_id(&key)
                .grant_id(&id)
                .send()
                .await,
        );
        assert_eq!(code(&e), DENIED, "{who}");
        assert!(message(&e).contains("kms:RevokeGrant"), "{e:?}");
    }
    let e = fail(
        admin
            .revoke_grant()
            .key_id(&key)
            .grant_id(&id)
            .dry_run(true)
            .send()
            .await,
    );
    assert_eq!(code(&e), "DryRunOperationException");
    assert!(try_encrypt(&batch, &key, &[], &[]).await.is_ok());

    admin
        .revoke_grant()
        .key_id(&key)
        .grant_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        try_encrypt(&batch, &key, &[], &[]).await,
        Err(DENIED.into())
    );
    assert!(grant_ids(&admin, &key).await.is_empty());

    let e = fail(admin.revoke_grant().key_id(&key).grant_id(&id).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(admin.revoke_grant().key_id(&key).grant_id("g").send().await);
    assert!(e.is_invalid_grant_id_exception(), "{e:?}");
    // A grant of another key is not found through this one.
    let other = new_key(&admin, None).await;
    let (theirs, _) = grant(&admin, &other, &role(A, "Batch"), &["Encrypt"]).await;
    let e = fail(
        admin
            .revoke_grant()
            .key_id(&key)
            .grant_id(&theirs)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(grant_ids(&admin, &other).await, [theirs]);
}

#[tokio::test]
async fn deleting_a_key_deletes_its_grants() {
    let world = World::start().await;
    let on_clock = |who: &str| {
        common::clock_client_as(&world.server, common::REGION, who, &format!("{who}-secret"))
    };
    let admin = on_clock("admin");
    let key = new_key(&admin, None).await;
    let (_, token) = retirable(&admin, &key, &["Encrypt"]).await;
    admin
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    world
        .server
        .clock
        .advance(std::time::Duration::from_secs(8 * 86_400));
    common::wait_until_deleted(&admin, &key).await;
    let left = on_clock("lister")
        .list_retirable_grants()
        .retiring_principal(user(A, "Ops"))
        .send()
        .await
        .unwrap();
    assert!(left.grants().is_empty(), "{left:?}");
    let e = fail(
        on_clock("ops")
            .retire_grant()
            .grant_token(&token)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
}

#[tokio::test]
async fn audit_events_never_hold_a_grant_token() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;
    let (_, token) = retirable(&admin, &key, &["Encrypt"]).await;
    try_encrypt(&batch, &key, &[], &[&token]).await.unwrap();
    world
        .as_("ops")
        .retire_grant()
        .grant_token(&token)
        .send()
        .await
        .unwrap();

    let db = world.server.data_dir().join("trent.db");
    let _temp = world.server.stop().await;
    let store = trent_store::sqlite::SqliteStore::open(&db).await.unwrap();
    let records = trent_store::Store::list_audit(&store, 0, 10_000)
        .await
        .unwrap();
    let events: Vec<Value> = records
        .iter()
        .map(|r| serde_json::from_str(&r.event_json).unwrap())
        .collect();
    let names: Vec<&str> = events
        .iter()
        .filter_map(|e| e["eventName"].as_str())
        .collect();
    for name in ["CreateGrant", "Encrypt", "RetireGrant"] {
        assert!(names.contains(&name), "{names:?}");
    }
    for r in &records {
        assert!(!r.event_json.contains(&token), "{}", r.event_json);
    }
}
