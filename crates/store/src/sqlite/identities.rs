//! Identities in SQLite: the tables of migration 0005. Every change bumps the one-row
//! `identity_generation` inside its own transaction.

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use trent_types::{AccountId, PrincipalArn, Timestamp};

use super::SqliteStore;
use super::rows::{column, db_error};
use crate::{
    AccessKeyCreated, AccessKeyRecord, AccessKeyStatus, IdentityPolicyRecord, PrincipalKind,
    PrincipalRecord, Result, StoreError, StoredIdentities,
};

macro_rules! principal_columns {
    () => {
        "arn, account, kind, name, path, tags, created"
    };
}
macro_rules! access_key_columns {
    () => {
        "access_key_id, principal, sealed_secret, status, created"
    };
}
macro_rules! policy_columns {
    () => {
        "principal, name, document"
    };
}

impl SqliteStore {
    pub(super) async fn insert_principal(&self, p: &PrincipalRecord) -> Result<()> {
        let tags = serde_json::to_string(&p.tags)
            .map_err(|e| StoreError::Other(format!("cannot encode principal tags: {e}")))?;
        let mut tx = self.write().await?;
        // A taken ARN or name is a unique violation, which `db_error` maps to `Conflict`.
        sqlx::query(concat!(
            "INSERT INTO principals (",
            principal_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(p.arn.as_str())
        .bind(p.account().as_str())
        .bind(p.kind.as_str())
        .bind(p.name.as_str())
        .bind(p.path.as_str())
        .bind(tags)
        .bind(p.created.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn select_principal(
        &self,
        arn: &PrincipalArn,
    ) -> Result<Option<PrincipalRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            principal_columns!(),
            " FROM principals WHERE arn = ?"
        ))
        .bind(arn.as_str())
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(principal_from_row)
        .transpose()
    }

    pub(super) async fn select_principals(
        &self,
        account: Option<&AccountId>,
    ) -> Result<Vec<PrincipalRecord>> {
        let rows = match account {
            None => sqlx::query(concat!(
                "SELECT ",
                principal_columns!(),
                " FROM principals ORDER BY arn"
            )),
            Some(account) => sqlx::query(concat!(
                "SELECT ",
                principal_columns!(),
                " FROM principals WHERE account = ? ORDER BY arn"
            ))
            .bind(account.as_str()),
        }
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(principal_from_row).collect()
    }

    pub(super) async fn remove_principal(&self, arn: &PrincipalArn) -> Result<()> {
        let mut tx = self.write().await?;
        let dependents: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE principal = ?1) \
             + (SELECT COUNT(*) FROM identity_policies WHERE principal = ?1) \
             FROM principals WHERE arn = ?1",
        )
        .bind(arn.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        match dependents {
            None => return Err(StoreError::NotFound),
            Some(n) if n > 0 => return Err(StoreError::Conflict),
            Some(_) => {}
        }
        sqlx::query("DELETE FROM principals WHERE arn = ?")
            .bind(arn.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn insert_access_key(
        &self,
        key: &AccessKeyRecord,
        max_per_principal: usize,
    ) -> Result<AccessKeyCreated> {
        let mut tx = self.write().await?;
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM access_keys WHERE principal = ?1) \
             FROM principals WHERE arn = ?1",
        )
        .bind(key.principal.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_error)?;
        let Some(held) = held else {
            return Err(StoreError::NotFound);
        };
        if usize::try_from(held).unwrap_or(usize::MAX) >= max_per_principal {
            return Ok(AccessKeyCreated::LimitReached);
        }
        sqlx::query(concat!(
            "INSERT INTO access_keys (",
            access_key_columns!(),
            ") VALUES (?, ?, ?, ?, ?)"
        ))
        .bind(key.access_key_id.as_str())
        .bind(key.principal.as_str())
        .bind(key.sealed_secret.as_slice())
        .bind(key.status.as_str())
        .bind(key.created.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(AccessKeyCreated::New)
    }

    pub(super) async fn select_access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<AccessKeyRecord>> {
        sqlx::query(concat!(
            "SELECT ",
            access_key_columns!(),
            " FROM access_keys WHERE access_key_id = ?"
        ))
        .bind(access_key_id)
        .fetch_optional(self.reader())
        .await
        .map_err(db_error)?
        .as_ref()
        .map(access_key_from_row)
        .transpose()
    }

    pub(super) async fn select_access_keys(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<AccessKeyRecord>> {
        let rows = match principal {
            None => sqlx::query(concat!(
                "SELECT ",
                access_key_columns!(),
                " FROM access_keys ORDER BY access_key_id"
            )),
            Some(principal) => sqlx::query(concat!(
                "SELECT ",
                access_key_columns!(),
                " FROM access_keys WHERE principal = ? ORDER BY access_key_id"
            ))
            .bind(principal.as_str()),
        }
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(access_key_from_row).collect()
    }

    pub(super) async fn update_access_key_status(
        &self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let updated = sqlx::query("UPDATE access_keys SET status = ? WHERE access_key_id = ?")
            .bind(status.as_str())
            .bind(access_key_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn remove_access_key(&self, access_key_id: &str) -> Result<()> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM access_keys WHERE access_key_id = ?")
            .bind(access_key_id)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn upsert_identity_policy(&self, p: &IdentityPolicyRecord) -> Result<bool> {
        let mut tx = self.write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM principals WHERE arn = ?")
            .bind(p.principal.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        let replaced: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM identity_policies WHERE principal = ? AND name = ?")
                .bind(p.principal.as_str())
                .bind(p.name.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        sqlx::query(concat!(
            "INSERT INTO identity_policies (",
            policy_columns!(),
            ") VALUES (?, ?, ?) \
             ON CONFLICT (principal, name) DO UPDATE SET document = excluded.document"
        ))
        .bind(p.principal.as_str())
        .bind(p.name.as_str())
        .bind(p.document.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(replaced.is_some())
    }

    pub(super) async fn remove_identity_policy(
        &self,
        principal: &PrincipalArn,
        name: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let deleted = sqlx::query("DELETE FROM identity_policies WHERE principal = ? AND name = ?")
            .bind(principal.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        bump_generation(&mut tx).await?;
        tx.commit().await.map_err(db_error)
    }

    pub(super) async fn select_identity_policies(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<IdentityPolicyRecord>> {
        let rows = match principal {
            None => sqlx::query(concat!(
                "SELECT ",
                policy_columns!(),
                " FROM identity_policies ORDER BY principal, name"
            )),
            Some(principal) => sqlx::query(concat!(
                "SELECT ",
                policy_columns!(),
                " FROM identity_policies WHERE principal = ? ORDER BY name"
            ))
            .bind(principal.as_str()),
        }
        .fetch_all(self.reader())
        .await
        .map_err(db_error)?;
        rows.iter().map(policy_from_row).collect()
    }

    pub(super) async fn select_identity_generation(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT generation FROM identity_generation WHERE id = 0")
            .fetch_one(self.reader())
            .await
            .map_err(db_error)
    }

    /// One read transaction: WAL gives it a snapshot, so the four reads agree.
    pub(super) async fn select_identities(&self) -> Result<StoredIdentities> {
        let mut tx = self.reader().begin().await.map_err(db_error)?;
        let generation: i64 =
            sqlx::query_scalar("SELECT generation FROM identity_generation WHERE id = 0")
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error)?;
        let principals = sqlx::query(concat!(
            "SELECT ",
            principal_columns!(),
            " FROM principals ORDER BY arn"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let access_keys = sqlx::query(concat!(
            "SELECT ",
            access_key_columns!(),
            " FROM access_keys ORDER BY access_key_id"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        let policies = sqlx::query(concat!(
            "SELECT ",
            policy_columns!(),
            " FROM identity_policies ORDER BY principal, name"
        ))
        .fetch_all(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.rollback().await.map_err(db_error)?;
        Ok(StoredIdentities {
            generation,
            principals: principals
                .iter()
                .map(principal_from_row)
                .collect::<Result<_>>()?,
            access_keys: access_keys
                .iter()
                .map(access_key_from_row)
                .collect::<Result<_>>()?,
            policies: policies
                .iter()
                .map(policy_from_row)
                .collect::<Result<_>>()?,
        })
    }
}

async fn bump_generation(tx: &mut Transaction<'static, Sqlite>) -> Result<()> {
    sqlx::query("UPDATE identity_generation SET generation = generation + 1 WHERE id = 0")
        .execute(&mut **tx)
        .await
        .map_err(db_error)?;
    Ok(())
}

fn principal_from_row(row: &SqliteRow) -> Result<PrincipalRecord> {
    let tags: String = row.try_get("tags").map_err(db_error)?;
    let record = PrincipalRecord {
        arn: column(row, "arn", PrincipalArn::parse)?,
        kind: column(row, "kind", PrincipalKind::parse)?,
        name: row.try_get("name").map_err(db_error)?,
        path: row.try_get("path").map_err(db_error)?,
        tags: serde_json::from_str::<BTreeMap<String, String>>(&tags)
            .map_err(|_| corrupt("tags"))?,
        created: row
            .try_get("created")
            .map(Timestamp::from_millis)
            .map_err(db_error)?,
    };
    let account = column(row, "account", AccountId::parse)?;
    if *record.account() != account {
        return Err(corrupt("account"));
    }
    Ok(record)
}

fn access_key_from_row(row: &SqliteRow) -> Result<AccessKeyRecord> {
    Ok(AccessKeyRecord {
        access_key_id: row.try_get("access_key_id").map_err(db_error)?,
        principal: column(row, "principal", PrincipalArn::parse)?,
        sealed_secret: row.try_get("sealed_secret").map_err(db_error)?,
        status: column(row, "status", AccessKeyStatus::parse)?,
        created: row
            .try_get("created")
            .map(Timestamp::from_millis)
            .map_err(db_error)?,
    })
}

fn policy_from_row(row: &SqliteRow) -> Result<IdentityPolicyRecord> {
    Ok(IdentityPolicyRecord {
        principal: column(row, "principal", PrincipalArn::parse)?,
        name: row.try_get("name").map_err(db_error)?,
        document: row.try_get("document").map_err(db_error)?,
    })
}

/// Names the column, never its value.
fn corrupt(column: &str) -> StoreError {
    StoreError::Other(format!("corrupt row: bad value in column {column}"))
}
