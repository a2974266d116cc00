//! Stored identities as the service sees them: created with [`IdentityAdmin`] on a data
//! directory, served from memory, followed when they change, and losing to the
//! configuration on a clash.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use trent_core::admin::{AdminError, IdentityAdmin, Revocation};
use trent_core::{
    ADMINISTRATOR_ACCESS, Background, Identities, Principal, Service, ServiceOptions,
};
use trent_store::{IdentityPolicyRecord, PrincipalKind, Store};
use trent_types::{PrincipalArn, SystemClock};

const ACCOUNT_A: &str = "111122223333";
const ACCOUNT_B: &str = "444455556666";
const ENCRYPT_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}"#;

async fn admin(dir: &Path, configured: &Identities) -> IdentityAdmin {
    IdentityAdmin::open(dir, configured, Arc::new(SystemClock))
        .await
        .unwrap()
}

/// A service whose jobs run at startup and then not for an hour: refreshes happen when the
/// test asks.
async fn service(dir: &Path, configured: Identities) -> (Service, Background) {
    let mut opts = ServiceOptions::new(dir);
    opts.identities = configured;
    opts.job_interval = Duration::from_secs(3600);
    let started = Service::start(opts).await.unwrap();
    // Let the jobs' first run finish before the test counts store reads.
    tokio::time::sleep(Duration::from_millis(200)).await;
    started
}

#[tokio::test]
async fn stored_identities_are_served_and_follow_changes() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let admin = admin(&dir, &Identities::default()).await;
    let tags = [("team".to_owned(), "blue".to_owned())];
    let alice = admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "alice", None, &tags)
        .await
        .unwrap();
    let alice_key = admin.create_access_key(alice.arn.as_str()).await.unwrap();
    admin
        .attach_policy(alice.arn.as_str(), "Encrypt", ENCRYPT_ONLY)
        .await
        .unwrap();

    let (svc, background) = service(&dir, Identities::default()).await;
    let c = svc
        .credential(&alice_key.record.access_key_id)
        .await
        .unwrap();
    assert_eq!(c.principal.arn, alice.arn);
    assert_eq!(c.principal.tags["team"], "blue");
    assert_eq!(c.principal.policies.len(), 1);
    assert_eq!(c.secret(), alice_key.secret().as_bytes());
    // The default `test` identity is not among the configured ones here.
    assert!(svc.credential("test").await.is_none());

    // A key created while the service runs works at once, in another account too.
    let bob = admin
        .create_principal(ACCOUNT_B, PrincipalKind::Role, "bob", Some("/ops/"), &[])
        .await
        .unwrap();
    assert_eq!(bob.arn.as_str(), "arn:aws:iam::444455556666:role/ops/bob");
    let bob_key = admin.create_access_key(bob.arn.as_str()).await.unwrap();
    let c = svc.credential(&bob_key.record.access_key_id).await.unwrap();
    assert_eq!(c.principal.arn, bob.arn);
    assert!(c.principal.policies.is_empty());

    // Known keys are served from memory.
    let before = svc.store_counts();
    for _ in 0..100 {
        svc.credential(&alice_key.record.access_key_id)
            .await
            .unwrap();
    }
    assert_eq!(svc.store_counts(), before);

    // A revocation takes effect at the next refresh.
    admin
        .revoke_access_key(&alice_key.record.access_key_id, Revocation::Deactivate)
        .await
        .unwrap();
    assert!(
        svc.credential(&alice_key.record.access_key_id)
            .await
            .is_some()
    );
    assert!(svc.refresh_identities().await.unwrap());
    assert!(
        svc.credential(&alice_key.record.access_key_id)
            .await
            .is_none()
    );
    // Nothing changed since: the refresh reads one number.
    let before = svc.store_counts();
    assert!(!svc.refresh_identities().await.unwrap());
    assert_eq!(svc.store_counts().reads, before.reads + 1);

    // Activated again; then a policy detached and the key deleted.
    admin
        .activate_access_key(&alice_key.record.access_key_id)
        .await
        .unwrap();
    svc.refresh_identities().await.unwrap();
    let c = svc
        .credential(&alice_key.record.access_key_id)
        .await
        .unwrap();
    assert_eq!(c.principal.policies.len(), 1);
    admin
        .detach_policy(alice.arn.as_str(), "Encrypt")
        .await
        .unwrap();
    svc.refresh_identities().await.unwrap();
    let c = svc
        .credential(&alice_key.record.access_key_id)
        .await
        .unwrap();
    assert!(c.principal.policies.is_empty());
    admin
        .revoke_access_key(&bob_key.record.access_key_id, Revocation::Delete)
        .await
        .unwrap();
    svc.refresh_identities().await.unwrap();
    assert!(
        svc.credential(&bob_key.record.access_key_id)
            .await
            .is_none()
    );
    assert!(
        admin
            .access_keys(Some(bob.arn.as_str()), None)
            .await
            .unwrap()
            .is_empty()
    );

    // A deleted principal takes its keys with it.
    let deleted = admin
        .delete_principal(ACCOUNT_A, PrincipalKind::User, "ALICE", true)
        .await
        .unwrap();
    assert_eq!(deleted.access_keys.len(), 1);
    svc.refresh_identities().await.unwrap();
    assert!(
        svc.credential(&alice_key.record.access_key_id)
            .await
            .is_none()
    );

    drop(svc);
    background.shutdown().await;
}

#[tokio::test]
async fn unknown_access_keys_cost_few_store_reads() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let (svc, background) = service(&dir, Identities::default_local()).await;

    let before = svc.store_counts();
    // The same unknown id again and again: looked up once, then remembered.
    for _ in 0..50 {
        assert!(svc.credential("AKIAAAAAAAAAAAAAAAAA").await.is_none());
    }
    assert_eq!(svc.store_counts().reads, before.reads + 1);
    // A flood of made-up ids: a burst of lookups, then none.
    for i in 0..200 {
        assert!(
            svc.credential(&format!("AKIAGARBAGE{i:09}"))
                .await
                .is_none()
        );
    }
    // (A burst of ten, plus what the budget refills while the loop runs, which is a few
    // milliseconds unless the machine stalls.)
    let reads = svc.store_counts().reads - before.reads;
    assert!(reads <= 30, "{reads} store reads for 201 unknown ids");
    assert_eq!(svc.store_counts().writes, before.writes);

    // A key created meanwhile is there after the next refresh at the latest.
    let admin = admin(&dir, &Identities::default_local()).await;
    let carol = admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "carol", None, &[])
        .await
        .unwrap();
    let key = admin.create_access_key(carol.arn.as_str()).await.unwrap();
    svc.refresh_identities().await.unwrap();
    assert!(svc.credential(&key.record.access_key_id).await.is_some());
    // The configured default identity is still served beside it.
    assert!(svc.credential("test").await.is_some());

    drop(svc);
    background.shutdown().await;
}

#[tokio::test]
async fn the_configuration_wins_a_clash() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let plain = admin(&dir, &Identities::default()).await;
    let alice = plain
        .create_principal(ACCOUNT_A, PrincipalKind::User, "alice", None, &[])
        .await
        .unwrap();
    let stored_alice_key = plain.create_access_key(alice.arn.as_str()).await.unwrap();
    let dave = plain
        .create_principal(ACCOUNT_A, PrincipalKind::User, "dave", None, &[])
        .await
        .unwrap();
    let dave_key = plain.create_access_key(dave.arn.as_str()).await.unwrap();

    // The configuration: alice (with another key and a policy) and, under dave's stored
    // access key id, a key of erin's.
    let mut configured = Identities::default();
    let configured_alice = Arc::new(
        Principal::new(alice.arn.clone())
            .with_policy(ADMINISTRATOR_ACCESS)
            .unwrap(),
    );
    configured.add(
        "AKIACONFIGUREDALICE1",
        "configured-secret",
        &configured_alice,
    );
    let erin = Arc::new(Principal::new(
        PrincipalArn::parse("arn:aws:iam::111122223333:user/erin").unwrap(),
    ));
    configured.add(
        dave_key.record.access_key_id.clone(),
        "erin-configured-secret",
        &erin,
    );

    let (svc, background) = service(&dir, configured.clone()).await;
    // The stored alice is shadowed whole: her stored key is refused.
    assert!(
        svc.credential(&stored_alice_key.record.access_key_id)
            .await
            .is_none()
    );
    let c = svc.credential("AKIACONFIGUREDALICE1").await.unwrap();
    assert_eq!(c.principal.policies.len(), 1);
    // The clashing access key id is the configured one.
    let c = svc
        .credential(&dave_key.record.access_key_id)
        .await
        .unwrap();
    assert_eq!(c.principal.arn, erin.arn);
    assert_eq!(c.secret(), b"erin-configured-secret");

    // An admin that reads the same configuration refuses to create a configured principal.
    let aware = admin(&dir, &configured).await;
    let refused = aware
        .create_principal(ACCOUNT_A, PrincipalKind::User, "Erin", None, &[])
        .await
        .unwrap_err();
    assert!(matches!(refused, AdminError::Conflict(_)), "{refused}");
    assert!(refused.to_string().contains("configuration"), "{refused}");
    // A role of that name is another principal.
    aware
        .create_principal(ACCOUNT_A, PrincipalKind::Role, "erin", None, &[])
        .await
        .unwrap();

    drop(svc);
    background.shutdown().await;
}

#[tokio::test]
async fn a_principal_whose_policy_no_longer_parses_is_refused_whole() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let admin = admin(&dir, &Identities::default()).await;
    let frank = admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "frank", None, &[])
        .await
        .unwrap();
    let key = admin.create_access_key(frank.arn.as_str()).await.unwrap();
    // Written behind the admin's checks, as a document an older build accepted might be.
    admin
        .store()
        .put_identity_policy(&IdentityPolicyRecord {
            principal: frank.arn.clone(),
            name: "Broken".into(),
            document: r#"{"Statement":[{"Effect":"Deny","Action":"kms:*"}]}"#.into(),
        })
        .await
        .unwrap();
    // And a key whose sealed secret does not open (sealed under another data directory's
    // root, or for another access key id).
    let mut moved = admin
        .create_access_key(frank.arn.as_str())
        .await
        .unwrap()
        .record;
    admin
        .revoke_access_key(&moved.access_key_id, Revocation::Delete)
        .await
        .unwrap();
    moved.access_key_id = "AKIAMOVEDSECRET00000".into();
    admin.store().create_access_key(&moved, 2).await.unwrap();

    let (svc, background) = service(&dir, Identities::default()).await;
    assert!(svc.credential(&key.record.access_key_id).await.is_none());
    assert!(svc.credential(&moved.access_key_id).await.is_none());
    admin
        .detach_policy(frank.arn.as_str(), "Broken")
        .await
        .unwrap();
    svc.refresh_identities().await.unwrap();
    assert!(svc.credential(&key.record.access_key_id).await.is_some());
    assert!(svc.credential(&moved.access_key_id).await.is_none());
    drop(svc);
    background.shutdown().await;
}

#[tokio::test]
async fn admin_errors_are_clear() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let admin = admin(&dir, &Identities::default()).await;

    let e = err(admin
        .create_principal("12345", PrincipalKind::User, "x", None, &[])
        .await);
    assert!(
        matches!(e, AdminError::Invalid(_)) && e.to_string().contains("account id"),
        "{e}"
    );
    let e = err(admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "bad name", None, &[])
        .await);
    assert!(matches!(e, AdminError::Invalid(_)), "{e}");

    let gina = admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "gina", None, &[])
        .await
        .unwrap();
    let e = err(admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "Gina", Some("/x/"), &[])
        .await);
    assert!(matches!(e, AdminError::Conflict(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "User with name Gina already exists in account 111122223333."
    );

    let e = err(admin
        .create_access_key("arn:aws:iam::111122223333:user/nobody")
        .await);
    assert!(matches!(e, AdminError::NotFound(_)), "{e}");
    let e = err(admin
        .create_access_key("arn:aws:iam::111122223333:root")
        .await);
    assert!(matches!(e, AdminError::Invalid(_)), "{e}");
    admin.create_access_key(gina.arn.as_str()).await.unwrap();
    admin.create_access_key(gina.arn.as_str()).await.unwrap();
    let e = err(admin.create_access_key(gina.arn.as_str()).await);
    assert!(matches!(e, AdminError::LimitExceeded(_)), "{e}");
    assert!(e.to_string().contains("AccessKeysPerUser: 2"), "{e}");

    let e = err(admin
        .revoke_access_key("AKIANOSUCHKEY0000000", Revocation::Delete)
        .await);
    assert_eq!(
        e.to_string(),
        "The Access Key with id AKIANOSUCHKEY0000000 cannot be found."
    );

    let e = err(admin.attach_policy(gina.arn.as_str(), "P", "{").await);
    assert!(
        e.to_string().starts_with("malformed identity policy"),
        "{e}"
    );
    assert!(
        admin
            .policies(Some(gina.arn.as_str()), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !admin
            .attach_policy(gina.arn.as_str(), "P", ENCRYPT_ONLY)
            .await
            .unwrap()
    );
    assert!(
        admin
            .attach_policy(gina.arn.as_str(), "P", ADMINISTRATOR_ACCESS)
            .await
            .unwrap()
    );
    let e = err(admin.detach_policy(gina.arn.as_str(), "Q").await);
    assert!(matches!(e, AdminError::NotFound(_)), "{e}");

    // Keys and policies keep a principal from deletion unless forced.
    let e = err(admin
        .delete_principal(ACCOUNT_A, PrincipalKind::User, "gina", false)
        .await);
    assert!(
        e.to_string().contains("must delete access keys first"),
        "{e}"
    );
    let e = err(admin
        .delete_principal(ACCOUNT_A, PrincipalKind::Role, "gina", false)
        .await);
    assert!(matches!(e, AdminError::NotFound(_)), "{e}");
    assert_eq!(admin.principals(Some(ACCOUNT_A)).await.unwrap(), vec![gina]);
    let deleted = admin
        .delete_principal(ACCOUNT_A, PrincipalKind::User, "gina", true)
        .await
        .unwrap();
    assert_eq!((deleted.access_keys.len(), deleted.policies.len()), (2, 1));
    assert!(admin.principals(None).await.unwrap().is_empty());
    assert!(admin.access_keys(None, None).await.unwrap().is_empty());
}

fn err<T>(r: Result<T, AdminError>) -> AdminError {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn secrets_are_not_in_the_database_files() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let admin = admin(&dir, &Identities::default()).await;
    let henry = admin
        .create_principal(ACCOUNT_A, PrincipalKind::User, "henry", None, &[])
        .await
        .unwrap();
    let key = admin.create_access_key(henry.arn.as_str()).await.unwrap();
    let secret = key.secret().as_bytes().to_vec();
    assert_eq!(secret.len(), 40);
    assert!(!format!("{key:?}").contains(key.secret()));
    let mut read = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("trent.db") {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        read += 1;
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "{name} holds the secret"
        );
        // The access key id is there, so the search would find what is stored in clear.
        let id = key.record.access_key_id.as_bytes();
        if name == "trent.db-wal" {
            assert!(bytes.windows(id.len()).any(|w| w == id), "{name}");
        }
    }
    assert!(read >= 1);
}
