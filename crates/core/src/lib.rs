//! The service: every KMS operation, between an authenticated caller and the store.
//!
//! This crate owns what a call means. `ops/` holds one file per operation, all the same
//! shape: the operation's facts as constants (its IAM action, the key states it accepts, the
//! key usages it accepts) in an [`ops::OpSpec`], and a `run` function. A shared pre-flight
//! ([`keys`]) resolves the key a request names, checks its state and usage, and asks
//! [`authz`] — before any key material is unsealed. [`dispatch`] wraps every call to parse
//! and validate the request, run it, and record its audit event. Background jobs ([`jobs`])
//! delete keys whose waiting period has passed, rotate keys whose rotation is due
//! ([`rotation`]), write down each key's last use (noted in memory by `usage`) and reload the
//! identities when the stored ones change ([`directory`], which the server asks for each
//! request's access key). Key state rules live in [`state`]. [`admin`] is what `trent admin`
//! does to the stored identities. [`grants`] decides whether a grant allows a request, and
//! [`grant_tokens`] issues and checks the tokens that make a new grant work at once.
//!
//! It must never know about HTTP (the server hands it a [`Caller`] and a body), never hold a
//! global, and never let plaintext, key material or a secret into a log line, an error or an
//! audit event. Time comes from the injected clock.

pub mod admin;
pub mod authz;
mod cache;
mod caller;
pub mod changes;
pub mod directory;
pub mod dispatch;
mod error;
pub mod grant_tokens;
pub mod grants;
mod identity;
pub mod import;
pub mod jobs;
pub mod keys;
pub mod multi_region;
pub mod ops;
pub mod rotation;
pub mod state;
mod usage;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use trent_audit::AuditLog;
use trent_seal::{FileRoot, RootOfTrust, Sealer};
use trent_store::sqlite::SqliteStore;
use trent_store::{AnyStore, Store};
use trent_types::{Clock, SystemClock, Timestamp};

pub use cache::CachedKey;
pub use caller::{Caller, Rejected};
pub use error::{Error, Result};
pub use identity::{ADMINISTRATOR_ACCESS, Credential, DEFAULT_PRINCIPAL, Identities, Principal};

/// How to start a [`Service`].
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// Holds the database and the root key file.
    pub data_dir: PathBuf,
    /// The configured identities, served beside the stored ones (and winning a clash).
    pub identities: Identities,
    pub clock: Arc<dyn Clock>,
    /// How often the background jobs look for keys to delete or rotate.
    pub job_interval: Duration,
    /// How often this node reads the store's change feed to drop keys and aliases that
    /// other nodes changed from its caches, and checks for changed stored identities.
    pub change_interval: Duration,
    /// How many keys the key cache holds.
    pub key_cache_capacity: usize,
}

impl ServiceOptions {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            identities: Identities::default_local(),
            clock: Arc::new(SystemClock),
            job_interval: Duration::from_secs(60),
            change_interval: Duration::from_secs(1),
            key_cache_capacity: 100_000,
        }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Seal(#[from] trent_seal::SealError),
    #[error("store: {0}")]
    Store(#[from] trent_store::StoreError),
}

/// The KMS service. Cheap to clone; every clone is the same service.
#[derive(Clone, Debug)]
pub struct Service {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<AnyStore>,
    sealer: Sealer,
    keys: cache::KeyCache,
    aliases: cache::AliasCache,
    audit: AuditLog,
    clock: Arc<dyn Clock>,
    directory: directory::Directory,
    usage: usage::UsageTracker,
    changes: changes::ChangeCursor,
}

impl std::fmt::Debug for cache::KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache")
    }
}

impl std::fmt::Debug for cache::AliasCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AliasCache")
    }
}

/// The service's background tasks; [`Background::shutdown`] stops the jobs and flushes the
/// audit trail.
#[derive(Debug)]
pub struct Background {
    jobs: tokio::task::JoinHandle<()>,
    stop_jobs: tokio::sync::oneshot::Sender<()>,
    watcher: tokio::task::JoinHandle<()>,
    stop_watcher: tokio::sync::oneshot::Sender<()>,
    audit_writer: tokio::task::JoinHandle<()>,
}

const WRAPPED_DEK: &str = "seal.wrapped_dek";

impl Service {
    /// Opens (or creates) the data directory, the root of trust and the store, and starts the
    /// audit writer and the background jobs.
    pub async fn start(opts: ServiceOptions) -> Result<(Self, Background), StartError> {
        let (store, sealer) = open_data_dir(&opts.data_dir).await?;
        let store = Arc::new(store);
        let (audit, audit_writer) = trent_audit::spawn_writer(store.clone()).await?;
        let tracking_start = usage_tracking_start(store.as_ref(), opts.clock.now()).await?;
        // Read before anything is cached: every change after it is applied to the caches.
        let last_change = store.last_change().await?;
        let service = Self {
            inner: Arc::new(Inner {
                store,
                sealer,
                keys: cache::KeyCache::new(opts.key_cache_capacity),
                aliases: cache::AliasCache::new(opts.key_cache_capacity),
                audit,
                clock: opts.clock,
                directory: directory::Directory::new(opts.identities),
                usage: usage::UsageTracker::new(tracking_start),
                changes: changes::ChangeCursor::at(last_change),
            }),
        };
        service.refresh_identities().await?;
        let (stop_jobs, stopped) = tokio::sync::oneshot::channel();
        let jobs = tokio::spawn(jobs::run(service.clone(), opts.job_interval, stopped));
        let (stop_watcher, stopped) = tokio::sync::oneshot::channel();
        let watcher = tokio::spawn(changes::watch(
            service.clone(),
            opts.change_interval,
            stopped,
        ));
        Ok((
            service,
            Background {
                jobs,
                stop_jobs,
                watcher,
                stop_watcher,
                audit_writer,
            },
        ))
    }

    pub(crate) fn directory(&self) -> &directory::Directory {
        &self.inner.directory
    }

    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    pub(crate) fn store(&self) -> &AnyStore {
        &self.inner.store
    }

    pub(crate) fn sealer(&self) -> &Sealer {
        &self.inner.sealer
    }

    pub(crate) fn audit(&self) -> &AuditLog {
        &self.inner.audit
    }

    /// Statements the store has run since startup, for `/metrics` and for tests that check
    /// the hot path leaves the database alone.
    pub fn store_counts(&self) -> trent_store::QueryCounts {
        self.inner.store.counts()
    }

    /// Whether the store answers, for `/ready`.
    pub async fn ready(&self) -> bool {
        self.inner.store.ping().await.is_ok()
    }
}

impl Background {
    /// Stops the background jobs (which write down the key uses noted since their last run)
    /// and waits until every audit event handed over so far is durable. Call after the server
    /// stopped taking requests and every [`Service`] clone is dropped, or the audit writer
    /// keeps waiting for more.
    pub async fn shutdown(self) {
        let _ = self.stop_jobs.send(());
        let _ = self.stop_watcher.send(());
        let _ = self.jobs.await;
        let _ = self.watcher.await;
        let _ = self.audit_writer.await;
    }
}

/// The data directory's store and the sealer for its secrets, creating the directory (mode
/// 0700), the root key file and the database if they do not exist.
async fn open_data_dir(data_dir: &Path) -> Result<(AnyStore, Sealer), StartError> {
    create_private_dir(data_dir)?;
    let root = FileRoot::open_or_create(&data_dir.join("root.key"))?;
    let store = AnyStore::Sqlite(SqliteStore::open(&data_dir.join("trent.db")).await?);
    let sealer = open_sealer(&root, &store).await?;
    Ok((store, sealer))
}

fn create_private_dir(path: &Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    let err = |source| StartError::DataDir {
        path: path.to_owned(),
        source,
    };
    if !path.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .map_err(err)?;
    }
    Ok(())
}

/// When this deployment began tracking key use: its first start since tracking existed.
async fn usage_tracking_start(store: &AnyStore, now: Timestamp) -> Result<Timestamp, StartError> {
    let stored = store
        .init_setting(usage::TRACKING_START, &now.millis().to_be_bytes())
        .await?;
    let millis = <[u8; 8]>::try_from(stored.as_slice()).map_err(|_| {
        trent_store::StoreError::Other(format!("corrupt setting {}", usage::TRACKING_START))
    })?;
    Ok(Timestamp::from_millis(i64::from_be_bytes(millis)))
}

/// Unwraps the store's data-encryption key, creating and wrapping one at first start.
async fn open_sealer(root: &dyn RootOfTrust, store: &AnyStore) -> Result<Sealer, StartError> {
    let wrapped = match store.setting(WRAPPED_DEK).await? {
        Some(w) => w,
        None => {
            let dek = trent_seal::generate_dek()?;
            let wrapped = root.wrap(&dek)?;
            store.init_setting(WRAPPED_DEK, &wrapped).await?
        }
    };
    Ok(Sealer::new(root, &wrapped)?)
}
