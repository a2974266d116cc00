//! Imported key material in SQLite: the `imported_materials` table of migration 0008, kept in
//! step with `materials` (which holds the sealed bytes while a material is imported).

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use trent_types::{ImportState, KeyId, KeyMaterialState, MaterialId, Region, Timestamp};

use super::rows::{column, db_error};
use super::{SqliteStore, insert_material, update_key_fields};
use crate::{ImportedMaterialRecord, KeyRecord, MaterialRecord, Result, StoreError};

macro_rules! imported_columns {
    () => {
        "region, key_id, material_id, state, import_state, valid_to, description, associated, \
         rotation_date"
    };
}

impl SqliteStore {
    pub(super) async fn select_imported_materials(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> Result<Vec<ImportedMaterialRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            imported_columns!(),
            " FROM imported_materials WHERE region = ? AND key_id = ? ORDER BY associated, rowid"
        ))
        .bind(region.as_str())
        .bind(key_id.as_str())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(imported_from_row).collect()
    }

    pub(super) async fn store_imported_material(
        &self,
        key: &KeyRecord,
        imported: &ImportedMaterialRecord,
        material: &MaterialRecord,
    ) -> Result<()> {
        let same_key =
            |region: &Region, key_id: &KeyId| *region == key.region && *key_id == key.key_id;
        if !same_key(&imported.region, &imported.key_id)
            || !same_key(&material.region, &material.key_id)
            || imported.material_id != material.material_id
        {
            return Err(StoreError::Other(
                "imported material records name another key or material".into(),
            ));
        }
        let mut tx = self.write().await?;
        update_key_fields(&mut tx, key).await?;
        sqlx::query(concat!(
            "INSERT INTO imported_materials (",
            imported_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (region, key_id, material_id) DO UPDATE SET state = excluded.state, \
             import_state = excluded.import_state, valid_to = excluded.valid_to, \
             description = excluded.description, rotation_date = excluded.rotation_date"
        ))
        .bind(imported.region.as_str())
        .bind(imported.key_id.as_str())
        .bind(imported.material_id.to_hex())
        .bind(imported.state.as_str())
        .bind(imported.import_state.as_str())
        .bind(imported.valid_to.map(Timestamp::millis))
        .bind(imported.description.as_deref())
        .bind(imported.associated.millis())
        .bind(imported.rotation_date.map(Timestamp::millis))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        delete_sealed(&mut tx, &key.region, &key.key_id, &material.material_id).await?;
        insert_material(&mut tx, material).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn delete_imported_materials(
        &self,
        keys: &[KeyRecord],
        material_id: &MaterialId,
        forget: bool,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let mut removed = 0;
        for key in keys {
            removed += delete_imported_in(&mut tx, key, material_id, forget).await?;
        }
        if removed == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn rotate_to_imported_materials(
        &self,
        keys: &[KeyRecord],
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for key in keys {
            rotate_imported_in(&mut tx, key, now).await?;
        }
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn select_expired_imports(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(Region, KeyId, MaterialId)>> {
        let rows = sqlx::query(
            "SELECT region, key_id, material_id FROM imported_materials \
             WHERE valid_to <= ? AND import_state = 'IMPORTED' \
             ORDER BY valid_to, region, key_id, material_id",
        )
        .bind(now.millis())
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok((
                    column(row, "region", Region::parse)?,
                    column(row, "key_id", KeyId::parse)?,
                    column(row, "material_id", MaterialId::from_hex)?,
                ))
            })
            .collect()
    }
}

/// One key's part of [`SqliteStore::delete_imported_materials`], inside its transaction:
/// whether the key held the material.
async fn delete_imported_in(
    tx: &mut Transaction<'static, Sqlite>,
    key: &KeyRecord,
    material_id: &MaterialId,
    forget: bool,
) -> Result<u64> {
    update_key_fields(tx, key).await?;
    let statement = if forget {
        "DELETE FROM imported_materials WHERE region = ? AND key_id = ? AND material_id = ?"
    } else {
        "UPDATE imported_materials SET import_state = 'PENDING_IMPORT', valid_to = NULL \
         WHERE region = ? AND key_id = ? AND material_id = ?"
    };
    let changed = sqlx::query(statement)
        .bind(key.region.as_str())
        .bind(key.key_id.as_str())
        .bind(material_id.to_hex())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?
        .rows_affected();
    delete_sealed(tx, &key.region, &key.key_id, material_id).await?;
    Ok(changed)
}

/// One key's part of [`SqliteStore::rotate_to_imported_materials`], inside its transaction.
async fn rotate_imported_in(
    tx: &mut Transaction<'static, Sqlite>,
    key: &KeyRecord,
    now: Timestamp,
) -> Result<()> {
    // The version check first: a key changed since it was read is a conflict, whatever
    // material it holds now.
    update_key_fields(tx, key).await?;
    let pending: Option<String> = sqlx::query_scalar(
        "SELECT material_id FROM imported_materials \
         WHERE region = ? AND key_id = ? AND state = 'PENDING_ROTATION'",
    )
    .bind(key.region.as_str())
    .bind(key.key_id.as_str())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_error)?;
    let Some(pending) = pending else {
        return Err(StoreError::NotFound);
    };
    if key.current_material.map(|m| m.to_hex()).as_deref() != Some(pending.as_str()) {
        return Err(StoreError::Other(
            "a rotation's key must name the pending material as current".into(),
        ));
    }
    let region = key.region.as_str();
    let key_id = key.key_id.as_str();
    let steps: [(&str, Option<i64>); 4] = [
        (
            "UPDATE imported_materials SET state = 'NON_CURRENT' \
             WHERE region = ?1 AND key_id = ?2 AND state = 'CURRENT'",
            None,
        ),
        (
            "UPDATE imported_materials SET state = 'CURRENT', rotation_date = ?4 \
             WHERE region = ?1 AND key_id = ?2 AND material_id = ?3",
            Some(now.millis()),
        ),
        (
            "UPDATE materials SET state = 'NON_CURRENT' WHERE region = ?1 AND key_id = ?2",
            None,
        ),
        (
            "UPDATE materials SET state = 'CURRENT', rotation_type = 'ON_DEMAND', \
             created = ?4 WHERE region = ?1 AND key_id = ?2 AND material_id = ?3",
            Some(now.millis()),
        ),
    ];
    for (sql, time) in steps {
        sqlx::query(sql)
            .bind(region)
            .bind(key_id)
            .bind(pending.as_str())
            .bind(time)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

async fn delete_sealed(
    tx: &mut Transaction<'static, Sqlite>,
    region: &Region,
    key_id: &KeyId,
    material_id: &MaterialId,
) -> Result<()> {
    sqlx::query("DELETE FROM materials WHERE region = ? AND key_id = ? AND material_id = ?")
        .bind(region.as_str())
        .bind(key_id.as_str())
        .bind(material_id.to_hex())
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

fn imported_from_row(row: &SqliteRow) -> Result<ImportedMaterialRecord> {
    let millis = |name: &str| -> Result<Option<Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(name)
            .map_err(db_error)?
            .map(Timestamp::from_millis))
    };
    Ok(ImportedMaterialRecord {
        region: column(row, "region", Region::parse)?,
        key_id: column(row, "key_id", KeyId::parse)?,
        material_id: column(row, "material_id", MaterialId::from_hex)?,
        state: column(row, "state", KeyMaterialState::parse)?,
        import_state: column(row, "import_state", ImportState::parse)?,
        valid_to: millis("valid_to")?,
        description: row.try_get("description").map_err(db_error)?,
        associated: millis("associated")?
            .ok_or_else(|| StoreError::Other("corrupt imported_materials.associated".into()))?,
        rotation_date: millis("rotation_date")?,
    })
}
