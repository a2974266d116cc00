//! From SQLite rows and errors to the store's records and errors.

use sqlx::Row;
use sqlx::error::ErrorKind;
use sqlx::sqlite::SqliteRow;
use trent_types::{
    AccountId, AliasName, KeyId, KeyLastUsageTrackingOperation, KeySpec, KeyState, KeyUsage,
    MaterialId, Origin, Region, RotationType, Timestamp,
};

use crate::{
    AliasRecord, AuditRecord, AutoRotation, Change, KeyRecord, KeyUseRecord, MaterialRecord,
    MaterialState, Result, StoreError,
};

pub(super) fn key_from_row(row: &SqliteRow) -> Result<KeyRecord> {
    let multi_region: i64 = row.try_get("multi_region").map_err(db_error)?;
    let pending_window_days: Option<i64> = row.try_get("pending_window_days").map_err(db_error)?;
    let current_material: Option<String> = row.try_get("current_material").map_err(db_error)?;
    Ok(KeyRecord {
        region: column(row, "region", Region::parse)?,
        account: column(row, "account", AccountId::parse)?,
        key_id: column(row, "key_id", KeyId::parse)?,
        description: row.try_get("description").map_err(db_error)?,
        key_spec: column(row, "key_spec", KeySpec::parse)?,
        key_usage: column(row, "key_usage", KeyUsage::parse)?,
        origin: column(row, "origin", Origin::parse)?,
        state: column(row, "state", KeyState::parse)?,
        creation_date: timestamp(row, "creation_date")?,
        deletion_date: row
            .try_get::<Option<i64>, _>("deletion_date")
            .map_err(db_error)?
            .map(Timestamp::from_millis),
        pending_window_days: pending_window_days
            .map(|d| u32::try_from(d).map_err(|_| corrupt("pending_window_days")))
            .transpose()?,
        policy: row.try_get("policy").map_err(db_error)?,
        multi_region: match multi_region {
            0 => false,
            1 => true,
            _ => return Err(corrupt("multi_region")),
        },
        current_material: current_material
            .map(|hex| MaterialId::from_hex(&hex).ok_or_else(|| corrupt("current_material")))
            .transpose()?,
        rotation: auto_rotation(row)?,
        version: row.try_get("version").map_err(db_error)?,
    })
}

pub(super) fn material_from_row(row: &SqliteRow) -> Result<MaterialRecord> {
    Ok(MaterialRecord {
        region: column(row, "region", Region::parse)?,
        key_id: column(row, "key_id", KeyId::parse)?,
        material_id: column(row, "material_id", MaterialId::from_hex)?,
        state: column(row, "state", MaterialState::parse)?,
        created: timestamp(row, "created")?,
        rotation_type: row
            .try_get::<Option<String>, _>("rotation_type")
            .map_err(db_error)?
            .map(|t| RotationType::parse(&t).ok_or_else(|| corrupt("rotation_type")))
            .transpose()?,
        sealed: row.try_get("sealed").map_err(db_error)?,
    })
}

/// The automatic rotation columns: both set, or both NULL.
fn auto_rotation(row: &SqliteRow) -> Result<Option<AutoRotation>> {
    let period: Option<i64> = row.try_get("rotation_period_days").map_err(db_error)?;
    let next: Option<i64> = row.try_get("next_rotation_date").map_err(db_error)?;
    match (period, next) {
        (None, None) => Ok(None),
        (Some(period), Some(next)) => Ok(Some(AutoRotation {
            period_days: u32::try_from(period).map_err(|_| corrupt("rotation_period_days"))?,
            next: Timestamp::from_millis(next),
        })),
        (None, Some(_)) => Err(corrupt("rotation_period_days")),
        (Some(_), None) => Err(corrupt("next_rotation_date")),
    }
}

pub(super) fn key_use_from_row(row: &SqliteRow) -> Result<KeyUseRecord> {
    Ok(KeyUseRecord {
        region: column(row, "region", Region::parse)?,
        key_id: column(row, "key_id", KeyId::parse)?,
        time: timestamp(row, "time")?,
        operation: column(row, "operation", KeyLastUsageTrackingOperation::parse)?,
        request_id: row.try_get("request_id").map_err(db_error)?,
        event_id: row.try_get("event_id").map_err(db_error)?,
    })
}

pub(super) fn alias_from_row(row: &SqliteRow) -> Result<AliasRecord> {
    Ok(AliasRecord {
        region: column(row, "region", Region::parse)?,
        account: column(row, "account", AccountId::parse)?,
        name: column(row, "name", |s| AliasName::parse(s).ok())?,
        target_key_id: column(row, "target_key_id", KeyId::parse)?,
        creation_date: timestamp(row, "creation_date")?,
        last_updated_date: timestamp(row, "last_updated_date")?,
    })
}

pub(super) fn audit_from_row(row: &SqliteRow) -> Result<AuditRecord> {
    let hash: Vec<u8> = row.try_get("hash").map_err(db_error)?;
    Ok(AuditRecord {
        seq: row.try_get("seq").map_err(db_error)?,
        event_id: row.try_get("event_id").map_err(db_error)?,
        time: timestamp(row, "time")?,
        event_json: row.try_get("event_json").map_err(db_error)?,
        hash: hash_bytes(&hash)?,
    })
}

pub(super) fn change_from_row(row: &SqliteRow) -> Result<Change> {
    let region: Option<String> = row.try_get("region").map_err(db_error)?;
    let account: Option<String> = row.try_get("account").map_err(db_error)?;
    let alias: Option<String> = row.try_get("alias").map_err(db_error)?;
    Ok(Change {
        seq: row.try_get("seq").map_err(db_error)?,
        region: region
            .map(|r| Region::parse(&r).ok_or_else(|| corrupt("region")))
            .transpose()?,
        key_id: column(row, "key_id", KeyId::parse)?,
        alias: match (account, alias) {
            (Some(account), Some(alias)) => Some((
                AccountId::parse(&account).ok_or_else(|| corrupt("account"))?,
                AliasName::parse(&alias).map_err(|_| corrupt("alias"))?,
            )),
            _ => None,
        },
    })
}

/// A stored audit hash, which is 32 bytes or a corrupt row.
pub(super) fn hash_bytes(hash: &[u8]) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(hash).map_err(|_| corrupt("hash"))
}

/// A text column parsed into its domain type; a value the parser refuses is a corrupt row.
pub(super) fn column<T>(
    row: &SqliteRow,
    name: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T> {
    let text: String = row.try_get(name).map_err(db_error)?;
    parse(&text).ok_or_else(|| corrupt(name))
}

fn timestamp(row: &SqliteRow, name: &'static str) -> Result<Timestamp> {
    row.try_get(name)
        .map(Timestamp::from_millis)
        .map_err(db_error)
}

/// A call on a store that was closed.
pub(super) fn closed() -> StoreError {
    StoreError::Unavailable("the store is closed".into())
}

/// Names the column, never its value: a row may hold anything.
fn corrupt(column: &str) -> StoreError {
    StoreError::Other(format!("corrupt row: bad value in column {column}"))
}

// Primary result codes (the low byte of an extended code) that mean "try again later".
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_PROTOCOL: i32 = 15;

// Extended result codes of a key that exists already.
const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = 1555;
const SQLITE_CONSTRAINT_UNIQUE: i32 = 2067;

/// A failure SQLite reported (its extended result code and message) in the store's
/// vocabulary, whichever driver passed it on. The message is SQLite's own text, which names
/// tables and columns but never the values bound to a statement.
pub(super) fn sqlite_failure(code: i32, message: &str) -> StoreError {
    if matches!(
        code,
        SQLITE_CONSTRAINT_PRIMARYKEY | SQLITE_CONSTRAINT_UNIQUE
    ) {
        return StoreError::Conflict;
    }
    let message = format!("sqlite error {code}: {message}");
    match code & 0xff {
        SQLITE_BUSY | SQLITE_LOCKED | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN
        | SQLITE_PROTOCOL => StoreError::Unavailable(message),
        _ => StoreError::Other(message),
    }
}

/// Maps a driver error to the store's vocabulary.
pub(super) fn db_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(e) => {
            if matches!(e.kind(), ErrorKind::UniqueViolation) {
                return StoreError::Conflict;
            }
            let code = e.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
            sqlite_failure(code, e.message())
        }
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("timed out waiting for a database connection".into())
        }
        sqlx::Error::PoolClosed => closed(),
        sqlx::Error::WorkerCrashed => StoreError::Unavailable("the database worker stopped".into()),
        sqlx::Error::Io(e) => StoreError::Unavailable(format!("io error: {}", e.kind())),
        sqlx::Error::ColumnDecode { index, .. } => {
            StoreError::Other(format!("corrupt row: cannot decode column {index}"))
        }
        sqlx::Error::Decode(_) => StoreError::Other("corrupt row: cannot decode a value".into()),
        sqlx::Error::Encode(_) => StoreError::Other("cannot encode a bound value".into()),
        sqlx::Error::ColumnNotFound(name) => StoreError::Other(format!("no column {name}")),
        other => StoreError::Other(format!("database driver error: {other}")),
    }
}
