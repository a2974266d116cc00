//! The audit trail's appender: a connection of its own, driven by a thread of its own.
//!
//! Every API call appends an event, so appending is the store's busiest write. Through the
//! pool, each statement of a batch (begin, read the last event, insert, commit) is a round
//! trip to the pooled connection's worker thread and back, each two context switches on a
//! busy core. Here a batch is one message: the appender's thread runs the whole transaction
//! itself and answers once.
//!
//! The appender writes beside the pool's writer; the database's write lock, taken by
//! `BEGIN IMMEDIATE`, orders the two, and the busy timeout makes either wait for the other.

use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::oneshot;

use super::rows::{closed, hash_bytes, sqlite_failure};
use super::{AUDIT_ANCHOR, BUSY_TIMEOUT, parse_anchor};
use crate::{ChainHash, NewAuditRecord, Result, StoreError};

struct Job {
    events: Arc<[NewAuditRecord]>,
    chain: ChainHash,
    done: oneshot::Sender<Result<Option<i64>>>,
}

pub(super) struct Appender {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Appender {
    /// Opens the appender's connection to the database at `path`, whose schema is current.
    pub(super) fn open(path: &Path) -> Result<Self> {
        let connection = Connection::open(path).map_err(sqlite_error)?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(sqlite_error)?;
        // Durable before the callers hear so, as the pool's writer: WAL is the file's
        // setting already, `synchronous` is each connection's own.
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite_error)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("trent-audit-append".into())
            .spawn(move || run(connection, &queue))
            .map_err(|e| StoreError::Other(format!("cannot start the audit appender: {e}")))?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Appends `events` in one transaction, chained to the last stored event; the new last
    /// seq once durable.
    pub(super) async fn append(
        &self,
        events: Arc<[NewAuditRecord]>,
        chain: ChainHash,
    ) -> Result<Option<i64>> {
        if events.is_empty() {
            return Ok(None);
        }
        let (done, answer) = oneshot::channel();
        let job = Job {
            events,
            chain,
            done,
        };
        let sent = match &*self.jobs.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            return Err(closed());
        }
        answer.await.map_err(|_| closed())?
    }

    /// Stops taking batches, and waits for the one being written.
    pub(super) async fn close(&self) {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).take();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn run(mut connection: Connection, queue: &mpsc::Receiver<Job>) {
    while let Ok(job) = queue.recv() {
        let result = append(&mut connection, &job.events, job.chain);
        // A caller that stopped waiting is no reason to stop appending.
        let _ = job.done.send(result);
    }
}

fn append(
    connection: &mut Connection,
    events: &[NewAuditRecord],
    chain: ChainHash,
) -> Result<Option<i64>> {
    // BEGIN IMMEDIATE holds the database's write lock from the start, across processes:
    // the last event read here stays the last until this transaction ends. Dropped without
    // a commit, the transaction rolls back.
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_error)?;
    let last: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .map_err(sqlite_error)?;
    let (mut seq, mut prev) = match last {
        Some((seq, hash)) => (seq, hash_bytes(&hash)?),
        // Nothing stored: the start, or everything pruned.
        None => {
            let anchor: Option<Vec<u8>> = tx
                .prepare_cached("SELECT value FROM settings WHERE name = ?1")
                .and_then(|mut s| s.query_row([AUDIT_ANCHOR], |r| r.get(0)).optional())
                .map_err(sqlite_error)?;
            anchor
                .as_deref()
                .map(parse_anchor)
                .transpose()?
                .unwrap_or((0, [0u8; 32]))
        }
    };
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO audit (seq, event_id, time, event_json, hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sqlite_error)?;
        for event in events {
            seq += 1;
            prev = chain(&prev, event.event_json.as_bytes());
            insert
                .execute(params![
                    seq,
                    event.event_id,
                    event.time.millis(),
                    event.event_json,
                    prev.as_slice()
                ])
                .map_err(sqlite_error)?;
        }
    }
    tx.commit().map_err(sqlite_error)?;
    Ok(Some(seq))
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    match error {
        rusqlite::Error::SqliteFailure(e, message) => {
            sqlite_failure(e.extended_code, &message.unwrap_or_else(|| e.to_string()))
        }
        other => StoreError::Other(format!("database driver error: {other}")),
    }
}
