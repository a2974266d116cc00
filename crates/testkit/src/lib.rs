// A fixture that cannot start must fail the test at once, with the reason.
#![allow(clippy::expect_used)]

//! Test fixtures (not published): a real Trent server on an ephemeral loopback port with its
//! own data directory and a manual clock, and `aws-sdk-kms` clients pointed at it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use trent_core::{Background, Identities, Service, ServiceOptions};
use trent_types::{Clock, ManualClock};

/// A running server. Dropping it stops the server without flushing; call [`Self::stop`] to
/// shut down the way SIGTERM does.
#[derive(Debug)]
pub struct TestServer {
    pub endpoint: String,
    pub clock: ManualClock,
    data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    service: Option<Service>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    serving: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    background: Option<Background>,
}

impl TestServer {
    /// A server with a fresh data directory.
    pub async fn start() -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("data");
        let mut s = Self::start_in(&dir, ManualClock::starting_now()).await;
        s._temp = Some(temp);
        s
    }

    /// A server with a fresh data directory that accepts exactly `identities` (and not the
    /// default `test` access key, unless `identities` has it).
    pub async fn start_with_identities(identities: Identities) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("data");
        let mut s = Self::start_with(
            &dir,
            ManualClock::starting_now(),
            Duration::from_millis(50),
            identities,
        )
        .await;
        s._temp = Some(temp);
        s
    }

    /// A server whose background jobs run once at startup and then not for an hour, for
    /// tests that count what the store does.
    pub async fn start_without_jobs() -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().join("data");
        let mut s = Self::start_with(
            &dir,
            ManualClock::starting_now(),
            Duration::from_secs(3600),
            Identities::default_local(),
        )
        .await;
        s._temp = Some(temp);
        s
    }

    /// A server on an existing (or new) data directory with the given clock, running the
    /// background jobs (deletion, rotation) every 50 ms so tests that move the clock see
    /// them act promptly.
    pub async fn start_in(data_dir: &Path, clock: ManualClock) -> Self {
        Self::start_with(
            data_dir,
            clock,
            Duration::from_millis(50),
            Identities::default_local(),
        )
        .await
    }

    async fn start_with(
        data_dir: &Path,
        clock: ManualClock,
        job_interval: Duration,
        identities: Identities,
    ) -> Self {
        Self::start_node(data_dir, clock, job_interval, job_interval, identities).await
    }

    async fn start_node(
        data_dir: &Path,
        clock: ManualClock,
        job_interval: Duration,
        change_interval: Duration,
        identities: Identities,
    ) -> Self {
        let mut opts = ServiceOptions::new(data_dir);
        opts.identities = identities;
        opts.clock = std::sync::Arc::new(clock.clone());
        opts.job_interval = job_interval;
        opts.change_interval = change_interval;
        let (service, background) = Service::start(opts).await.expect("service starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(trent_server::serve(listener, service.clone(), async {
            let _ = rx.await;
        }));
        Self {
            endpoint: format!("http://{addr}"),
            clock,
            data_dir: data_dir.to_owned(),
            _temp: None,
            service: Some(service),
            shutdown: Some(tx),
            serving: Some(serving),
            background: Some(background),
        }
    }

    /// Another node of the same deployment: a second server on this server's data directory
    /// (and clock), with its own caches, as several Trent nodes share one store.
    pub async fn another_node(&self, identities: Identities) -> Self {
        Self::start_with(
            &self.data_dir,
            self.clock.clone(),
            Duration::from_millis(50),
            identities,
        )
        .await
    }

    /// Another node that reads the store's change feed only once, at startup: whatever it
    /// caches stays as it was read, as on a node that has not caught up with the others yet.
    pub async fn another_lagging_node(&self, identities: Identities) -> Self {
        Self::start_node(
            &self.data_dir,
            self.clock.clone(),
            Duration::from_millis(50),
            Duration::from_secs(3600),
            identities,
        )
        .await
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn service(&self) -> &Service {
        self.service.as_ref().expect("running")
    }

    pub fn now(&self) -> trent_types::Timestamp {
        self.clock.now()
    }

    /// A client with the default credentials (`test`/`test`) in us-east-1.
    pub fn client(&self) -> aws_sdk_kms::Client {
        self.client_with("test", "test", "us-east-1")
    }

    pub fn client_with(&self, access_key: &str, secret: &str, region: &str) -> aws_sdk_kms::Client {
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new(region.to_owned()))
            .credentials_provider(Credentials::new(
                access_key,
                secret,
                None,
                None,
                "trent-testkit",
            ))
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_kms::Client::from_conf(config)
    }

    /// Stops taking requests, drains, and flushes the audit trail, as SIGTERM does. Keeps
    /// the data directory.
    pub async fn stop(mut self) -> Option<tempfile::TempDir> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(s) = self.serving.take() {
            let _ = s.await;
        }
        self.service.take();
        if let Some(b) = self.background.take() {
            b.shutdown().await;
        }
        self._temp.take()
    }
}
