//! `trent admin` as a child process beside a running `trent serve` on the same data
//! directory: users in two accounts, their access keys, policies attached and detached, a key
//! revoked, each change seen by the server within its job interval (a key created, at once);
//! secrets never in the database files; everything kept across a restart; and the
//! configuration winning over the store where both name a principal.

// (clippy.toml lets `#[test]` functions unwrap; this extends that to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_kms::Client;
use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const A: &str = "111122223333";
const B: &str = "444455556666";
const STARTUP: Duration = Duration::from_secs(10);
/// Well past the one-second job interval the tests configure.
const CHANGE_SEEN: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
const ALL_KMS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#;
const ENCRYPT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}"#;

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
    cmd.env("TRENT_LOG", "warn").stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `trent admin ARGS --data-dir DIR` to completion.
fn admin(data_dir: &Path, args: &[&str]) -> Output {
    trent()
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap()
}

/// `trent admin ARGS --json`, which must succeed; its output parsed.
fn admin_json(data_dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = admin(data_dir, &all);
    assert!(
        out.status.success(),
        "trent admin {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// `trent admin ARGS`, which must fail; its standard error.
fn admin_fails(data_dir: &Path, args: &[&str]) -> String {
    let out = admin(data_dir, args);
    assert!(
        !out.status.success(),
        "trent admin {args:?} succeeded: {}",
        text(&out.stdout)
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    text(&out.stderr)
}

/// An access key issued by `trent admin create-access-key`.
struct Key {
    id: String,
    secret: String,
}

fn create_access_key(data_dir: &Path, principal: &str) -> Key {
    let out = admin_json(data_dir, &["create-access-key", "--principal", principal]);
    let key = &out["AccessKey"];
    assert_eq!(key["Principal"], principal);
    assert_eq!(key["Status"], "Active");
    Key {
        id: key["AccessKeyId"].as_str().unwrap().to_owned(),
        secret: key["SecretAccessKey"].as_str().unwrap().to_owned(),
    }
}

fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

/// A running `trent serve`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

impl Server {
    /// `trent serve --config FILE` (which names the port), answering `/health`.
    async fn start(config: &Path, port: u16) -> Self {
        let mut child = trent()
            .arg("serve")
            .arg("--config")
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let mut server = Self {
            child,
            port,
            stdout,
            stderr,
        };
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "trent exited ({status}) before answering /health\n{}",
                    server.stderr.lock().unwrap()
                );
            }
            if health(port).await {
                break;
            }
            assert!(Instant::now() < deadline, "no /health within {STARTUP:?}");
            tokio::time::sleep(POLL).await;
        }
        // The startup lines come before the listener answers, but the reader may lag.
        let deadline = Instant::now() + STARTUP;
        while !server.stdout().contains("data directory") {
            assert!(Instant::now() < deadline, "no startup output");
            tokio::time::sleep(POLL).await;
        }
        server
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
            assert!(Instant::now() < deadline, "no {needle:?} in:\n{stdout}");
            tokio::time::sleep(POLL).await;
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn client(&self, key: &Key) -> Client {
        client(self.port, &key.id, &key.secret)
    }

    /// Stops it the way SIGTERM does, and waits.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + STARTUP;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "trent did not stop");
            std::thread::sleep(POLL);
        }
    }
}

async fn health(port: u16) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
        return false;
    };
    let request =
        format!("GET /health HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    raw.starts_with(b"HTTP/1.1 200")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client(port: u16, access_key: &str, secret: &str) -> Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "trent-admin-test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

/// A config file: the port, the data directory, a one-second job interval, and `extra`.
fn write_config(dir: &Path, port: u16, data_dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("trent.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\njob_interval_seconds = 1\n{extra}",
            data_dir.display()
        ),
    )
    .unwrap();
    path
}

/// The error code of a failed call, or "ok".
async fn outcome<T, E: ProvideErrorMetadata>(
    call: impl std::future::Future<Output = Result<T, aws_sdk_kms::error::SdkError<E>>>,
) -> String {
    match call.await {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code().unwrap_or("(no code)").to_owned(),
    }
}

/// Calls `probe` until it gives `want`; panics after [`CHANGE_SEEN`]. Returns how long it
/// took.
async fn eventually<F, Fut>(what: &str, want: &str, mut probe: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let start = Instant::now();
    loop {
        let got = probe().await;
        if got == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < CHANGE_SEEN,
            "{what}: still {got} after {CHANGE_SEEN:?}, want {want}"
        );
        tokio::time::sleep(POLL).await;
    }
}

async fn encrypt(kms: &Client, key_id: &str) -> String {
    outcome(
        kms.encrypt()
            .key_id(key_id)
            .plaintext(Blob::new(b"admin test".to_vec()))
            .send(),
    )
    .await
}

/// Asserts no database file holds any of the secrets.
fn assert_not_in_db(data_dir: &Path, secrets: &[&str]) {
    let mut checked = 0;
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("trent.db") {
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else {
            continue;
        };
        checked += 1;
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{name} holds a secret access key"
            );
        }
    }
    assert!(checked >= 1);
}

#[tokio::test]
async fn identities_managed_by_admin_are_served_while_trent_runs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let config = write_config(dir.path(), port, &data, "");

    // Before the first start: a user of account A. With it stored, the default `test`
    // identity is not served.
    let created = admin_json(
        &data,
        &[
            "create-user",
            "--account",
            A,
            "--name",
            "alice",
            "--tag",
            "team=blue",
        ],
    );
    assert_eq!(created["Principal"]["Arn"], user(A, "alice"));
    assert_eq!(created["Principal"]["Tags"]["team"], "blue");
    let server = Server::start(&config, port).await;
    server.stdout_with("no access key is active").await;
    let test = client(port, "test", "test");
    assert_eq!(
        outcome(test.list_keys().send()).await,
        "UnrecognizedClientException"
    );

    // While it runs: a user of account B and one more of A, and keys for all, in AWS's formats.
    admin_json(&data, &["create-user", "--account", B, "--name", "bob"]);
    admin_json(&data, &["create-user", "--account", A, "--name", "carol"]);
    let alice = create_access_key(&data, &user(A, "alice"));
    let bob = create_access_key(&data, &user(B, "bob"));
    let carol = create_access_key(&data, &user(A, "carol"));
    for key in [&alice, &bob, &carol] {
        assert_eq!(key.id.len(), 20, "{}", key.id);
        assert!(key.id.starts_with("AKIA"));
        assert!(
            key.id[4..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_eq!(key.secret.len(), 40);
    }
    let listed = admin_json(&data, &["list-access-keys"]);
    let listed = listed["AccessKeys"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed.iter().all(|k| k.get("SecretAccessKey").is_none()),
        "{listed:?}"
    );
    let human = admin(&data, &["list-access-keys"]);
    for key in [&alice, &bob, &carol] {
        assert!(text(&human.stdout).contains(&key.id));
        assert!(!text(&human.stdout).contains(&key.secret));
    }

    // A new key works at once; without an identity policy alice may do nothing with the
    // default key policy...
    let kms_alice = server.client(&alice);
    assert_eq!(
        outcome(kms_alice.create_key().send()).await,
        "AccessDeniedException"
    );
    // ... and with one attached, everything, once the server has reloaded.
    admin_json(
        &data,
        &[
            "attach-policy",
            "--principal",
            &user(A, "alice"),
            "--name",
            "AllKms",
            "--document",
            ALL_KMS,
        ],
    );
    eventually("alice's new policy", "ok", || async {
        outcome(kms_alice.list_keys().send()).await
    })
    .await;

    // A key of account A whose policy names carol (same account, no identity policy) and
    // lets bob's account in (cross-account: bob needs an identity policy too).
    let key_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"{carol}"}},"Action":"kms:Encrypt","Resource":"*"}},
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{B}:root"}},"Action":"kms:Encrypt","Resource":"*"}}]}}"#,
        carol = user(A, "carol"),
    );
    let shared = kms_alice
        .create_key()
        .policy(key_policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    assert!(shared.contains(&format!(":{A}:key/")), "{shared}");
    let kms_carol = server.client(&carol);
    assert_eq!(encrypt(&kms_carol, &shared).await, "ok");
    let kms_bob = server.client(&bob);
    assert_eq!(encrypt(&kms_bob, &shared).await, "AccessDeniedException");
    admin_json(
        &data,
        &[
            "attach-policy",
            "--principal",
            &user(B, "bob"),
            "--name",
            "Encrypt",
            "--document",
            ENCRYPT,
        ],
    );
    eventually("bob's new policy", "ok", || encrypt(&kms_bob, &shared)).await;
    // Bob's keys are his account's.
    assert_eq!(
        outcome(kms_bob.create_key().send()).await,
        "AccessDeniedException"
    );

    // Revoked: refused as an unknown key, within the job interval.
    let revoked = admin_json(&data, &["revoke-access-key", "--access-key-id", &alice.id]);
    assert_eq!(revoked["Status"], "Inactive");
    let took = eventually(
        "alice's revoked key",
        "UnrecognizedClientException",
        || async { outcome(kms_alice.list_keys().send()).await },
    )
    .await;
    assert!(took < Duration::from_secs(5), "{took:?}");
    let refused = kms_alice.list_keys().send().await.unwrap_err();
    assert_eq!(
        refused.into_service_error().message(),
        Some("The security token included in the request is invalid.")
    );
    // Detached: access goes.
    admin_json(
        &data,
        &[
            "detach-policy",
            "--principal",
            &user(B, "bob"),
            "--name",
            "Encrypt",
        ],
    );
    eventually("bob's detached policy", "AccessDeniedException", || {
        encrypt(&kms_bob, &shared)
    })
    .await;
    assert_eq!(encrypt(&kms_carol, &shared).await, "ok");

    // No secret in the database, while it runs and once it stopped.
    let secrets = [
        alice.secret.as_str(),
        bob.secret.as_str(),
        carol.secret.as_str(),
    ];
    assert_not_in_db(&data, &secrets);
    let stderr = server.stderr();
    for s in secrets {
        assert!(!stderr.contains(s) && !server.stdout().contains(s));
    }
    server.stop();
    assert_not_in_db(&data, &secrets);

    // After a restart: the same identities, the same answers.
    let server = Server::start(&config, port).await;
    let stdout = server.stdout_with(&carol.id).await;
    assert!(stdout.contains(&bob.id), "{stdout}");
    assert!(
        !stdout.contains(&alice.id),
        "an inactive key is not served: {stdout}"
    );
    assert_eq!(encrypt(&server.client(&carol), &shared).await, "ok");
    assert_eq!(
        encrypt(&server.client(&bob), &shared).await,
        "AccessDeniedException"
    );
    assert_eq!(
        outcome(server.client(&alice).list_keys().send()).await,
        "UnrecognizedClientException"
    );
    // Activated again, it works again (its policy stayed attached).
    admin_json(
        &data,
        &["activate-access-key", "--access-key-id", &alice.id],
    );
    let kms_alice = server.client(&alice);
    eventually("alice's reactivated key", "ok", || async {
        outcome(kms_alice.list_keys().send()).await
    })
    .await;
    let principals = admin_json(&data, &["list-principals", "--account", A]);
    let arns: Vec<_> = principals["Principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Arn"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(arns, [user(A, "alice"), user(A, "carol")]);

    // Deleting carol (with --force: she has a key) takes her access away.
    let e = admin_fails(&data, &["delete-user", "--account", A, "--name", "carol"]);
    assert!(e.contains("must delete access keys first"), "{e}");
    admin_json(
        &data,
        &["delete-user", "--account", A, "--name", "carol", "--force"],
    );
    let kms_carol = server.client(&carol);
    eventually("carol's deletion", "UnrecognizedClientException", || {
        encrypt(&kms_carol, &shared)
    })
    .await;
    server.stop();

    // Each change made with `trent admin` beside the running server is in the one audit
    // trail as IAM's event, the chain over them and the server's calls verifies, and no
    // secret access key is in it.
    let verify = trent()
        .args(["audit", "verify", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    let listed = trent()
        .args(["audit", "list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let trail = text(&listed.stdout);
    let events: Vec<Value> = trail
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let iam: Vec<&str> = events
        .iter()
        .filter(|e| e["eventSource"] == "iam.amazonaws.com")
        .map(|e| e["eventName"].as_str().unwrap())
        .collect();
    for name in [
        "CreateUser",
        "CreateAccessKey",
        "PutUserPolicy",
        "UpdateAccessKey",
        "DeleteUserPolicy",
        "DeleteAccessKey",
        "DeleteUser",
    ] {
        assert!(iam.contains(&name), "{name} missing from {iam:?}");
    }
    assert!(
        events
            .iter()
            .any(|e| e["eventSource"] == "kms.amazonaws.com")
    );
    let created = events
        .iter()
        .find(|e| e["eventName"] == "CreateUser")
        .unwrap();
    assert_eq!(created["requestParameters"]["userName"], "alice");
    assert_eq!(created["recipientAccountId"], A);
    for key in [&alice, &bob, &carol] {
        assert!(trail.contains(&key.id));
        assert!(!trail.contains(&key.secret));
    }
}

#[tokio::test]
async fn admin_refuses_bad_arguments_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let e = admin_fails(&data, &["list-principals"]);
    assert!(e.contains("no Trent database"), "{e}");
    assert!(!data.exists(), "listing creates nothing");

    admin_json(
        &data,
        &[
            "create-role",
            "--account",
            B,
            "--name",
            "Deployer",
            "--path",
            "/ci/",
        ],
    );
    let e = admin_fails(
        &data,
        &["create-role", "--account", B, "--name", "deployer"],
    );
    assert!(
        e.contains("Role with name deployer already exists in account 444455556666."),
        "{e}"
    );
    let e = admin_fails(&data, &["create-user", "--account", "12345", "--name", "x"]);
    assert!(e.contains("not an account id"), "{e}");
    let e = admin_fails(
        &data,
        &["create-user", "--account", A, "--name", "no spaces"],
    );
    assert!(e.contains("not a valid user name"), "{e}");
    let e = admin_fails(
        &data,
        &[
            "create-user",
            "--account",
            A,
            "--name",
            "x",
            "--tag",
            "novalue",
        ],
    );
    assert!(e.contains("KEY=VALUE"), "{e}");
    let e = admin_fails(
        &data,
        &[
            "create-user",
            "--account",
            A,
            "--name",
            "x",
            "--tag",
            "aws:x=1",
        ],
    );
    assert!(e.contains("reserved"), "{e}");
    let e = admin_fails(
        &data,
        &["create-access-key", "--principal", &user(A, "nobody")],
    );
    assert!(e.contains("cannot be found"), "{e}");
    let e = admin_fails(&data, &["create-access-key", "--principal", "alice"]);
    assert!(e.contains("not a user or role ARN"), "{e}");
    let e = admin_fails(
        &data,
        &[
            "revoke-access-key",
            "--access-key-id",
            "AKIA0000000000000000",
        ],
    );
    assert!(
        e.contains("The Access Key with id AKIA0000000000000000 cannot be found."),
        "{e}"
    );
    let e = admin_fails(
        &data,
        &["delete-user", "--account", B, "--name", "Deployer"],
    );
    assert!(e.contains("cannot be found"), "{e}");

    // Policies: malformed ones refused, with the parser's reason; from a file too.
    let role = format!("arn:aws:iam::{B}:role/ci/Deployer");
    for (doc, why) in [
        ("{", "malformed identity policy"),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*"}]}"#,
            "resource",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}"#,
            "malformed identity policy",
        ),
    ] {
        let e = admin_fails(
            &data,
            &[
                "attach-policy",
                "--principal",
                &role,
                "--name",
                "P",
                "--document",
                doc,
            ],
        );
        assert!(e.to_lowercase().contains(why), "{doc}: {e}");
    }
    let file = dir.path().join("policy.json");
    std::fs::write(&file, ALL_KMS).unwrap();
    let at_file = format!("@{}", file.display());
    let attached = admin_json(
        &data,
        &[
            "attach-policy",
            "--principal",
            &role,
            "--name",
            "P",
            "--document",
            &at_file,
        ],
    );
    assert_eq!(attached["Replaced"], false);
    let attached = admin_json(
        &data,
        &[
            "attach-policy",
            "--principal",
            &role,
            "--name",
            "P",
            "--document",
            ENCRYPT,
        ],
    );
    assert_eq!(attached["Replaced"], true);
    let listed = admin_json(&data, &["list-policies", "--principal", &role]);
    assert_eq!(
        listed["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"],
        "kms:Encrypt"
    );
    let e = admin_fails(
        &data,
        &[
            "attach-policy",
            "--principal",
            &role,
            "--name",
            "Q",
            "--document",
            "@/no/such/file",
        ],
    );
    assert!(e.contains("/no/such/file"), "{e}");
    let e = admin_fails(
        &data,
        &["detach-policy", "--principal", &role, "--name", "Q"],
    );
    assert!(e.contains("cannot be found"), "{e}");

    // At most two access keys per principal, as in IAM.
    create_access_key(&data, &role);
    create_access_key(&data, &role);
    let e = admin_fails(&data, &["create-access-key", "--principal", &role]);
    assert!(e.contains("AccessKeysPerUser: 2"), "{e}");
    // Human-readable output says what happened.
    let out = admin(&data, &["list-principals"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains(&role), "{}", text(&out.stdout));
}

#[tokio::test]
async fn the_configuration_wins_over_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let config = write_config(
        dir.path(),
        port,
        &data,
        &format!(
            r#"
[[identities]]
principal = "{}"
access_key_id = "AKIACONFIGUREDALICE1"
secret_access_key = "configured-alice-secret"
policies = ['{ALL_KMS}']
"#,
            user(A, "alice")
        ),
    );
    let config_arg = config.to_str().unwrap();

    // Without the configuration, admin does not know alice is configured and stores her.
    admin_json(&data, &["create-user", "--account", A, "--name", "alice"]);
    let stored = create_access_key(&data, &user(A, "alice"));
    // With it, admin refuses to create a configured principal.
    let e = admin_fails(
        &data,
        &[
            "--config",
            config_arg,
            "create-user",
            "--account",
            A,
            "--name",
            "Alice",
        ],
    );
    assert!(e.contains("defined in the configuration file"), "{e}");
    // ... and finds the data directory through the file.
    let listed = trent()
        .args(["admin", "list-principals", "--json", "--config", config_arg])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["Principals"][0]["Arn"], user(A, "alice"));

    let server = Server::start(&config, port).await;
    // The configured alice is served, the stored one is not.
    let configured = client(port, "AKIACONFIGUREDALICE1", "configured-alice-secret");
    assert_eq!(outcome(configured.list_keys().send()).await, "ok");
    assert_eq!(
        outcome(server.client(&stored).list_keys().send()).await,
        "UnrecognizedClientException"
    );
    let stdout = server.stdout_with("AKIACONFIGUREDALICE1").await;
    assert!(!stdout.contains(&stored.id), "{stdout}");
    server.stop();
}
