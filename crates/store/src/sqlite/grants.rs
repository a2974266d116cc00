//! Grants in SQLite: the `grants` table of migration 0004.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use trent_types::{AccountId, GrantId, GrantOperation, KeyId, PrincipalArn, Region, Timestamp};

use super::rows::{column, db_error};
use super::{SqliteStore, fetch_limit, key_exists, page};
use crate::{GrantConstraints, GrantCreated, GrantLimits, GrantRecord, Page, Result, StoreError};

macro_rules! grant_columns {
    () => {
        "grant_id, region, key_id, name, grantee, retiring, operations, constraints, \
         issuing_account, creation_date, token_hash"
    };
}

impl SqliteStore {
    pub(super) async fn insert_grant(
        &self,
        grant: &GrantRecord,
        limits: GrantLimits,
    ) -> Result<GrantCreated> {
        let mut tx = self.write().await?;
        if !key_exists(&mut tx, &grant.region, &grant.key_id).await? {
            return Err(StoreError::NotFound);
        }
        if let Some(name) = &grant.name {
            let rows = sqlx::query(concat!(
                "SELECT ",
                grant_columns!(),
                " FROM grants WHERE region = ? AND key_id = ? AND name = ? ORDER BY grant_id"
            ))
            .bind(grant.region.as_str())
            .bind(grant.key_id.as_str())
            .bind(name.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
            for row in &rows {
                let existing = grant_from_row(row)?;
                if existing.same_terms(grant) {
                    return Ok(GrantCreated::Existing(Box::new(existing)));
                }
            }
        }
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE region = ? AND key_id = ?")
                .bind(grant.region.as_str())
                .bind(grant.key_id.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= limits.per_key {
            return Ok(GrantCreated::LimitReached);
        }
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM grants WHERE region = ? AND key_id = ? AND grantee = ?",
        )
        .bind(grant.region.as_str())
        .bind(grant.key_id.as_str())
        .bind(grant.grantee.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_error)?;
        if usize::try_from(count).unwrap_or(usize::MAX) >= limits.per_grantee {
            return Ok(GrantCreated::GranteeLimitReached);
        }
        let constraints = serde_json::to_string(&grant.constraints)
            .map_err(|e| StoreError::Other(format!("cannot encode grant constraints: {e}")))?;
        sqlx::query(concat!(
            "INSERT INTO grants (",
            grant_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(grant.grant_id.to_hex())
        .bind(grant.region.as_str())
        .bind(grant.key_id.as_str())
        .bind(grant.name.as_deref())
        .bind(grant.grantee.as_str())
        .bind(grant.retiring.as_ref().map(PrincipalArn::as_str))
        .bind(operations_text(&grant.operations))
        .bind(constraints)
        .bind(grant.issuing_account.as_str())
        .bind(grant.creation_date.millis())
        .bind(grant.token_hash.as_slice())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(GrantCreated::New)
    }

    pub(super) async fn select_grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
    ) -> Result<Option<GrantRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM grants WHERE region = ? AND grant_id = ?"
        ))
        .bind(region.as_str())
        .bind(grant_id.to_hex())
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(grant_from_row)
        .transpose()
    }

    pub(super) async fn select_grants(
        &self,
        region: &Region,
        key_id: &KeyId,
        grantee: Option<&PrincipalArn>,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        let after = after.map(GrantId::to_hex).unwrap_or_default();
        let query = match grantee {
            None => sqlx::query(concat!(
                "SELECT ",
                grant_columns!(),
                " FROM grants WHERE region = ? AND key_id = ? AND grant_id > ? \
                 ORDER BY grant_id LIMIT ?"
            ))
            .bind(region.as_str())
            .bind(key_id.as_str())
            .bind(after),
            Some(grantee) => sqlx::query(concat!(
                "SELECT ",
                grant_columns!(),
                " FROM grants WHERE region = ? AND key_id = ? AND grantee = ? AND grant_id > ? \
                 ORDER BY grant_id LIMIT ?"
            ))
            .bind(region.as_str())
            .bind(key_id.as_str())
            .bind(grantee.as_str())
            .bind(after),
        };
        let rows = query
            .bind(fetch_limit(limit))
            .fetch_all(self.reader())
            .await
            .map_err(db_error)?;
        Ok(page(
            rows.iter().map(grant_from_row).collect::<Result<_>>()?,
            limit,
        ))
    }

    pub(super) async fn select_retirable_grants(
        &self,
        region: &Region,
        retiring: &PrincipalArn,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            grant_columns!(),
            " FROM grants WHERE region = ? AND retiring = ? AND grant_id > ? \
             ORDER BY grant_id LIMIT ?"
        ))
        .bind(region.as_str())
        .bind(retiring.as_str())
        .bind(after.map(GrantId::to_hex).unwrap_or_default())
        .bind(fetch_limit(limit))
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        Ok(page(
            rows.iter().map(grant_from_row).collect::<Result<_>>()?,
            limit,
        ))
    }

    pub(super) async fn remove_grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
        retired: Timestamp,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM grants WHERE region = ? AND grant_id = ?")
            .bind(region.as_str())
            .bind(grant_id.to_hex())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT OR IGNORE INTO retired_grants (grant_id, region, retired_date) VALUES (?, ?, ?)",
        )
        .bind(grant_id.to_hex())
        .bind(region.as_str())
        .bind(retired.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn select_grant_retired(
        &self,
        region: &Region,
        grant_id: &GrantId,
    ) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM retired_grants WHERE region = ? AND grant_id = ?")
                .bind(region.as_str())
                .bind(grant_id.to_hex())
                .fetch_optional(self.reader())
                .await
                .map_err(db_error)?;
        Ok(found.is_some())
    }
}

fn operations_text(operations: &[GrantOperation]) -> String {
    operations
        .iter()
        .map(|op| op.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn grant_from_row(row: &SqliteRow) -> Result<GrantRecord> {
    let name: Option<String> = row.try_get("name").map_err(db_error)?;
    let retiring: Option<String> = row.try_get("retiring").map_err(db_error)?;
    let operations: String = row.try_get("operations").map_err(db_error)?;
    let constraints: String = row.try_get("constraints").map_err(db_error)?;
    let token_hash: Vec<u8> = row.try_get("token_hash").map_err(db_error)?;
    Ok(GrantRecord {
        region: column(row, "region", Region::parse)?,
        key_id: column(row, "key_id", KeyId::parse)?,
        grant_id: column(row, "grant_id", GrantId::from_hex)?,
        name,
        grantee: column(row, "grantee", PrincipalArn::parse)?,
        retiring: retiring
            .map(|r| PrincipalArn::parse(&r).ok_or_else(|| corrupt("retiring")))
            .transpose()?,
        operations: operations
            .split(',')
            .filter(|op| !op.is_empty())
            .map(|op| GrantOperation::parse(op).ok_or_else(|| corrupt("operations")))
            .collect::<Result<_>>()?,
        constraints: serde_json::from_str::<GrantConstraints>(&constraints)
            .map_err(|_| corrupt("constraints"))?,
        issuing_account: column(row, "issuing_account", AccountId::parse)?,
        creation_date: row
            .try_get("creation_date")
            .map(Timestamp::from_millis)
            .map_err(db_error)?,
        token_hash: <[u8; 32]>::try_from(token_hash.as_slice())
            .map_err(|_| corrupt("token_hash"))?,
    })
}

/// Names the column, never its value.
fn corrupt(column: &str) -> StoreError {
    StoreError::Other(format!("corrupt row: bad value in column {column}"))
}
