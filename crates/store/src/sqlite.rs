//! The embedded backend: one SQLite file in the data directory, serving one node.
//!
//! Durability comes first: the journal is WAL and `synchronous = FULL`, so a call that returned
//! `Ok` survives `kill -9` and power loss. All writes go through a pool of exactly one
//! connection, so writers queue in-process instead of fighting over SQLite's lock, and every
//! write transaction starts with `BEGIN IMMEDIATE`, so one that reads before it writes never
//! fails to upgrade its lock (another process on the same file waits on the busy timeout).
//! Reads use a separate pool of read-only connections, which WAL lets run beside the writer.
//!
//! The schema is this module's: `MIGRATIONS` (the SQL files beside it) is applied in order at open, inside one
//! transaction, and `schema_version` records how far a database has come.

mod audit;
mod grants;
mod identities;
mod imports;
mod rows;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use trent_types::{
    AccountId, AliasName, GrantId, KeyId, KeyState, MaterialId, PrincipalArn, Region, RotationType,
    Timestamp,
};

use self::rows::{
    alias_from_row, audit_from_row, change_from_row, column, db_error, hash_bytes, key_from_row,
    key_use_from_row, material_from_row,
};
use crate::{
    AccessKeyCreated, AccessKeyRecord, AccessKeyStatus, AliasRecord, AuditRecord, ChainHash,
    Change, GrantCreated, GrantLimits, GrantRecord, IdentityPolicyRecord, ImportedMaterialRecord,
    KeyRecord, KeyUseRecord, MaterialRecord, MaterialState, MultiRegionKeys, NewAuditRecord, Page,
    PrincipalRecord, Result, Store, StoreError, StoredIdentities, Tag,
};

/// How long a statement waits for another process's lock before giving up as `Unavailable`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a call waits for a pooled connection (writers queue here) before `Unavailable`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
/// Read-only connections; WAL lets them read while the writer writes.
const READERS: u32 = 4;

/// The schema, one entry per version; entry `i` takes a database from version `i` to `i + 1`.
/// Never edit an entry that has shipped: append a new one.
const MIGRATIONS: &[&str] = &[
    include_str!("sqlite/0001_initial.sql"),
    include_str!("sqlite/0002_rotation.sql"),
    include_str!("sqlite/0003_key_usage.sql"),
    include_str!("sqlite/0004_grants.sql"),
    include_str!("sqlite/0005_identities.sql"),
    include_str!("sqlite/0006_multi_region.sql"),
    include_str!("sqlite/0007_grant_tombstones.sql"),
    include_str!("sqlite/0008_import.sql"),
    include_str!("sqlite/0009_changes.sql"),
];

/// The setting that holds the audit trail's anchor: the seq (8 bytes, big-endian) and hash of
/// the last event pruned.
const AUDIT_ANCHOR: &str = "audit.anchor";

/// The Trent store in one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    writer: SqlitePool,
    reader: SqlitePool,
    /// The audit trail's own connection and thread.
    appender: audit::Appender,
    /// Reads, and writes (statements or transactions), run so far: for `/metrics` and for
    /// tests that prove the hot path reads nothing from the database.
    reads: AtomicU64,
    writes: AtomicU64,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file if it is missing (its directory must
    /// exist), and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(
                options
                    .clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full),
            )
            .await
            .map_err(db_error)?;
        migrate(&writer).await?;
        let appender = audit::Appender::open(path)?;
        // Opened after the writer: the file exists and is in WAL mode (a persistent setting).
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.read_only(true))
            .await
            .map_err(db_error)?;
        Ok(Self {
            path: path.to_owned(),
            writer,
            reader,
            appender,
            reads: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        })
    }

    /// Closes every connection, waiting for them to finish. Calls made afterwards fail
    /// with `Unavailable`.
    /// How many reads and writes this store has run since it was opened.
    pub fn counts(&self) -> crate::QueryCounts {
        crate::QueryCounts {
            reads: self.reads.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// The pool for reads, counted.
    fn reader(&self) -> &SqlitePool {
        self.reads.fetch_add(1, Ordering::Relaxed);
        &self.reader
    }

    /// The single writer connection's pool, counted.
    fn writer(&self) -> &SqlitePool {
        self.writes.fetch_add(1, Ordering::Relaxed);
        &self.writer
    }

    pub async fn close(&self) {
        self.appender.close().await;
        self.reader.close().await;
        self.writer.close().await;
    }

    /// A write transaction on the single writer connection.
    async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        self.writer()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
    }
}

/// Applies the migrations this database has not seen yet, all in one transaction.
async fn migrate(writer: &SqlitePool) -> Result<()> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(db_error)?;
    sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY) STRICT")
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
    let current: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if current > known {
        return Err(StoreError::Other(format!(
            "database schema version {current} is newer than this build knows ({known})"
        )));
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip_while(|(v, _)| *v <= current) {
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        sqlx::query("INSERT INTO schema_version (version) VALUES (?)")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)
}

// Column lists as macros so that `concat!` builds every statement at compile time.
macro_rules! key_columns {
    () => {
        "region, key_id, account, description, key_spec, key_usage, origin, state, \
         creation_date, deletion_date, pending_window_days, policy, multi_region, \
         current_material, rotation_period_days, next_rotation_date, version"
    };
}
macro_rules! material_columns {
    () => {
        "region, key_id, material_id, state, created, rotation_type, sealed"
    };
}
macro_rules! alias_columns {
    () => {
        "region, account, name, target_key_id, creation_date, last_updated_date"
    };
}
macro_rules! audit_columns {
    () => {
        "seq, event_id, time, event_json, hash"
    };
}

// After the column macros, which it uses.
mod multi_region;

impl Store for SqliteStore {
    async fn create_key(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        tags: &[Tag],
    ) -> Result<()> {
        if material.region != key.region || material.key_id != key.key_id {
            return Err(StoreError::Other(
                "material record names another key".into(),
            ));
        }
        let mut tx = self.write().await?;
        insert_key(&mut tx, key).await?;
        if key.multi_region {
            multi_region::insert_set(&mut tx, key).await?;
        }
        insert_material(&mut tx, material).await?;
        upsert_tags(&mut tx, &key.region, &key.key_id, tags).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn key(&self, region: &Region, key_id: &KeyId) -> Result<Option<KeyRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM keys WHERE region = ? AND key_id = ?"
        ))
        .bind(region.as_str())
        .bind(key_id.as_str())
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(key_from_row)
        .transpose()
    }

    async fn update_key(&self, key: &KeyRecord) -> Result<()> {
        let mut tx = self.write().await?;
        update_key_fields(&mut tx, key).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn delete_key(&self, region: &Region, key_id: &KeyId) -> Result<()> {
        let mut tx = self.write().await?;
        // Materials, aliases and tags go with it: ON DELETE CASCADE.
        let deleted = sqlx::query("DELETE FROM keys WHERE region = ? AND key_id = ?")
            .bind(region.as_str())
            .bind(key_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        multi_region::delete_set_if_empty(&mut tx, key_id).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn list_keys(
        &self,
        region: &Region,
        account: &AccountId,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<Page<KeyRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM keys WHERE region = ? AND account = ? AND key_id > ? \
             ORDER BY key_id LIMIT ?"
        ))
        .bind(region.as_str())
        .bind(account.as_str())
        .bind(after.map_or("", KeyId::as_str))
        .bind(fetch_limit(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        Ok(page(
            rows.iter().map(key_from_row).collect::<Result<_>>()?,
            limit,
        ))
    }

    async fn keys_due_for_deletion(&self, now: Timestamp) -> Result<Vec<(Region, KeyId)>> {
        let rows = sqlx::query(
            "SELECT region, key_id FROM keys WHERE state = ? AND deletion_date <= ? \
             ORDER BY deletion_date, region, key_id",
        )
        .bind(KeyState::PendingDeletion.as_str())
        .bind(now.millis())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        key_refs(&rows)
    }

    async fn keys_due_for_rotation(&self, now: Timestamp) -> Result<Vec<(Region, KeyId)>> {
        let rows = sqlx::query(
            "SELECT region, key_id FROM keys WHERE next_rotation_date <= ? AND state = ? \
             ORDER BY next_rotation_date, region, key_id",
        )
        .bind(now.millis())
        .bind(KeyState::Enabled.as_str())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        key_refs(&rows)
    }

    async fn materials(&self, region: &Region, key_id: &KeyId) -> Result<Vec<MaterialRecord>> {
        // Ties on `created` fall back to insertion order.
        let rows = sqlx::query(concat!(
            "SELECT ",
            material_columns!(),
            " FROM materials WHERE region = ? AND key_id = ? \
             ORDER BY created, rowid"
        ))
        .bind(region.as_str())
        .bind(key_id.as_str())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(material_from_row).collect()
    }

    async fn rotate_key(&self, key: &KeyRecord, material: &MaterialRecord) -> Result<()> {
        check_rotation(key, material)?;
        let mut tx = self.write().await?;
        rotate_in(&mut tx, key, material).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn multi_region_keys(&self, key_id: &KeyId) -> Result<Option<MultiRegionKeys>> {
        self.select_multi_region_keys(key_id).await
    }

    async fn create_replica_key(
        &self,
        primary: &KeyRecord,
        replica: &KeyRecord,
        materials: &[MaterialRecord],
        tags: &[Tag],
    ) -> Result<()> {
        self.insert_replica_key(primary, replica, materials, tags)
            .await
    }

    async fn rotate_keys(&self, rotations: &[(KeyRecord, MaterialRecord)]) -> Result<()> {
        for (key, material) in rotations {
            check_rotation(key, material)?;
        }
        let mut tx = self.write().await?;
        for (key, material) in rotations {
            rotate_in(&mut tx, key, material).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn create_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<()> {
        let mut tx = self.write().await?;
        insert_key(&mut tx, key).await?;
        if key.multi_region {
            multi_region::insert_set(&mut tx, key).await?;
        }
        upsert_tags(&mut tx, &key.region, &key.key_id, tags).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn imported_materials(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> Result<Vec<ImportedMaterialRecord>> {
        self.select_imported_materials(region, key_id).await
    }

    async fn import_material(
        &self,
        key: &KeyRecord,
        imported: &ImportedMaterialRecord,
        material: &MaterialRecord,
    ) -> Result<()> {
        self.store_imported_material(key, imported, material).await
    }

    async fn remove_imported_materials(
        &self,
        keys: &[KeyRecord],
        material_id: &MaterialId,
        forget: bool,
    ) -> Result<()> {
        self.delete_imported_materials(keys, material_id, forget)
            .await
    }

    async fn rotate_imported_materials(&self, keys: &[KeyRecord], now: Timestamp) -> Result<()> {
        self.rotate_to_imported_materials(keys, now).await
    }

    async fn imported_materials_expired(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(Region, KeyId, MaterialId)>> {
        self.select_expired_imports(now).await
    }

    async fn update_primary_region(
        &self,
        old_primary: &KeyRecord,
        new_primary: &KeyRecord,
    ) -> Result<()> {
        self.swap_primary(old_primary, new_primary).await
    }

    async fn keys_awaiting_replica_deletion(&self) -> Result<Vec<(Region, KeyId)>> {
        self.select_keys_awaiting_replica_deletion().await
    }

    async fn record_key_uses(&self, uses: &[KeyUseRecord]) -> Result<()> {
        if uses.is_empty() {
            return Ok(());
        }
        let mut tx = self.write().await?;
        for u in uses {
            // Only for a key that exists: a use may be reported after its key was deleted.
            sqlx::query(
                "INSERT INTO key_usage (region, key_id, time, operation, request_id, event_id) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 \
                 WHERE EXISTS (SELECT 1 FROM keys WHERE region = ?1 AND key_id = ?2) \
                 ON CONFLICT (region, key_id) DO UPDATE SET time = excluded.time, \
                 operation = excluded.operation, request_id = excluded.request_id, \
                 event_id = excluded.event_id WHERE excluded.time >= key_usage.time",
            )
            .bind(u.region.as_str())
            .bind(u.key_id.as_str())
            .bind(u.time.millis())
            .bind(u.operation.as_str())
            .bind(u.request_id.as_str())
            .bind(u.event_id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn key_use(&self, region: &Region, key_id: &KeyId) -> Result<Option<KeyUseRecord>> {
        sqlx::query(
            "SELECT region, key_id, time, operation, request_id, event_id FROM key_usage \
             WHERE region = ? AND key_id = ?",
        )
        .bind(region.as_str())
        .bind(key_id.as_str())
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(key_use_from_row)
        .transpose()
    }

    async fn create_alias(&self, alias: &AliasRecord) -> Result<()> {
        let mut tx = self.write().await?;
        if !key_exists(&mut tx, &alias.region, &alias.target_key_id).await? {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO aliases (region, account, name, target_key_id, creation_date, \
             last_updated_date) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(alias.region.as_str())
        .bind(alias.account.as_str())
        .bind(alias.name.as_str())
        .bind(alias.target_key_id.as_str())
        .bind(alias.creation_date.millis())
        .bind(alias.last_updated_date.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> Result<Option<AliasRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            alias_columns!(),
            " FROM aliases WHERE region = ? AND account = ? AND name = ?"
        ))
        .bind(region.as_str())
        .bind(account.as_str())
        .bind(name.as_str())
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(alias_from_row)
        .transpose()
    }

    async fn update_alias(&self, alias: &AliasRecord) -> Result<()> {
        let mut tx = self.write().await?;
        if !key_exists(&mut tx, &alias.region, &alias.target_key_id).await? {
            return Err(StoreError::NotFound);
        }
        let updated = sqlx::query(
            "UPDATE aliases SET target_key_id = ?, last_updated_date = ? \
             WHERE region = ? AND account = ? AND name = ?",
        )
        .bind(alias.target_key_id.as_str())
        .bind(alias.last_updated_date.millis())
        .bind(alias.region.as_str())
        .bind(alias.account.as_str())
        .bind(alias.name.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(db_error)
    }

    async fn delete_alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> Result<()> {
        let deleted =
            sqlx::query("DELETE FROM aliases WHERE region = ? AND account = ? AND name = ?")
                .bind(region.as_str())
                .bind(account.as_str())
                .bind(name.as_str())
                .execute(self.writer())
                .await
                .map_err(db_error)?
                .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn list_aliases(
        &self,
        region: &Region,
        account: &AccountId,
        key_id: Option<&KeyId>,
        after: Option<&AliasName>,
        limit: usize,
    ) -> Result<Page<AliasRecord>> {
        let after = after.map_or("", AliasName::as_str);
        let query = match key_id {
            None => sqlx::query(concat!(
                "SELECT ",
                alias_columns!(),
                " FROM aliases WHERE region = ? AND account = ? AND name > ? ORDER BY name LIMIT ?"
            ))
            .bind(region.as_str())
            .bind(account.as_str())
            .bind(after),
            Some(key_id) => sqlx::query(concat!(
                "SELECT ",
                alias_columns!(),
                " FROM aliases WHERE region = ? AND account = ? AND target_key_id = ? AND name > ? \
                 ORDER BY name LIMIT ?"
            ))
            .bind(region.as_str())
            .bind(account.as_str())
            .bind(key_id.as_str())
            .bind(after),
        };
        let rows = query
            .bind(fetch_limit(limit))
            .fetch_all(self.reader())
            .await
            .map_err(db_error)?;
        Ok(page(
            rows.iter().map(alias_from_row).collect::<Result<_>>()?,
            limit,
        ))
    }

    async fn tags(&self, region: &Region, key_id: &KeyId) -> Result<Vec<Tag>> {
        let rows = sqlx::query(
            "SELECT tag_key, tag_value FROM tags WHERE region = ? AND key_id = ? \
             ORDER BY tag_key",
        )
        .bind(region.as_str())
        .bind(key_id.as_str())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok(Tag {
                    key: row.try_get("tag_key").map_err(db_error)?,
                    value: row.try_get("tag_value").map_err(db_error)?,
                })
            })
            .collect()
    }

    async fn put_tags(&self, region: &Region, key_id: &KeyId, tags: &[Tag]) -> Result<()> {
        let mut tx = self.write().await?;
        if !key_exists(&mut tx, region, key_id).await? {
            return Err(StoreError::NotFound);
        }
        upsert_tags(&mut tx, region, key_id, tags).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn remove_tags(
        &self,
        region: &Region,
        key_id: &KeyId,
        tag_keys: &[String],
    ) -> Result<()> {
        let mut tx = self.write().await?;
        if !key_exists(&mut tx, region, key_id).await? {
            return Err(StoreError::NotFound);
        }
        for tag_key in tag_keys {
            sqlx::query("DELETE FROM tags WHERE region = ? AND key_id = ? AND tag_key = ?")
                .bind(region.as_str())
                .bind(key_id.as_str())
                .bind(tag_key.as_str())
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn setting(&self, name: &str) -> Result<Option<Vec<u8>>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
            .bind(name)
            .fetch_optional(self.reader())
            .await
            .map_err(db_error)
    }

    async fn init_setting(&self, name: &str, value: &[u8]) -> Result<Vec<u8>> {
        let mut tx = self.write().await?;
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let stored = sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(stored)
    }

    async fn append_audit(
        &self,
        events: Arc<[NewAuditRecord]>,
        chain: ChainHash,
    ) -> Result<Option<i64>> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.appender.append(events, chain).await
    }

    async fn audit_anchor(&self) -> Result<Option<(i64, [u8; 32])>> {
        let value: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
                .bind(AUDIT_ANCHOR)
                .fetch_optional(self.reader())
                .await
                .map_err(db_error)?;
        value.as_deref().map(parse_anchor).transpose()
    }

    async fn prune_audit(&self, before: Timestamp) -> Result<u64> {
        let mut tx = self.write().await?;
        let through: Option<i64> = sqlx::query_scalar(
            "SELECT COALESCE((SELECT MIN(seq) FROM audit WHERE time >= ?) - 1, \
             (SELECT MAX(seq) FROM audit))",
        )
        .bind(before.millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(through) = through else {
            return Ok(0);
        };
        let hash: Option<Vec<u8>> = sqlx::query_scalar("SELECT hash FROM audit WHERE seq = ?")
            .bind(through)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        let Some(hash) = hash else {
            // Nothing older than `before` is still stored.
            return Ok(0);
        };
        let mut anchor = through.to_be_bytes().to_vec();
        anchor.extend_from_slice(&hash_bytes(&hash)?);
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES (?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(AUDIT_ANCHOR)
        .bind(anchor)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        let deleted = sqlx::query("DELETE FROM audit WHERE seq <= ?")
            .bind(through)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        tx.commit().await.map_err(db_error)?;
        Ok(deleted)
    }

    async fn last_audit(&self) -> Result<Option<AuditRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit ORDER BY seq DESC LIMIT 1"
        ))
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(audit_from_row)
        .transpose()
    }

    async fn list_audit(&self, after: i64, limit: usize) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?"
        ))
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn create_grant(&self, grant: &GrantRecord, limits: GrantLimits) -> Result<GrantCreated> {
        self.insert_grant(grant, limits).await
    }

    async fn grant(&self, region: &Region, grant_id: &GrantId) -> Result<Option<GrantRecord>> {
        self.select_grant(region, grant_id).await
    }

    async fn list_grants(
        &self,
        region: &Region,
        key_id: &KeyId,
        grantee: Option<&PrincipalArn>,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        self.select_grants(region, key_id, grantee, after, limit)
            .await
    }

    async fn list_retirable_grants(
        &self,
        region: &Region,
        retiring: &PrincipalArn,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        self.select_retirable_grants(region, retiring, after, limit)
            .await
    }

    async fn delete_grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
        retired: Timestamp,
    ) -> Result<()> {
        self.remove_grant(region, grant_id, retired).await
    }

    async fn grant_retired(&self, region: &Region, grant_id: &GrantId) -> Result<bool> {
        self.select_grant_retired(region, grant_id).await
    }

    async fn create_principal(&self, principal: &PrincipalRecord) -> Result<()> {
        self.insert_principal(principal).await
    }

    async fn principal(&self, arn: &PrincipalArn) -> Result<Option<PrincipalRecord>> {
        self.select_principal(arn).await
    }

    async fn list_principals(&self, account: Option<&AccountId>) -> Result<Vec<PrincipalRecord>> {
        self.select_principals(account).await
    }

    async fn delete_principal(&self, arn: &PrincipalArn) -> Result<()> {
        self.remove_principal(arn).await
    }

    async fn create_access_key(
        &self,
        key: &AccessKeyRecord,
        max_per_principal: usize,
    ) -> Result<AccessKeyCreated> {
        self.insert_access_key(key, max_per_principal).await
    }

    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>> {
        self.select_access_key(access_key_id).await
    }

    async fn list_access_keys(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<AccessKeyRecord>> {
        self.select_access_keys(principal).await
    }

    async fn set_access_key_status(
        &self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<()> {
        self.update_access_key_status(access_key_id, status).await
    }

    async fn delete_access_key(&self, access_key_id: &str) -> Result<()> {
        self.remove_access_key(access_key_id).await
    }

    async fn put_identity_policy(&self, policy: &IdentityPolicyRecord) -> Result<bool> {
        self.upsert_identity_policy(policy).await
    }

    async fn delete_identity_policy(&self, principal: &PrincipalArn, name: &str) -> Result<()> {
        self.remove_identity_policy(principal, name).await
    }

    async fn identity_policies(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<IdentityPolicyRecord>> {
        self.select_identity_policies(principal).await
    }

    async fn identity_generation(&self) -> Result<i64> {
        self.select_identity_generation().await
    }

    async fn identities(&self) -> Result<StoredIdentities> {
        self.select_identities().await
    }

    async fn changes_since(&self, after: i64, limit: usize) -> Result<Vec<Change>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        sqlx::query(
            "SELECT seq, region, key_id, account, alias FROM changes WHERE seq > ? \
             ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?
        .iter()
        .map(change_from_row)
        .collect()
    }

    async fn last_change(&self) -> Result<i64> {
        // The AUTOINCREMENT counter, which pruning leaves alone.
        sqlx::query_scalar(
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)",
        )
        .fetch_one(self.reader())
        .await
        .map_err(db_error)
    }

    async fn prune_changes(&self, keep: u64) -> Result<u64> {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        let mut tx = self.write().await?;
        let done =
            sqlx::query("DELETE FROM changes WHERE seq <= (SELECT MAX(seq) FROM changes) - ?")
                .bind(keep)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?
                .rows_affected();
        tx.commit().await.map_err(db_error)?;
        Ok(done)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(self.reader())
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

// ---- helpers ------------------------------------------------------------------------------

/// The stored form of the audit anchor: the seq, 8 bytes big-endian, then the hash.
fn parse_anchor(value: &[u8]) -> Result<(i64, [u8; 32])> {
    let (seq, hash) = value
        .split_first_chunk::<8>()
        .ok_or_else(|| StoreError::Other("corrupt audit anchor".into()))?;
    Ok((i64::from_be_bytes(*seq), hash_bytes(hash)?))
}

async fn key_exists(
    tx: &mut Transaction<'static, Sqlite>,
    region: &Region,
    key_id: &KeyId,
) -> Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM keys WHERE region = ? AND key_id = ?")
            .bind(region.as_str())
            .bind(key_id.as_str())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db_error)?;
    Ok(found.is_some())
}

/// Replaces a key's mutable fields if its stored version is `key.version`, and bumps it.
/// `NotFound` if the key is gone, `Conflict` if the version moved.
async fn update_key_fields(tx: &mut Transaction<'static, Sqlite>, key: &KeyRecord) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE keys SET description = ?, state = ?, deletion_date = ?, \
         pending_window_days = ?, policy = ?, current_material = ?, rotation_period_days = ?, \
         next_rotation_date = ?, version = version + 1 \
         WHERE region = ? AND key_id = ? AND version = ?",
    )
    .bind(key.description.as_str())
    .bind(key.state.as_str())
    .bind(key.deletion_date.map(Timestamp::millis))
    .bind(key.pending_window_days)
    .bind(key.policy.as_str())
    .bind(key.current_material.map(|m| m.to_hex()))
    .bind(key.rotation.map(|r| r.period_days))
    .bind(key.rotation.map(|r| r.next.millis()))
    .bind(key.region.as_str())
    .bind(key.key_id.as_str())
    .bind(key.version)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?
    .rows_affected();
    if updated == 0 {
        return Err(if key_exists(tx, &key.region, &key.key_id).await? {
            StoreError::Conflict
        } else {
            StoreError::NotFound
        });
    }
    Ok(())
}

/// Inserts a new key's row. `Conflict` if its id is taken in the region.
async fn insert_key(tx: &mut Transaction<'static, Sqlite>, key: &KeyRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO keys (region, key_id, account, description, key_spec, key_usage, \
         origin, state, creation_date, deletion_date, pending_window_days, policy, \
         multi_region, current_material, rotation_period_days, next_rotation_date, \
         version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(key.region.as_str())
    .bind(key.key_id.as_str())
    .bind(key.account.as_str())
    .bind(key.description.as_str())
    .bind(key.key_spec.as_str())
    .bind(key.key_usage.as_str())
    .bind(key.origin.as_str())
    .bind(key.state.as_str())
    .bind(key.creation_date.millis())
    .bind(key.deletion_date.map(Timestamp::millis))
    .bind(key.pending_window_days)
    .bind(key.policy.as_str())
    .bind(key.multi_region)
    .bind(key.current_material.map(|m| m.to_hex()))
    .bind(key.rotation.map(|r| r.period_days))
    .bind(key.rotation.map(|r| r.next.millis()))
    .bind(key.version)
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

async fn insert_material(
    tx: &mut Transaction<'static, Sqlite>,
    material: &MaterialRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO materials (region, key_id, material_id, state, created, rotation_type, \
         sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(material.region.as_str())
    .bind(material.key_id.as_str())
    .bind(material.material_id.to_hex())
    .bind(material.state.as_str())
    .bind(material.created.millis())
    .bind(material.rotation_type.map(RotationType::as_str))
    .bind(material.sealed.as_slice())
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// Inserts tags, overwriting the value of any tag key already on the key.
async fn upsert_tags(
    tx: &mut Transaction<'static, Sqlite>,
    region: &Region,
    key_id: &KeyId,
    tags: &[Tag],
) -> Result<()> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO tags (region, key_id, tag_key, tag_value) VALUES (?, ?, ?, ?) \
             ON CONFLICT (region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value",
        )
        .bind(region.as_str())
        .bind(key_id.as_str())
        .bind(tag.key.as_str())
        .bind(tag.value.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    }
    Ok(())
}

/// `(region, key_id)` of each row.
fn key_refs(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<(Region, KeyId)>> {
    rows.iter()
        .map(|row| {
            Ok((
                column(row, "region", Region::parse)?,
                column(row, "key_id", KeyId::parse)?,
            ))
        })
        .collect()
}

/// Refuses a rotation whose material is not the key's new current one.
fn check_rotation(key: &KeyRecord, material: &MaterialRecord) -> Result<()> {
    if material.region != key.region || material.key_id != key.key_id {
        return Err(StoreError::Other(
            "material record names another key".into(),
        ));
    }
    if material.state != MaterialState::Current
        || key.current_material != Some(material.material_id)
    {
        return Err(StoreError::Other(
            "a rotation's material must be the key's current material".into(),
        ));
    }
    Ok(())
}

/// One rotation inside a transaction: the key's fields (version-checked), its materials
/// NON_CURRENT, the new one added.
async fn rotate_in(
    tx: &mut Transaction<'static, Sqlite>,
    key: &KeyRecord,
    material: &MaterialRecord,
) -> Result<()> {
    update_key_fields(tx, key).await?;
    sqlx::query("UPDATE materials SET state = ? WHERE region = ? AND key_id = ?")
        .bind(MaterialState::NonCurrent.as_str())
        .bind(key.region.as_str())
        .bind(key.key_id.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    insert_material(tx, material).await
}

/// One more row than the page holds, to learn whether anything follows it.
fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX)
}

fn page<T>(mut items: Vec<T>, limit: usize) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    Page { items, more }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_audit_appender_appends_in_order_and_stops_with_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        let event = |id: &str| NewAuditRecord {
            event_id: id.into(),
            time: Timestamp::from_millis(1),
            event_json: format!("{{\"eventID\":\"{id}\"}}"),
        };
        let chain: ChainHash = |prev, json| {
            let mut next = *prev;
            next[0] = next[0].wrapping_add(u8::try_from(json.len()).unwrap());
            next
        };
        assert_eq!(
            store.append_audit(Arc::from([]), chain).await.unwrap(),
            None
        );
        let batch = [event("a"), event("b")];
        assert_eq!(
            store.append_audit(batch.into(), chain).await.unwrap(),
            Some(2)
        );
        assert_eq!(
            store
                .append_audit(Arc::from([event("c")]), chain)
                .await
                .unwrap(),
            Some(3)
        );
        let last = store.last_audit().await.unwrap().unwrap();
        assert_eq!((last.seq, last.event_id.as_str()), (3, "c"));
        assert_eq!(last.hash[0], 3 * 15, "each event chained on the one before");
        store.close().await;
        assert!(matches!(
            store.append_audit(Arc::from([event("d")]), chain).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn connections_are_durable_serialized_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
        assert_eq!(store.writer.options().get_max_connections(), 1);
        for pool in [&store.writer, &store.reader] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let number = |name: &'static str| async move {
                sqlx::query_scalar::<_, i64>(name)
                    .fetch_one(pool)
                    .await
                    .unwrap()
            };
            assert_eq!(number("PRAGMA foreign_keys").await, 1);
            assert_eq!(number("PRAGMA busy_timeout").await, 5000);
        }
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.writer)
            .await
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
        let write = sqlx::query("INSERT INTO settings (name, value) VALUES ('x', x'00')")
            .execute(&store.reader)
            .await;
        assert!(write.is_err(), "readers are read-only");
    }
}
