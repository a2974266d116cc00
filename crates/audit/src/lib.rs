//! The audit trail: one CloudTrail-shaped event per API call, chained by hash.
//!
//! This crate owns the event shape ([`AuditEvent`]), the writer that batches events into the
//! store off the request path ([`AuditLog`], [`spawn_writer`]), and the hash chain over stored
//! events ([`chain_hash`], [`verify_chain`]). Each stored event's hash is SHA-256 over the
//! previous event's hash and the event's JSON bytes, so removing, reordering or altering any
//! event breaks every hash after it.
//!
//! A caller that changes state waits until its event is durable ([`AuditLog::record_durable`]);
//! a cryptographic call hands its event over and goes on ([`AuditLog::record`]); both go
//! through the same single writer, which keeps the chain in order.
//!
//! Events must never carry plaintext, key material, ciphertext or secrets: callers build
//! `requestParameters` from values that are safe to keep.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use trent_store::{AuditRecord, NewAuditRecord, Store};
use trent_types::Timestamp;

/// One API call as CloudTrail records it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub event_version: &'static str,
    pub user_identity: UserIdentity,
    pub event_time: String,
    pub event_source: &'static str,
    pub event_name: String,
    pub aws_region: String,
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    pub user_agent: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    pub request_parameters: serde_json::Value,
    pub response_elements: serde_json::Value,
    #[serde(rename = "requestID")]
    pub request_id: String,
    #[serde(rename = "eventID")]
    pub event_id: String,
    pub read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    pub event_type: &'static str,
    pub management_event: bool,
    pub recipient_account_id: String,
    pub event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_details: Option<TlsDetails>,
    /// What a service event (`eventType: AwsServiceEvent`, such as an automatic rotation)
    /// did; absent from API calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_event_details: Option<serde_json::Value>,
}

impl AuditEvent {
    /// An event with the fixed fields set and a fresh event id.
    pub fn new(time: Timestamp, event_name: &str, request_id: &str) -> Self {
        Self {
            event_version: "1.08",
            user_identity: UserIdentity::default(),
            event_time: time.iso8601(),
            event_source: "kms.amazonaws.com",
            event_name: event_name.to_owned(),
            aws_region: String::new(),
            source_ip_address: String::new(),
            user_agent: String::new(),
            error_code: None,
            error_message: None,
            request_parameters: serde_json::Value::Null,
            response_elements: serde_json::Value::Null,
            request_id: request_id.to_owned(),
            event_id: uuid::Uuid::new_v4().to_string(),
            read_only: false,
            resources: Vec::new(),
            event_type: "AwsApiCall",
            management_event: true,
            recipient_account_id: String::new(),
            event_category: "Management",
            tls_details: None,
            service_event_details: None,
        }
    }
}

/// Who made the call. For a call that failed authentication only what the request claimed.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub account_id: String,
    #[serde(rename = "type")]
    pub resource_type: &'static str,
    #[serde(rename = "ARN")]
    pub arn: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsDetails {
    pub tls_version: String,
}

/// The audit trail could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditUnavailable;

impl std::fmt::Display for AuditUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the audit trail is unavailable")
    }
}

impl std::error::Error for AuditUnavailable {}

struct Entry {
    time: Timestamp,
    event: AuditEvent,
    done: Option<oneshot::Sender<()>>,
}

/// The handle callers record events through. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Entry>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditLog")
    }
}

/// How many events the writer takes into one transaction at most.
const MAX_BATCH: usize = 1024;
/// How many events may wait for the writer before callers wait for room.
const QUEUE: usize = 16 * 1024;
/// How long the writer goes on gathering events for a batch while more keep coming.
const GATHER: Duration = Duration::from_millis(10);

impl AuditLog {
    /// Hands an event to the writer and returns at once. If the writer is far behind, waits
    /// for room rather than drop the event.
    pub async fn record(&self, time: Timestamp, event: AuditEvent) -> Result<(), AuditUnavailable> {
        self.tx
            .send(Entry {
                time,
                event,
                done: None,
            })
            .await
            .map_err(|_| AuditUnavailable)
    }

    /// Hands an event to the writer and waits until it is durable in the store.
    pub async fn record_durable(
        &self,
        time: Timestamp,
        event: AuditEvent,
    ) -> Result<(), AuditUnavailable> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Entry {
                time,
                event,
                done: Some(done),
            })
            .await
            .map_err(|_| AuditUnavailable)?;
        wait.await.map_err(|_| AuditUnavailable)
    }
}

/// Starts this process's writer task. It runs until every [`AuditLog`] clone is dropped,
/// writes what is still queued, and then ends; await the handle to know the trail is flushed.
///
/// The writer keeps no place in the chain of its own: the store appends each batch after
/// whatever event is last when the batch commits, so several processes (nodes sharing one
/// store, or `trent admin` beside a server) extend one unbroken chain.
pub async fn spawn_writer<S: Store>(
    store: Arc<S>,
) -> Result<(AuditLog, tokio::task::JoinHandle<()>), trent_store::StoreError> {
    // Fail at startup, not at the first event, if the trail cannot be read.
    store.last_audit().await?;
    let (tx, mut rx) = mpsc::channel::<Entry>(QUEUE);
    let handle = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            gather(&mut rx, &mut batch, GATHER).await;
            let mut done = Vec::with_capacity(batch.len());
            let records: Arc<[NewAuditRecord]> = batch
                .drain(..)
                .map(|entry| {
                    done.push(entry.done);
                    new_record(entry.time, entry.event)
                })
                .collect();
            let mut delay = Duration::from_millis(10);
            loop {
                match store.append_audit(records.clone(), chain_hash).await {
                    Ok(_) => break,
                    Err(e) => {
                        // Nothing acknowledged may be lost: keep the callers waiting and try
                        // again rather than drop their events.
                        tracing::error!(error = %e, "audit trail write failed; retrying");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(5));
                    }
                }
            }
            for done in done.into_iter().flatten() {
                let _ = done.send(());
            }
        }
    });
    Ok((AuditLog { tx }, handle))
}

/// Group commit: each commit costs a sync of the database, so a batch waits for the events
/// the process is still producing. After each yield (every other runnable task has run,
/// the sockets have been polled), whatever arrived joins the batch; the batch goes when a
/// round brings nothing new, when it is full, or after `limit` ([`GATHER`]). An idle process
/// so commits at once; a busy one commits once per round of its callers, not once per caller.
async fn gather(rx: &mut mpsc::Receiver<Entry>, batch: &mut Vec<Entry>, limit: Duration) {
    let started = Instant::now();
    while batch.len() < MAX_BATCH && started.elapsed() < limit {
        tokio::task::yield_now().await;
        let before = batch.len();
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(entry) => batch.push(entry),
                Err(_) => break,
            }
        }
        if batch.len() == before {
            break;
        }
    }
}

/// Appends one event to the trail at once, chained like the writer's, and returns when it is
/// durable: for a process that makes a single change (`trent admin`), beside any server.
pub async fn append_one<S: Store>(
    store: &S,
    time: Timestamp,
    event: AuditEvent,
) -> Result<(), trent_store::StoreError> {
    store
        .append_audit(Arc::from([new_record(time, event)]), chain_hash)
        .await
        .map(|_| ())
}

/// An event as the store takes it: serialized once, for good.
fn new_record(time: Timestamp, event: AuditEvent) -> NewAuditRecord {
    let event_json = serde_json::to_string(&event).unwrap_or_else(|e| {
        // Serializing a plain struct cannot fail; record that it did anyway.
        tracing::error!(error = %e, "audit event did not serialize");
        format!(
            "{{\"eventID\":\"{}\",\"error\":\"unserializable\"}}",
            event.event_id
        )
    });
    NewAuditRecord {
        event_id: event.event_id,
        time,
        event_json,
    }
}

/// The hash of an event given the previous event's hash (32 zero bytes before the first).
pub fn chain_hash(prev: &[u8; 32], event_json: &[u8]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(prev);
    ctx.update(event_json);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Where a chain check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainError {
    /// A sequence number is missing or out of order.
    Gap { expected: i64, found: i64 },
    /// The stored hash does not match the event and its predecessor.
    Altered { seq: i64 },
}

/// Checks consecutive records that follow `prev` (the hash before the first, 32 zero bytes
/// at the start of the trail) and `expected_seq` (the first one's seq). Returns the last hash.
pub fn verify_chain<'a>(
    mut prev: [u8; 32],
    mut expected_seq: i64,
    records: impl IntoIterator<Item = &'a AuditRecord>,
) -> Result<[u8; 32], ChainError> {
    for r in records {
        if r.seq != expected_seq {
            return Err(ChainError::Gap {
                expected: expected_seq,
                found: r.seq,
            });
        }
        if chain_hash(&prev, r.event_json.as_bytes()) != r.hash {
            return Err(ChainError::Altered { seq: r.seq });
        }
        prev = r.hash;
        expected_seq += 1;
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, prev: &[u8; 32], json: &str) -> AuditRecord {
        AuditRecord {
            seq,
            event_id: format!("e{seq}"),
            time: Timestamp::from_millis(0),
            event_json: json.to_owned(),
            hash: chain_hash(prev, json.as_bytes()),
        }
    }

    #[test]
    fn chain_detects_alteration_and_gaps() {
        let a = rec(1, &[0; 32], "{\"a\":1}");
        let b = rec(2, &a.hash, "{\"b\":2}");
        let c = rec(3, &b.hash, "{\"c\":3}");
        assert_eq!(verify_chain([0; 32], 1, [&a, &b, &c]), Ok(c.hash));
        let mut altered = b.clone();
        altered.event_json = "{\"b\":3}".into();
        assert_eq!(
            verify_chain([0; 32], 1, [&a, &altered, &c]),
            Err(ChainError::Altered { seq: 2 })
        );
        assert_eq!(
            verify_chain([0; 32], 1, [&a, &c]),
            Err(ChainError::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    fn entry() -> Entry {
        let time = Timestamp::from_millis(0);
        Entry {
            time,
            event: AuditEvent::new(time, "Encrypt", "r"),
            done: None,
        }
    }

    #[tokio::test]
    async fn a_batch_gathers_while_events_keep_coming() {
        let (tx, mut rx) = mpsc::channel(64);
        // A caller producing one event per turn of the runtime.
        let producer = tokio::spawn(async move {
            for _ in 0..20 {
                tx.send(entry()).await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        let mut batch = Vec::new();
        rx.recv_many(&mut batch, MAX_BATCH).await;
        gather(&mut rx, &mut batch, Duration::from_secs(600)).await;
        producer.await.unwrap();
        assert_eq!(batch.len(), 20, "one batch for all twenty");
    }

    #[tokio::test]
    async fn a_lone_event_goes_at_once() {
        let (tx, mut rx) = mpsc::channel(4);
        tx.send(entry()).await.unwrap();
        let mut batch = Vec::new();
        rx.recv_many(&mut batch, MAX_BATCH).await;
        // With nothing else to run, the first round brings nothing: no waiting for the limit.
        tokio::time::timeout(
            Duration::from_secs(60),
            gather(&mut rx, &mut batch, Duration::from_secs(600)),
        )
        .await
        .expect("gather returned without waiting for its limit");
        assert_eq!(batch.len(), 1);
        drop(tx);
    }

    #[tokio::test]
    async fn a_full_batch_goes_at_once() {
        let (tx, mut rx) = mpsc::channel(2 * MAX_BATCH);
        for _ in 0..MAX_BATCH + 5 {
            tx.send(entry()).await.unwrap();
        }
        let mut batch = Vec::new();
        rx.recv_many(&mut batch, 1).await;
        gather(&mut rx, &mut batch, Duration::from_secs(600)).await;
        assert_eq!(batch.len(), MAX_BATCH);
        assert_eq!(rx.len(), 5, "the rest waits for the next batch");
    }

    #[test]
    fn event_serializes_in_cloudtrail_shape() {
        let mut e = AuditEvent::new(Timestamp::from_millis(1_700_000_000_000), "Encrypt", "r1");
        e.user_identity.identity_type = Some("IAMUser");
        e.aws_region = "us-east-1".into();
        e.source_ip_address = "127.0.0.1".into();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["eventSource"], "kms.amazonaws.com");
        assert_eq!(v["eventName"], "Encrypt");
        assert_eq!(v["eventTime"], "2023-11-14T22:13:20Z");
        assert_eq!(v["sourceIPAddress"], "127.0.0.1");
        assert_eq!(v["requestID"], "r1");
        assert_eq!(v["userIdentity"]["type"], "IAMUser");
        assert_eq!(v["eventType"], "AwsApiCall");
        assert!(v.get("errorCode").is_none());
        assert!(v["eventID"].as_str().unwrap().len() == 36);
    }
}
