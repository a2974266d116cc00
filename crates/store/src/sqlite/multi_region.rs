//! Multi-Region keys in SQLite: the `multi_region_keys` table of migration 0007, beside the
//! `keys` rows that share a key id.

use sqlx::{Sqlite, Transaction};
use trent_types::{AccountId, KeyId, KeyState, Region};

use super::rows::{column, db_error, key_from_row};
use super::{SqliteStore, insert_key, insert_material, key_refs, update_key_fields, upsert_tags};
use crate::{KeyRecord, MaterialRecord, MultiRegionKeys, Result, StoreError, Tag};

/// Records a new multi-Region key's region as its set's primary. `Conflict` if the key id
/// names a set already.
pub(super) async fn insert_set(
    tx: &mut Transaction<'static, Sqlite>,
    key: &KeyRecord,
) -> Result<()> {
    sqlx::query("INSERT INTO multi_region_keys (key_id, account, primary_region) VALUES (?, ?, ?)")
        .bind(key.key_id.as_str())
        .bind(key.account.as_str())
        .bind(key.region.as_str())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Forgets a set once its last key is gone.
pub(super) async fn delete_set_if_empty(
    tx: &mut Transaction<'static, Sqlite>,
    key_id: &KeyId,
) -> Result<()> {
    sqlx::query(
        "DELETE FROM multi_region_keys WHERE key_id = ?1 \
         AND NOT EXISTS (SELECT 1 FROM keys WHERE key_id = ?1)",
    )
    .bind(key_id.as_str())
    .execute(&mut **tx)
    .await
    .map_err(db_error)?;
    Ok(())
}

/// The primary region of a set, read inside a transaction.
async fn primary_region(
    tx: &mut Transaction<'static, Sqlite>,
    key_id: &KeyId,
) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT primary_region FROM multi_region_keys WHERE key_id = ?")
        .bind(key_id.as_str())
        .fetch_optional(&mut **tx)
        .await
        .map_err(db_error)
}

impl SqliteStore {
    pub(super) async fn select_multi_region_keys(
        &self,
        key_id: &KeyId,
    ) -> Result<Option<MultiRegionKeys>> {
        // One read transaction, so the set and its keys agree.
        let mut tx = self.reader().begin().await.map_err(db_error)?;
        let Some(row) =
            sqlx::query("SELECT account, primary_region FROM multi_region_keys WHERE key_id = ?")
                .bind(key_id.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?
        else {
            return Ok(None);
        };
        let account = column(&row, "account", AccountId::parse)?;
        let primary_region = column(&row, "primary_region", Region::parse)?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            key_columns!(),
            " FROM keys WHERE key_id = ? ORDER BY region"
        ))
        .bind(key_id.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let keys = rows.iter().map(key_from_row).collect::<Result<_>>()?;
        tx.commit().await.map_err(db_error)?;
        Ok(Some(MultiRegionKeys {
            key_id: key_id.clone(),
            account,
            primary_region,
            keys,
        }))
    }

    pub(super) async fn insert_replica_key(
        &self,
        primary: &KeyRecord,
        replica: &KeyRecord,
        materials: &[MaterialRecord],
        tags: &[Tag],
    ) -> Result<()> {
        if replica.key_id != primary.key_id
            || replica.account != primary.account
            || !replica.multi_region
            || materials
                .iter()
                .any(|m| m.region != replica.region || m.key_id != replica.key_id)
        {
            return Err(StoreError::Other(
                "a replica must share its primary's key id and own its materials".into(),
            ));
        }
        let mut tx = self.write().await?;
        // Version-checked, and moved on: a change of the primary that read it before (a
        // rotation, which must reach this replica too) is refused and retried.
        update_key_fields(&mut tx, primary).await?;
        if primary_region(&mut tx, &primary.key_id).await?.as_deref()
            != Some(primary.region.as_str())
        {
            return Err(StoreError::Conflict);
        }
        insert_key(&mut tx, replica).await?;
        for material in materials {
            insert_material(&mut tx, material).await?;
        }
        upsert_tags(&mut tx, &replica.region, &replica.key_id, tags).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn swap_primary(
        &self,
        old_primary: &KeyRecord,
        new_primary: &KeyRecord,
    ) -> Result<()> {
        if old_primary.key_id != new_primary.key_id || old_primary.region == new_primary.region {
            return Err(StoreError::Conflict);
        }
        let mut tx = self.write().await?;
        update_key_fields(&mut tx, old_primary).await?;
        update_key_fields(&mut tx, new_primary).await?;
        let moved = sqlx::query(
            "UPDATE multi_region_keys SET primary_region = ? \
             WHERE key_id = ? AND primary_region = ?",
        )
        .bind(new_primary.region.as_str())
        .bind(old_primary.key_id.as_str())
        .bind(old_primary.region.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?
        .rows_affected();
        if moved == 0 {
            return Err(StoreError::Conflict);
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn select_keys_awaiting_replica_deletion(
        &self,
    ) -> Result<Vec<(Region, KeyId)>> {
        let rows = sqlx::query(
            "SELECT region, key_id FROM keys AS k WHERE state = ? AND NOT EXISTS \
             (SELECT 1 FROM keys AS r WHERE r.key_id = k.key_id AND r.region <> k.region) \
             ORDER BY region, key_id",
        )
        .bind(KeyState::PendingReplicaDeletion.as_str())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        key_refs(&rows)
    }
}
