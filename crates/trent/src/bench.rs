//! `trent bench`: a load generator for any KMS endpoint. It signs every request with SigV4
//! as an SDK does, keeps `concurrency` requests in flight for `duration`, and reports
//! requests per second and latency percentiles.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use trent_server::sigv4::{self, Signer, SigningKey};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// The endpoint to drive.
    #[arg(long, default_value = "http://127.0.0.1:4599")]
    pub endpoint: String,
    /// Encrypt, Decrypt, GenerateDataKey, GenerateRandom, DescribeKey, Sign or GenerateMac.
    #[arg(long, default_value = "Encrypt")]
    pub operation: String,
    /// The spec of the key created when no --key-id is given: SYMMETRIC_DEFAULT for the
    /// encryption operations; for Sign, e.g. ECC_NIST_P256 or RSA_2048; for GenerateMac,
    /// an HMAC spec. Defaults to what the operation needs.
    #[arg(long)]
    pub key_spec: Option<String>,
    /// The signing algorithm for Sign; by default the key spec's natural one
    /// (RSASSA_PSS_SHA_256 for RSA, ECDSA with the curve's hash, ...).
    #[arg(long)]
    pub signing_algorithm: Option<String>,
    /// Requests kept in flight.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    pub duration: u64,
    /// Plaintext bytes for Encrypt (and for the ciphertext Decrypt uses).
    #[arg(long, default_value_t = 1024)]
    pub size: usize,
    /// The key to use; a new symmetric key is created when none is given.
    #[arg(long)]
    pub key_id: Option<String>,
    /// A key policy (a JSON file) for the key created when no --key-id is given; AWS's
    /// default key policy when none is given.
    #[arg(long, conflicts_with = "key_id")]
    pub policy: Option<std::path::PathBuf>,
    /// Wait for responses by polling, never sleeping. A generator on the server's machine
    /// otherwise costs the server's core a cross-core wake-up for every response, which a
    /// client on another machine would not; use it when measuring the server's own cost.
    #[arg(long)]
    pub busy_poll: bool,
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", default_value = "test")]
    pub access_key_id: String,
    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        default_value = "test",
        hide_env_values = true
    )]
    pub secret_access_key: String,
}

struct Target {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: http::Uri,
    host: HeaderValue,
    access_key_id: String,
    secret: String,
    region: String,
}

impl Target {
    async fn call(&self, operation: &str, body: Bytes) -> Result<(u16, Bytes), BoxError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, self.host.clone());
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_str(&format!("TrentService.{operation}"))?,
        );
        let now_ms = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis(),
        )?;
        let amz_date = sigv4::amz_date(now_ms);
        // An SDK derives the signing key once a day; so does this client, in effect, since
        // deriving is cheap next to the request. Deriving per request keeps it honest.
        let key = SigningKey::derive(self.secret.as_bytes(), &amz_date[..8], &self.region, "kms");
        let signer = Signer {
            access_key_id: &self.access_key_id,
            key: &key,
            region: &self.region,
            service: "kms",
        };
        sigv4::sign("POST", "/", "", &mut headers, &body, &signer, &amz_date)?;
        let mut req = Request::post(self.uri.clone()).body(Full::new(body))?;
        *req.headers_mut() = headers;
        let resp = self.client.request(req).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    async fn call_ok(
        &self,
        operation: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, BoxError> {
        let (status, body) = self.call(operation, Bytes::from(body.to_string())).await?;
        if status != 200 {
            return Err(format!(
                "{operation} failed ({status}): {}",
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

pub async fn run(args: BenchArgs) -> Result<(), BoxError> {
    let uri: http::Uri = args.endpoint.parse()?;
    let authority = uri
        .authority()
        .ok_or("the endpoint has no host")?
        .to_string();
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(args.concurrency)
        .build(connector);
    let target = std::sync::Arc::new(Target {
        client,
        uri,
        host: HeaderValue::from_str(&authority)?,
        access_key_id: args.access_key_id.clone(),
        secret: args.secret_access_key.clone(),
        region: args.region.clone(),
    });

    let (default_spec, usage) = match args.operation.as_str() {
        "Sign" => ("ECC_NIST_P256", "SIGN_VERIFY"),
        "GenerateMac" => ("HMAC_256", "GENERATE_VERIFY_MAC"),
        _ => ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    };
    let key_spec = args
        .key_spec
        .clone()
        .unwrap_or_else(|| default_spec.to_owned());
    let key_id = match &args.key_id {
        Some(k) => k.clone(),
        None => {
            let mut create = serde_json::json!({
                "Description": "trent bench",
                "KeySpec": key_spec,
                "KeyUsage": usage,
            });
            if let Some(path) = &args.policy {
                let policy = std::fs::read_to_string(path)
                    .map_err(|e| format!("key policy {}: {e}", path.display()))?;
                create["Policy"] = serde_json::Value::String(policy);
            }
            let created = target.call_ok("CreateKey", create).await?;
            created["KeyMetadata"]["KeyId"]
                .as_str()
                .ok_or("CreateKey answered without a key id")?
                .to_owned()
        }
    };
    let plaintext = STANDARD.encode(vec![0x5a; args.size]);
    let body = match args.operation.as_str() {
        "Encrypt" => serde_json::json!({"KeyId": key_id, "Plaintext": plaintext}),
        "GenerateDataKey" => serde_json::json!({"KeyId": key_id, "KeySpec": "AES_256"}),
        "GenerateRandom" => serde_json::json!({"NumberOfBytes": 32}),
        "DescribeKey" => serde_json::json!({"KeyId": key_id}),
        "Sign" => {
            let algorithm = if key_spec.starts_with("RSA") {
                "RSASSA_PSS_SHA_256"
            } else if key_spec == "ECC_NIST_P384" {
                "ECDSA_SHA_384"
            } else if key_spec == "ECC_NIST_P521" {
                "ECDSA_SHA_512"
            } else if key_spec == "ECC_NIST_EDWARDS25519" {
                "ED25519_SHA_512"
            } else if key_spec.starts_with("ML_DSA") {
                "ML_DSA_SHAKE_256"
            } else {
                "ECDSA_SHA_256"
            };
            serde_json::json!({
                "KeyId": key_id,
                "Message": STANDARD.encode(vec![0x5a; args.size.min(4096)]),
                "SigningAlgorithm": args.signing_algorithm.as_deref().unwrap_or(algorithm),
            })
        }
        "GenerateMac" => serde_json::json!({
            "KeyId": key_id,
            "Message": STANDARD.encode(vec![0x5a; args.size.min(4096)]),
            "MacAlgorithm": key_spec.replace("HMAC_", "HMAC_SHA_"),
        }),
        "Decrypt" => {
            let enc = target
                .call_ok(
                    "Encrypt",
                    serde_json::json!({"KeyId": key_id, "Plaintext": plaintext}),
                )
                .await?;
            serde_json::json!({"CiphertextBlob": enc["CiphertextBlob"]})
        }
        other => return Err(format!("trent bench does not drive {other}").into()),
    };
    let body = Bytes::from(body.to_string());
    // One call before the clock starts, so the key is cached and connections are warm.
    let (status, resp) = target.call(&args.operation, body.clone()).await?;
    if status != 200 {
        return Err(format!(
            "{} failed ({status}): {}",
            args.operation,
            String::from_utf8_lossy(&resp)
        )
        .into());
    }

    let duration = Duration::from_secs(args.duration.max(1));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(args.concurrency);
    if args.busy_poll {
        // A task that always has more to do keeps the runtime from parking: it polls the
        // sockets without blocking between its turns.
        tokio::spawn(async move {
            while Instant::now() < deadline {
                tokio::task::yield_now().await;
            }
        });
    }
    for _ in 0..args.concurrency.max(1) {
        let target = target.clone();
        let body = body.clone();
        let op = args.operation.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(64 * 1024);
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match target.call(&op, body.clone()).await {
                    Ok((200, _)) => {
                        latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 - 1.0) * p).round() as usize;
        f64::from(all[i.min(all.len() - 1)]) / 1000.0
    };
    println!(
        "{} x{} for {:.1}s: {} ok, {} errors, {:.0} requests/s, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        args.operation,
        args.concurrency,
        elapsed,
        all.len(),
        errors,
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        all.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
    );
    Ok(())
}
