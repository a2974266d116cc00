//! The SQLite backend: the conformance suite, and what only this backend can show — its file
//! outlives the process, its schema migrates once, its writers queue instead of failing.

// Test code: a failed unwrap is a failed test with its location. (clippy.toml already allows
// this inside `#[test]` functions; this extends it to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::Connection;
use sqlx::sqlite::SqliteConnection;
use tempfile::TempDir;
use trent_store::{
    AliasRecord, AnyStore, AuditRecord, KeyRecord, MaterialRecord, MaterialState, NewAuditRecord,
    SqliteStore, Store, StoreError, Tag, conformance,
};
use trent_types::{
    AccountId, AliasName, KeyId, KeySpec, KeyState, KeyUsage, MaterialId, Origin, Region, Timestamp,
};

fn db_path(dir: &TempDir) -> PathBuf {
    dir.path().join("trent.db")
}

async fn fresh() -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&db_path(&dir)).await.unwrap();
    (dir, store)
}

/// A connection of the test's own, beside the store's, to look at and tamper with the file.
async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn passes_the_conformance_suite() {
    let (_dir, store) = fresh().await;
    conformance::run(&store).await;
}

#[tokio::test]
async fn passes_the_conformance_suite_through_any_store_and_twice() {
    let (_dir, store) = fresh().await;
    let store = AnyStore::Sqlite(store);
    conformance::run(&store).await;
    // Again on the same, now non-empty, store: the checks keep to their own data.
    conformance::run(&store).await;
}

fn region() -> Region {
    Region::parse("us-east-1").unwrap()
}

fn account() -> AccountId {
    AccountId::parse("111122223333").unwrap()
}

fn key_and_material(key_id: KeyId) -> (KeyRecord, MaterialRecord) {
    let material = MaterialRecord {
        region: region(),
        key_id: key_id.clone(),
        material_id: MaterialId([7; 32]),
        state: MaterialState::Current,
        created: Timestamp::from_millis(1_700_000_000_000),
        rotation_type: None,
        sealed: vec![0, 1, 2, 0xfe, 0xff, 0],
    };
    let key = KeyRecord {
        region: region(),
        account: account(),
        key_id,
        description: "survives".into(),
        key_spec: KeySpec::SymmetricDefault,
        key_usage: KeyUsage::EncryptDecrypt,
        origin: Origin::AwsKms,
        state: KeyState::Enabled,
        creation_date: Timestamp::from_millis(1_700_000_000_000),
        deletion_date: None,
        pending_window_days: None,
        policy: "{}".into(),
        multi_region: false,
        current_material: Some(material.material_id),
        rotation: None,
        version: 0,
    };
    (key, material)
}

#[tokio::test]
async fn data_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let (key, material) = key_and_material(KeyId::new_random());
    let tags = vec![Tag {
        key: "k".into(),
        value: "v".into(),
    }];
    let alias = AliasRecord {
        region: region(),
        account: account(),
        name: AliasName::parse("alias/kept").unwrap(),
        target_key_id: key.key_id.clone(),
        creation_date: Timestamp::from_millis(1),
        last_updated_date: Timestamp::from_millis(2),
    };
    let event = NewAuditRecord {
        event_id: "e1".into(),
        time: Timestamp::from_millis(3),
        event_json: "{}".into(),
    };

    let store = SqliteStore::open(&path).await.unwrap();
    store.create_key(&key, &material, &tags).await.unwrap();
    store.create_alias(&alias).await.unwrap();
    store.init_setting("dek", b"wrapped").await.unwrap();
    store
        .append_audit(std::slice::from_ref(&event).into(), conformance::test_chain)
        .await
        .unwrap();
    store.close().await;
    let closed = store.ping().await;
    assert!(
        matches!(closed, Err(StoreError::Unavailable(_))),
        "{closed:?}"
    );
    drop(store);

    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store.key(&region(), &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    // The sealed blob comes back byte for byte: the store neither opens nor alters it.
    assert_eq!(
        store.materials(&region(), &key.key_id).await.unwrap(),
        vec![material]
    );
    assert_eq!(store.tags(&region(), &key.key_id).await.unwrap(), tags);
    let found = store
        .alias(&region(), &account(), &alias.name)
        .await
        .unwrap();
    assert_eq!(found, Some(alias));
    assert_eq!(
        store.setting("dek").await.unwrap(),
        Some(b"wrapped".to_vec())
    );
    let stored = AuditRecord {
        seq: 1,
        event_id: event.event_id,
        time: event.time,
        hash: conformance::test_chain(&[0; 32], event.event_json.as_bytes()),
        event_json: event.event_json,
    };
    assert_eq!(store.last_audit().await.unwrap(), Some(stored));
}

#[tokio::test]
async fn opening_twice_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let first = SqliteStore::open(&path).await.unwrap();
    let (key, material) = key_and_material(KeyId::new_random());
    first.create_key(&key, &material, &[]).await.unwrap();
    // A second store on the same file while the first is open, then again after it closed.
    let second = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        second.key(&region(), &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    first.close().await;
    second.close().await;
    let third = SqliteStore::open(&path).await.unwrap();
    assert_eq!(third.key(&region(), &key.key_id).await.unwrap(), Some(key));
    third.close().await;

    let mut conn = raw(&path).await;
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version ORDER BY 1")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let expected: Vec<i64> = (1..=i64::try_from(versions.len()).unwrap()).collect();
    assert!(!versions.is_empty());
    assert_eq!(versions, expected, "each migration recorded exactly once");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn a_version_1_database_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    // A database as the first release left it: schema version 1, one key, one material.
    let (key, material) = key_and_material(KeyId::new_random());
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::raw_sql(concat!(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY) STRICT;",
        include_str!("../src/sqlite/0001_initial.sql"),
        "INSERT INTO schema_version (version) VALUES (1);"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO keys (region, key_id, account, description, key_spec, key_usage, origin, \
         state, creation_date, policy, multi_region, current_material, version) \
         VALUES (?, ?, ?, 'survives', 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'AWS_KMS', \
         'Enabled', ?, '{}', 0, ?, 0)",
    )
    .bind(key.region.as_str())
    .bind(key.key_id.as_str())
    .bind(key.account.as_str())
    .bind(key.creation_date.millis())
    .bind(material.material_id.to_hex())
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO materials (region, key_id, material_id, state, created, sealed) \
         VALUES (?, ?, ?, 'CURRENT', ?, ?)",
    )
    .bind(material.region.as_str())
    .bind(material.key_id.as_str())
    .bind(material.material_id.to_hex())
    .bind(material.created.millis())
    .bind(material.sealed.as_slice())
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    // Opened by this build: migrated, and the old rows read as never rotated.
    let store = SqliteStore::open(&path).await.unwrap();
    assert_eq!(
        store.key(&region(), &key.key_id).await.unwrap(),
        Some(key.clone())
    );
    assert_eq!(
        store.materials(&region(), &key.key_id).await.unwrap(),
        vec![material]
    );
    conformance::rotate_key(&store).await;
    store.close().await;
}

#[tokio::test]
async fn refuses_a_schema_newer_than_it_knows() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    SqliteStore::open(&path).await.unwrap().close().await;
    let mut conn = raw(&path).await;
    sqlx::query("INSERT INTO schema_version (version) VALUES (1000)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let result = SqliteStore::open(&path).await;
    assert!(
        matches!(&result, Err(StoreError::Other(m)) if m.contains("1000")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_corrupt_row_is_an_error_that_does_not_echo_it() {
    let (dir, store) = fresh().await;
    let (key, material) = key_and_material(KeyId::new_random());
    store.create_key(&key, &material, &[]).await.unwrap();
    let mut conn = raw(&db_path(&dir)).await;
    sqlx::query("UPDATE keys SET key_spec = 'SECRET_BOGUS' WHERE key_id = ?")
        .bind(key.key_id.as_str())
        .execute(&mut conn)
        .await
        .unwrap();
    let result = store.key(&region(), &key.key_id).await;
    match result {
        Err(StoreError::Other(message)) => {
            assert!(message.starts_with("corrupt row"), "{message}");
            assert!(message.contains("key_spec"), "{message}");
            assert!(!message.contains("SECRET_BOGUS"), "{message}");
        }
        other => panic!("expected a corrupt-row error, got {other:?}"),
    }
    let listed = store.list_keys(&region(), &account(), None, 10).await;
    assert!(matches!(listed, Err(StoreError::Other(_))), "{listed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed() {
    let (_dir, store) = fresh().await;
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                let (key, material) = key_and_material(KeyId::new_random());
                store.create_key(&key, &material, &[]).await.map(|()| key)
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        created.push(task.await.unwrap().unwrap());
    }
    created.sort_by(|a, b| a.key_id.as_str().cmp(b.key_id.as_str()));
    let listed = store
        .list_keys(&region(), &account(), None, 100)
        .await
        .unwrap();
    assert_eq!(listed.items, created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_take_turns() {
    // As two processes sharing the data directory would: each has its own writer connection,
    // and SQLite's lock with the busy timeout makes them wait for each other, not fail.
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let stores = [
        Arc::new(SqliteStore::open(&path).await.unwrap()),
        Arc::new(SqliteStore::open(&path).await.unwrap()),
    ];
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = Arc::clone(&stores[i % 2]);
            tokio::spawn(async move {
                let (key, material) = key_and_material(KeyId::new_random());
                store.create_key(&key, &material, &[]).await?;
                let mut tags = vec![Tag {
                    key: "n".into(),
                    value: i.to_string(),
                }];
                store.put_tags(&key.region, &key.key_id, &tags).await?;
                tags[0].value.push('!');
                store.put_tags(&key.region, &key.key_id, &tags).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let listed = stores[1]
        .list_keys(&region(), &account(), None, 100)
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_extend_one_audit_chain() {
    // Two nodes on one data directory, each appending its own events: every event lands
    // once, in one chain without gaps, whoever wrote it.
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let stores = [
        Arc::new(SqliteStore::open(&path).await.unwrap()),
        Arc::new(SqliteStore::open(&path).await.unwrap()),
    ];
    let tasks: Vec<_> = (0..8)
        .map(|writer| {
            let store = Arc::clone(&stores[writer % 2]);
            tokio::spawn(async move {
                for batch in 0..10 {
                    let events: Vec<_> = (0..=batch % 3)
                        .map(|i| NewAuditRecord {
                            event_id: format!("w{writer}-b{batch}-e{i}"),
                            time: Timestamp::from_millis(1),
                            event_json: format!(r#"{{"writer":{writer},"batch":{batch},"i":{i}}}"#),
                        })
                        .collect();
                    store
                        .append_audit(events.into(), conformance::test_chain)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let all = stores[0].list_audit(0, 1000).await.unwrap();
    // Per writer: batches of 1, 2, 3, 1, 2, 3, 1, 2, 3, 1 events.
    assert_eq!(all.len(), 8 * 19);
    conformance::check_chain([0; 32], 1, &all);
    let mut ids: Vec<_> = all.iter().map(|r| r.event_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "no event twice");
}

#[tokio::test]
async fn debug_shows_the_path_only() {
    let (dir, store) = fresh().await;
    let shown = format!("{:?}", AnyStore::Sqlite(store));
    assert!(shown.contains("SqliteStore"), "{shown}");
    assert!(
        shown.contains(&db_path(&dir).display().to_string()),
        "{shown}"
    );
    assert!(!shown.contains("pool"), "{shown}");
}
