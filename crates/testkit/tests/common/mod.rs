//! Helpers shared by the end-to-end test files: creating keys, reading errors the way the
//! SDK types them, comparing timestamps, and a client that signs with the server's clock.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

pub mod asymmetric;
pub mod grants;
pub mod import;
pub mod multi_region_import;

use std::collections::HashMap;
use std::fmt::Debug;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_kms::Client;
use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{KeyMetadata, Tag};
use trent_testkit::TestServer;
use trent_types::{Clock, ManualClock, Timestamp};

/// The account of the default credentials.
pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";

/// The ARN of a key of the default account in us-east-1.
pub fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}")
}

/// The ARN of an alias of the default account in us-east-1.
pub fn alias_arn(name: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:{name}")
}

/// Creates a symmetric key and returns its metadata.
pub async fn create_key(kms: &Client) -> KeyMetadata {
    kms.create_key().send().await.unwrap().key_metadata.unwrap()
}

/// Creates a symmetric key and returns its id.
pub async fn key_id(kms: &Client) -> String {
    create_key(kms).await.key_id
}

pub async fn create_alias(kms: &Client, name: &str, target: &str) {
    kms.create_alias()
        .alias_name(name)
        .target_key_id(target)
        .send()
        .await
        .unwrap();
}

pub async fn describe(kms: &Client, key: &str) -> KeyMetadata {
    kms.describe_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
}

/// Encrypts `plaintext` under `key` with an encryption context of `(key, value)` pairs.
pub async fn encrypt(
    kms: &Client,
    key: &str,
    plaintext: &[u8],
    context: &[(&str, &str)],
) -> Vec<u8> {
    kms.encrypt()
        .key_id(key)
        .plaintext(Blob::new(plaintext))
        .set_encryption_context(ctx(context))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap()
        .into_inner()
}

/// Decrypts without naming the key.
pub async fn decrypt(kms: &Client, blob: &[u8], context: &[(&str, &str)]) -> Vec<u8> {
    kms.decrypt()
        .ciphertext_blob(Blob::new(blob))
        .set_encryption_context(ctx(context))
        .send()
        .await
        .unwrap()
        .plaintext
        .unwrap()
        .into_inner()
}

/// An encryption context for a request: `None` when there are no pairs.
pub fn ctx(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    (!pairs.is_empty()).then(|| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    })
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .tag_key(key)
        .tag_value(value)
        .build()
        .unwrap()
}

/// A key's tags as `(key, value)` pairs, in the order ListResourceTags gives them.
pub async fn tags_of(kms: &Client, key: &str) -> Vec<(String, String)> {
    kms.list_resource_tags()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.tag_key().to_owned(), t.tag_value().to_owned()))
        .collect()
}

/// The service error a call ended in; fails the test if it succeeded or never got an answer.
pub fn fail<T: Debug, E: Debug, R: Debug>(result: Result<T, SdkError<E, R>>) -> E {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(SdkError::ServiceError(e)) => e.into_err(),
        Err(other) => panic!("expected a service error, got {other:?}"),
    }
}

/// The `__type` of an error.
pub fn code<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.code().unwrap_or_default()
}

/// The `message` of an error.
pub fn message<E: ProvideErrorMetadata>(e: &E) -> &str {
    e.message().unwrap_or_default()
}

/// Asserts a `ValidationException` (the SDK has no typed variant for it) with this message.
pub fn assert_validation<E: ProvideErrorMetadata + Debug>(e: &E, expected: &str) {
    assert_eq!(code(e), "ValidationException", "{e:?}");
    assert_eq!(message(e), expected);
}

/// AWS's message for one violated constraint of the model.
pub fn one_violation(value: Option<&str>, member: &str, constraint: &str) -> String {
    let value = value.map_or_else(|| "Value".to_owned(), |v| format!("Value '{v}'"));
    format!(
        "1 validation error detected: {value} at '{member}' failed to satisfy constraint: \
         Member must {constraint}"
    )
}

/// Milliseconds since the epoch of a timestamp from a response.
pub fn millis(t: &DateTime) -> i64 {
    t.to_millis().unwrap()
}

/// Asserts a timestamp from a response is `expected` (the wire carries fractional seconds,
/// which may round by a millisecond).
pub fn assert_time(actual: Option<&DateTime>, expected: Timestamp) {
    let actual = millis(actual.expect("a timestamp"));
    assert!(
        (actual - expected.millis()).abs() <= 1,
        "{actual} is not {}",
        expected.millis()
    );
}

/// Every key of a listing: pages through ListKeys with `limit`.
pub async fn all_keys(kms: &Client, limit: i32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut marker = None;
    loop {
        let page = kms
            .list_keys()
            .limit(limit)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        ids.extend(page.keys().iter().map(|k| k.key_id().unwrap().to_owned()));
        if !page.truncated() {
            assert_eq!(page.next_marker(), None);
            return ids;
        }
        marker = Some(page.next_marker().unwrap().to_owned());
    }
}

/// Every alias name of the caller's region, by ListAliases.
pub async fn alias_names(kms: &Client) -> Vec<String> {
    kms.list_aliases()
        .send()
        .await
        .unwrap()
        .aliases()
        .iter()
        .map(|a| a.alias_name().unwrap().to_owned())
        .collect()
}

/// A client of `server` in `region` that signs with the server's clock, so a test that
/// moves the clock by days stays inside SigV4's 15-minute window. (`server.client()` signs
/// with the wall clock, which the server stops accepting once its clock moved.)
pub fn clock_client(server: &TestServer, region: &str) -> Client {
    clock_client_as(server, region, "test", "test")
}

/// [`clock_client`] with other credentials.
pub fn clock_client_as(
    server: &TestServer,
    region: &str,
    access_key: &str,
    secret: &str,
) -> Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&server.endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            access_key,
            secret,
            None,
            None,
            "trent-tests",
        ))
        .retry_config(RetryConfig::disabled())
        .time_source(ServerTime(server.clock.clone()))
        // The server's `Date` header is wall-clock time; learning a skew from it would undo
        // the time source.
        .disable_clock_skew_correction(true)
        .build();
    Client::from_conf(config)
}

#[derive(Debug)]
struct ServerTime(ManualClock);

impl aws_smithy_async::time::TimeSource for ServerTime {
    fn now(&self) -> SystemTime {
        let ms = u64::try_from(self.0.now().millis()).unwrap_or(0);
        UNIX_EPOCH + Duration::from_millis(ms)
    }
}

/// Polls DescribeKey until the key is gone (the deletion job runs every 50 ms in tests).
pub async fn wait_until_deleted(kms: &Client, key: &str) {
    for _ in 0..100 {
        match kms.describe_key().key_id(key).send().await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => {
                let e = e.into_service_error();
                assert!(e.is_not_found_exception(), "{e:?}");
                return;
            }
        }
    }
    panic!("{key} was not deleted within 5 seconds");
}

/// Flips one bit of byte `at`.
pub fn flip(blob: &[u8], at: usize) -> Vec<u8> {
    let mut out = blob.to_vec();
    out[at] ^= 0x01;
    out
}

/// Base64 as the wire carries blobs.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The events named `name` of a stopped server's audit trail, whose chain must verify.
pub async fn service_events(data_dir: &std::path::Path, name: &str) -> Vec<serde_json::Value> {
    let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db"))
        .await
        .unwrap();
    let records = trent_store::Store::list_audit(&store, 0, 100_000)
        .await
        .unwrap();
    trent_audit::verify_chain([0; 32], 1, &records).unwrap();
    records
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.event_json).unwrap())
        .filter(|e| e["eventName"] == name)
        .collect()
}

/// Asserts no file of the database (`trent.db` and its `-wal` / `-shm`) holds any of the
/// secrets, raw or base64. Returns the names of the files it read.
pub fn assert_not_in_db(data_dir: &std::path::Path, secrets: &[&[u8]]) -> Vec<String> {
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("trent.db") {
            continue;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(b) => b,
            // SQLite removes `-wal` and `-shm` when its last connection closes, which may
            // happen between listing and reading.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && name != "trent.db" => continue,
            Err(e) => panic!("{name}: {e}"),
        };
        checked.push(name.clone());
        for secret in secrets {
            assert!(
                !contains(&bytes, secret),
                "{name} holds a plaintext ({} bytes)",
                secret.len()
            );
            assert!(
                !contains(&bytes, b64(secret).as_bytes()),
                "{name} holds a plaintext in base64"
            );
        }
    }
    assert!(
        checked.iter().any(|n| n == "trent.db"),
        "no database in {}",
        data_dir.display()
    );
    checked
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
