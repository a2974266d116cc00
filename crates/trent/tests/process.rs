//! The real `trent` binary as a child process: startup output, durability across SIGKILL,
//! draining on SIGTERM, configuration precedence, the root key file's mode, and `trent bench`.

// (clippy.toml lets `#[test]` functions unwrap, a failed unwrap being a failed test; this
// extends that to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::KeyState;
use http::{HeaderMap, HeaderValue};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trent_server::sigv4::{Signer, SigningKey, amz_date, sign};

const STARTUP: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

/// `trent` with a clean environment: no `TRENT_*` or AWS settings leak in from the caller.
fn trent() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trent"));
    for var in [
        "TRENT_CONFIG",
        "TRENT_DATA_DIR",
        "TRENT_LISTEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("TRENT_LOG", "info").stdin(Stdio::null());
    cmd
}

/// A loopback port nothing listens on (now).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `trent serve`. Dropping it kills the process, so a failed test leaves no child.
struct Trent {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Trent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a child's pipe into a string the test can read while the child runs.
fn collect(pipe: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let out = Arc::new(Mutex::new(String::new()));
    let sink = out.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    out
}

impl Trent {
    /// Spawns `cmd` (expected to serve on `port`) without waiting for it.
    fn spawn(mut cmd: Command, port: u16) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        Self {
            child,
            port,
            stdout,
            stderr,
        }
    }

    /// `trent serve --listen 127.0.0.1:PORT --data-dir DIR`, answering `/health`.
    async fn serve(data_dir: &Path) -> Self {
        let port = free_port();
        let mut cmd = trent();
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir);
        let mut t = Self::spawn(cmd, port);
        t.wait_healthy().await;
        t
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Stdout once it holds `needle` (the reader thread may lag behind the process).
    async fn stdout_with(&self, needle: &str) -> String {
        let deadline = Instant::now() + STARTUP;
        loop {
            let stdout = self.stdout();
            if stdout.contains(needle) {
                return stdout;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in stdout:\n{stdout}"
            );
            tokio::time::sleep(POLL).await;
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Polls `/health` until it answers 200; fails at once if the process exits.
    async fn wait_healthy(&mut self) {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "trent exited ({status}) before answering /health\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            if let Some((200, _)) = get(self.port, "/health").await {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "trent did not answer /health within {STARTUP:?}\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for the process to exit by itself.
    async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "trent did not exit within {within:?}\nstderr:\n{}",
                self.stderr()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// SIGKILL, then reap.
    fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn client(&self) -> aws_sdk_kms::Client {
        client(&self.endpoint(), "test", "test")
    }
}

/// A client like the testkit's: fixed credentials, us-east-1, no retries.
fn client(endpoint: &str, access_key: &str, secret: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "trent-process-test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// `GET path` over a fresh connection: the status and body, or `None` if nothing answers.
async fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(raw);
    let status = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let (_, body) = text.split_once("\r\n\r\n")?;
    Some((status, body.to_owned()))
}

/// Runs `trent ARGS` to completion.
fn run(args: &[&str]) -> Output {
    trent().args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `trent audit list`, each line parsed as JSON.
fn audit_list(data_dir: &Path) -> Vec<Value> {
    let out = run(&["audit", "list", "--data-dir", data_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn assert_audit_verifies(data_dir: &Path) {
    let out = run(&["audit", "verify", "--data-dir", data_dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).starts_with("ok"), "{}", text(&out.stdout));
}

fn event_names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["eventName"].as_str().unwrap())
        .collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn serve_prints_the_endpoint_and_default_credentials() {
    let dir = tempfile::tempdir().unwrap();
    // No config and no --data-dir: the data lands in ./trent-data.
    let port = free_port();
    let mut cmd = trent();
    cmd.current_dir(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
    let mut t = Trent::spawn(cmd, port);
    t.wait_healthy().await;

    // The last line printed at startup.
    let stdout = t.stdout_with("kms create-key").await;
    assert!(
        stdout.contains(&format!("at http://127.0.0.1:{port}\n")),
        "{stdout}"
    );
    assert!(stdout.contains("access key id:  test"), "{stdout}");
    assert!(stdout.contains("secret key:     test"), "{stdout}");
    assert!(stdout.contains("./trent-data"), "{stdout}");
    assert!(dir.path().join("trent-data/root.key").exists());
    assert_eq!(get(port, "/health").await.unwrap().0, 200);
    assert_eq!(get(port, "/ready").await.unwrap().0, 200);

    let keys = t.client().list_keys().send().await.unwrap();
    assert!(keys.keys().is_empty());
}

#[tokio::test]
async fn acknowledged_changes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut t = Trent::serve(&data).await;
    let kms = t.client();
    let kept = kms.create_key().description("kept").send().await.unwrap();
    let kept = kept.key_metadata().unwrap().key_id().to_owned();
    let doomed = kms.create_key().description("doomed").send().await.unwrap();
    let doomed = doomed.key_metadata().unwrap().key_id().to_owned();
    let ciphertext = kms
        .encrypt()
        .key_id(&kept)
        .plaintext(Blob::new(b"before the crash".to_vec()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob()
        .unwrap()
        .clone();
    kms.create_alias()
        .alias_name("alias/durable")
        .target_key_id(&kept)
        .send()
        .await
        .unwrap();
    kms.schedule_key_deletion()
        .key_id(&doomed)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    t.kill9();
    drop(t);

    // The state-changing calls' audit events were durable before they were acknowledged.
    let events = audit_list(&data);
    let names = event_names(&events);
    for (name, count) in [
        ("CreateKey", 2),
        ("CreateAlias", 1),
        ("ScheduleKeyDeletion", 1),
    ] {
        assert_eq!(
            names.iter().filter(|n| **n == name).count(),
            count,
            "{names:?}"
        );
    }
    assert_audit_verifies(&data);

    let t = Trent::serve(&data).await;
    let kms = t.client();
    let by_alias = kms
        .describe_key()
        .key_id("alias/durable")
        .send()
        .await
        .unwrap();
    assert_eq!(by_alias.key_metadata().unwrap().key_id(), kept);
    let doomed_meta = kms.describe_key().key_id(&doomed).send().await.unwrap();
    let doomed_meta = doomed_meta.key_metadata().unwrap();
    assert_eq!(doomed_meta.key_state(), Some(&KeyState::PendingDeletion));
    assert!(doomed_meta.deletion_date().is_some());
    let plaintext = kms
        .decrypt()
        .ciphertext_blob(ciphertext)
        .send()
        .await
        .unwrap();
    assert_eq!(plaintext.key_id(), by_alias.key_metadata().unwrap().arn());
    assert_eq!(plaintext.plaintext().unwrap().as_ref(), b"before the crash");
}

/// An `Encrypt` signed by hand, its headers on the wire with `Expect: 100-continue` and its
/// body held back until [`SlowRequest::finish`].
struct SlowRequest {
    stream: tokio::net::TcpStream,
    body: Vec<u8>,
}

impl SlowRequest {
    /// Returns once the server has read the headers and asked for the body: from then on the
    /// request is in flight.
    async fn start(port: u16, key_id: &str) -> Self {
        let body = serde_json::json!({"KeyId": key_id, "Plaintext": "aW4gZmxpZ2h0"})
            .to_string()
            .into_bytes();
        let host = format!("127.0.0.1:{port}");
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_str(&host).unwrap());
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("TrentService.Encrypt"),
        );
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let date = amz_date(now_ms.try_into().unwrap());
        let key = SigningKey::derive(b"test", &date[..8], "us-east-1", "kms");
        let signer = Signer {
            access_key_id: "test",
            key: &key,
            region: "us-east-1",
            service: "kms",
        };
        sign("POST", "/", "", &mut headers, &body, &signer, &date).unwrap();

        let mut head = String::from("POST / HTTP/1.1\r\n");
        for (name, value) in &headers {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
        }
        head.push_str(&format!(
            "content-length: {}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
            body.len()
        ));
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut interim = Vec::new();
        while !interim.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            assert_eq!(
                stream.read(&mut byte).await.unwrap(),
                1,
                "connection closed"
            );
            interim.push(byte[0]);
        }
        assert!(
            interim.starts_with(b"HTTP/1.1 100 Continue"),
            "{}",
            text(&interim)
        );
        Self { stream, body }
    }

    async fn finish(mut self) -> (u16, String) {
        self.stream.write_all(&self.body).await.unwrap();
        let mut raw = Vec::new();
        self.stream.read_to_end(&mut raw).await.unwrap();
        parse_response(&raw).unwrap_or_else(|| panic!("bad response: {}", text(&raw)))
    }
}

#[tokio::test]
async fn sigterm_drains_in_flight_requests_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut t = Trent::serve(&data).await;
    let kms = t.client();
    let key = kms.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();

    // Load: SDK clients encrypting until the server goes away.
    let ok = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for _ in 0..4 {
        let kms = kms.clone();
        let key_id = key_id.clone();
        let ok = ok.clone();
        load.push(tokio::spawn(async move {
            loop {
                let sent = kms
                    .encrypt()
                    .key_id(&key_id)
                    .plaintext(Blob::new(b"load".to_vec()))
                    .send()
                    .await;
                match sent {
                    Ok(_) => ok.fetch_add(1, Ordering::SeqCst),
                    // Any error the server answered would be audited; only failures to
                    // connect or to send may end the loop.
                    Err(e) => return e.raw_response().map(|r| r.status().as_u16()),
                };
            }
        }));
    }
    let slow = SlowRequest::start(t.port, &key_id).await;
    let deadline = Instant::now() + STARTUP;
    while ok.load(Ordering::SeqCst) < 20 {
        assert!(Instant::now() < deadline, "the load made no progress");
        tokio::time::sleep(POLL).await;
    }

    t.sigterm();
    // Shutdown has begun once the listener is gone.
    let deadline = Instant::now() + STARTUP;
    while tokio::net::TcpStream::connect(("127.0.0.1", t.port))
        .await
        .is_ok()
    {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        tokio::time::sleep(POLL).await;
    }
    let (status, body) = slow.finish().await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body["CiphertextBlob"].is_string(), "{body}");

    let status = t.wait_exit(STARTUP).await;
    assert!(status.success(), "{status}\nstderr:\n{}", t.stderr());
    for task in load {
        assert_eq!(task.await.unwrap(), None, "a load call got an HTTP error");
    }

    // One event per call made: CreateKey, every acknowledged Encrypt and the slow one.
    let events = audit_list(&data);
    let names = event_names(&events);
    let encrypts = ok.load(Ordering::SeqCst) + 1;
    assert_eq!(names.len() as u64, 1 + encrypts, "{names:?}");
    assert_eq!(names[0], "CreateKey");
    assert!(names[1..].iter().all(|n| *n == "Encrypt"), "{names:?}");
    assert!(
        events.iter().all(|e| e.get("errorCode").is_none()),
        "{events:?}"
    );
    assert_audit_verifies(&data);
}

#[tokio::test]
async fn sigterm_is_not_held_up_forever_by_a_stalled_client() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("trent.toml");
    std::fs::write(&config, "drain_timeout_seconds = 1\n").unwrap();
    let mut cmd = trent();
    cmd.arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"));
    let mut t = Trent::spawn(cmd, port);
    t.wait_healthy().await;
    let key = t.client().create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    // Headers sent, body never: the server is waiting in the handler.
    let stalled = SlowRequest::start(t.port, &key_id).await;
    t.sigterm();
    // The drain timeout is one second: the stalled connection is closed, the audit trail
    // flushed, and the process exits cleanly well before the client would give up.
    let status = t.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "{status}");
    drop(stalled);
}

/// A config file naming `listen`, `data_dir` and one identity (`AKIAALICE`).
fn write_config(dir: &Path, port: u16, data_dir: &Path) -> PathBuf {
    let path = dir.join("trent.toml");
    std::fs::write(
        &path,
        format!(
            r#"listen = "127.0.0.1:{port}"
data_dir = "{}"

[[identities]]
principal = "arn:aws:iam::444455556666:user/alice"
access_key_id = "AKIAALICE"
secret_access_key = "alice-secret-access-key"
policies = ['{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"kms:*","Resource":"*"}}]}}']
"#,
            data_dir.display()
        ),
    )
    .unwrap();
    path
}

#[tokio::test]
async fn a_config_file_sets_listen_data_dir_and_identities() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let data = dir.path().join("from-file");
    let config = write_config(dir.path(), port, &data);
    let mut cmd = trent();
    cmd.arg("serve").arg("--config").arg(&config);
    let mut t = Trent::spawn(cmd, port);
    t.wait_healthy().await;

    assert!(data.join("root.key").exists());
    let stdout = t.stdout_with("AKIAALICE").await;
    assert!(!stdout.contains("alice-secret-access-key"), "{stdout}");
    assert!(!stdout.contains("secret key:"), "{stdout}");

    let refused = t.client().list_keys().send().await.unwrap_err();
    let refused = refused.into_service_error();
    assert_eq!(refused.meta().code(), Some("UnrecognizedClientException"));

    let alice = client(&t.endpoint(), "AKIAALICE", "alice-secret-access-key");
    let key = alice.create_key().send().await.unwrap();
    assert!(
        key.key_metadata()
            .unwrap()
            .arn()
            .unwrap()
            .starts_with("arn:aws:kms:us-east-1:444455556666:key/")
    );
    assert_eq!(alice.list_keys().send().await.unwrap().keys().len(), 1);
}

#[tokio::test]
async fn environment_overrides_the_file_and_flags_override_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let file_data = dir.path().join("from-file");
    let config = write_config(dir.path(), free_port(), &file_data);

    // The environment over the file (named by the environment too).
    let env_port = free_port();
    let env_data = dir.path().join("from-env");
    let mut cmd = trent();
    cmd.arg("serve")
        .env("TRENT_CONFIG", &config)
        .env("TRENT_LISTEN", format!("127.0.0.1:{env_port}"))
        .env("TRENT_DATA_DIR", &env_data);
    let mut t = Trent::spawn(cmd, env_port);
    t.wait_healthy().await;
    t.stdout_with(&format!("http://127.0.0.1:{env_port}\n"))
        .await;
    assert!(env_data.join("root.key").exists());
    assert!(!file_data.exists());
    // The file's identities still apply.
    let alice = client(&t.endpoint(), "AKIAALICE", "alice-secret-access-key");
    alice.list_keys().send().await.unwrap();
    drop(t);

    // Flags over the environment (and the file).
    let flag_port = free_port();
    let flag_data = dir.path().join("from-flag");
    let mut cmd = trent();
    cmd.arg("serve")
        .arg("--config")
        .arg(&config)
        .arg("--listen")
        .arg(format!("127.0.0.1:{flag_port}"))
        .arg("--data-dir")
        .arg(&flag_data)
        .env("TRENT_LISTEN", format!("127.0.0.1:{}", free_port()))
        .env("TRENT_DATA_DIR", dir.path().join("from-env-2"));
    let mut t = Trent::spawn(cmd, flag_port);
    t.wait_healthy().await;
    assert!(flag_data.join("root.key").exists());
    assert!(!dir.path().join("from-env-2").exists());
    assert!(!file_data.exists());
    t.stdout_with(&format!("http://127.0.0.1:{flag_port}\n"))
        .await;
}

#[tokio::test]
async fn the_root_key_file_is_private_and_a_readable_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let root_key = data.join("root.key");
    let mut t = Trent::serve(&data).await;
    t.kill9();
    drop(t);
    assert_eq!(mode(&root_key), 0o600);
    assert_eq!(mode(&data), 0o700);

    std::fs::set_permissions(&root_key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let port = free_port();
    let mut cmd = trent();
    cmd.arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&data);
    let mut t = Trent::spawn(cmd, port);
    let status = t.wait_exit(STARTUP).await;
    assert!(!status.success());
    let stderr = t.stderr();
    assert!(
        stderr.contains(root_key.to_str().unwrap()),
        "the message names the file: {stderr}"
    );
    // Trent did not repair the mode behind the operator's back.
    assert_eq!(mode(&root_key), 0o644);
}

#[tokio::test]
async fn default_credentials_are_refused_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = run(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refusing to listen on 0.0.0.0"), "{stderr}");
    assert!(!data.exists(), "nothing is created before the refusal");
}

#[tokio::test]
async fn bench_reports_throughput_and_latency() {
    let dir = tempfile::tempdir().unwrap();
    let t = Trent::serve(&dir.path().join("data")).await;
    // Sleeping between responses, and polling for them.
    for extra in [None, Some("--busy-poll")] {
        let endpoint = t.endpoint();
        let out = tokio::task::spawn_blocking(move || {
            let mut args = vec![
                "bench",
                "--endpoint",
                &endpoint,
                "--operation",
                "Encrypt",
                "--concurrency",
                "4",
                "--duration",
                "1",
            ];
            args.extend(extra);
            run(&args)
        })
        .await
        .unwrap();
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
        let line = stdout
            .lines()
            .find(|l| l.contains("requests/s"))
            .unwrap_or_else(|| panic!("no requests/s in {stdout}"));
        assert!(line.contains("p99"), "{line}");
        assert!(line.contains(" 0 errors"), "{line}");
        assert!(!line.contains(": 0 ok"), "{line}");
    }
}

#[test]
fn a_pruned_trail_still_verifies_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let admin = |name: &str| {
        let out = run(&[
            "admin",
            "create-user",
            "--account",
            "111122223333",
            "--name",
            name,
            "--data-dir",
            data_arg,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    admin("first");
    admin("second");
    assert_eq!(
        event_names(&audit_list(&data)),
        ["CreateUser", "CreateUser"]
    );

    // Nothing is a day old yet.
    let kept = run(&[
        "audit",
        "prune",
        "--older-than-days",
        "1",
        "--data-dir",
        data_arg,
    ]);
    assert!(kept.status.success(), "{}", text(&kept.stderr));
    assert_eq!(audit_list(&data).len(), 2);

    let pruned = run(&[
        "audit",
        "prune",
        "--older-than-days",
        "0",
        "--data-dir",
        data_arg,
    ]);
    assert!(pruned.status.success(), "{}", text(&pruned.stderr));
    assert!(
        text(&pruned.stdout).contains("pruned 2 events"),
        "{}",
        text(&pruned.stdout)
    );
    assert!(audit_list(&data).is_empty());
    assert_audit_verifies(&data);

    // The next event chains on the last one pruned.
    admin("third");
    assert_eq!(event_names(&audit_list(&data)), ["CreateUser"]);
    assert_audit_verifies(&data);
    let out = run(&["audit", "verify", "--data-dir", data_arg]);
    assert!(
        text(&out.stdout).contains("1 events after event 2 (pruned)"),
        "{}",
        text(&out.stdout)
    );
}
