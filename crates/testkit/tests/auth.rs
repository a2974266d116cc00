//! Authentication through the wire: raw HTTP/1.1 requests against a real server, each
//! refused with the error AWS KMS gives (`__type`, status, `x-amzn-RequestId`) and each
//! leaving exactly one audit event with that `errorCode`.

// (clippy.toml lets `#[test]` functions unwrap, a failed unwrap being a failed test; this
// extends that to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trent_server::MAX_BODY;
use trent_server::sigv4::{Signer, SigningKey, amz_date, sign};
use trent_store::Store;
use trent_store::sqlite::SqliteStore;
use trent_testkit::TestServer;

const REGION: &str = "us-east-1";
const MINUTE_MS: i64 = 60_000;
const MISMATCH: &str = "The request signature we calculated does not match the signature you \
                        provided. Check your AWS Secret Access Key and signing method. Consult \
                        the service documentation for details.";
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

/// A request as it will go on the wire; `content-length` and `connection: close` are added
/// when it is sent, unsigned, as an HTTP client adds them.
#[derive(Clone, Debug)]
struct Req {
    method: &'static str,
    path: &'static str,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Req {
    /// `POST /` for `TrentService.<operation>`, unsigned.
    fn kms(server: &TestServer, operation: &str, body: &[u8]) -> Self {
        let mut req = Self {
            method: "POST",
            path: "/",
            headers: HeaderMap::new(),
            body: body.to_vec(),
        };
        req.set(HOST.as_str(), authority(server))
            .set(CONTENT_TYPE.as_str(), "application/x-amz-json-1.1")
            .set("x-amz-target", &format!("TrentService.{operation}"));
        req
    }

    fn get(server: &TestServer, path: &'static str) -> Self {
        let mut req = Self {
            method: "GET",
            path,
            headers: HeaderMap::new(),
            body: Vec::new(),
        };
        req.set(HOST.as_str(), authority(server));
        req
    }

    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        self
    }

    /// Signs with Trent's signer (every header present), for `service` at `at_ms`.
    fn sign_as(
        &mut self,
        access_key_id: &str,
        secret: &str,
        service: &str,
        at_ms: i64,
    ) -> &mut Self {
        let date = amz_date(at_ms);
        let key = SigningKey::derive(secret.as_bytes(), &date[..8], REGION, service);
        let signer = Signer {
            access_key_id,
            key: &key,
            region: REGION,
            service,
        };
        sign(
            self.method,
            self.path,
            "",
            &mut self.headers,
            &self.body,
            &signer,
            &date,
        )
        .unwrap();
        self
    }

    /// Signs as the default identity (`test`/`test`) at the server's time.
    fn signed(&mut self, server: &TestServer) -> &mut Self {
        self.sign_as("test", "test", "kms", server.now().millis())
    }

    fn authorization(&self) -> String {
        self.headers[AUTHORIZATION].to_str().unwrap().to_owned()
    }

    async fn send(&self, server: &TestServer) -> Reply {
        let mut head = format!("{} {} HTTP/1.1\r\n", self.method, self.path);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
        }
        head.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            self.body.len()
        ));
        let stream = tokio::net::TcpStream::connect(authority(server))
            .await
            .unwrap();
        let (mut rd, mut wr) = stream.into_split();
        // Written while the response is read: a server that answers before reading the whole
        // body (an oversized one) must not leave this writer blocked.
        let mut wire = head.into_bytes();
        wire.extend_from_slice(&self.body);
        let writer = tokio::spawn(async move {
            let _ = wr.write_all(&wire).await;
            wr
        });
        let mut raw = Vec::new();
        rd.read_to_end(&mut raw).await.unwrap();
        drop(writer.await);
        Reply::parse(&raw)
    }
}

fn authority(server: &TestServer) -> &str {
    server.endpoint.strip_prefix("http://").unwrap()
}

/// An HTTP response, parsed from the bytes the server sent.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Self {
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
        let head = std::str::from_utf8(&raw[..split]).unwrap();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let reply = Self {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        };
        assert!(
            reply.header("transfer-encoding").is_none(),
            "chunked responses are not expected"
        );
        if let Some(len) = reply.header("content-length") {
            assert_eq!(len.parse::<usize>().unwrap(), reply.body.len());
        }
        reply
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `x-amzn-RequestId`, checked to be a lowercase hyphenated UUID (v4).
    fn request_id(&self) -> String {
        let id = self
            .header("x-amzn-RequestId")
            .unwrap_or_else(|| panic!("no x-amzn-RequestId in {:?}", self.headers));
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(uuid.hyphenated().to_string(), id);
        assert_eq!(uuid.get_version_num(), 4, "{id}");
        id.to_owned()
    }

    /// Asserts an AWS JSON error and returns its message.
    fn assert_error(&self, status: u16, type_name: &str) -> String {
        assert_eq!(
            (self.status, self.header("content-type")),
            (status, Some("application/x-amz-json-1.1")),
            "{}",
            self.text()
        );
        let body = self.json();
        assert_eq!(body["__type"], type_name, "{body}");
        self.request_id();
        body["message"].as_str().unwrap_or_default().to_owned()
    }

    fn assert_ok(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text());
        self.request_id();
        self.json()
    }
}

/// Stops the server (flushing the audit trail) and reads every event it recorded.
async fn audit_trail(server: TestServer) -> Vec<Value> {
    let db = server.data_dir().join("trent.db");
    let _temp = server.stop().await;
    let store = SqliteStore::open(&db).await.unwrap();
    store
        .list_audit(0, 10_000)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.event_json).unwrap())
        .collect()
}

/// Asserts that each (request id, error code) has exactly one event, with that error code
/// (`None`: a success, no `errorCode`), and returns the events in the same order.
fn assert_audited(events: &[Value], expected: &[(String, Option<&str>)]) -> Vec<Value> {
    expected
        .iter()
        .map(|(request_id, code)| {
            let matching: Vec<&Value> = events
                .iter()
                .filter(|e| e["requestID"] == request_id.as_str())
                .collect();
            assert_eq!(
                matching.len(),
                1,
                "events for request {request_id}: {matching:?}"
            );
            let event = matching[0];
            assert_eq!(event["errorCode"].as_str(), *code, "{event}");
            assert_eq!(event["eventSource"], "kms.amazonaws.com");
            assert_eq!(event["sourceIPAddress"], "127.0.0.1");
            event.clone()
        })
        .collect()
}

/// Sends `req`, expects the error, and returns (request id, message).
async fn refused(server: &TestServer, req: &Req, status: u16, type_name: &str) -> (String, String) {
    let reply = req.send(server).await;
    let message = reply.assert_error(status, type_name);
    (reply.request_id(), message)
}

#[tokio::test]
async fn a_correctly_signed_request_succeeds() {
    let server = TestServer::start().await;
    let reply = Req::kms(&server, "ListKeys", b"{}")
        .signed(&server)
        .send(&server)
        .await;
    let body = reply.assert_ok();
    assert_eq!(body["Keys"], serde_json::json!([]));
    assert_eq!(body["Truncated"], false);
    let id = reply.request_id();

    let events = audit_trail(server).await;
    let event = &assert_audited(&events, &[(id, None)])[0];
    assert_eq!(event["eventName"], "ListKeys");
    assert_eq!(event["awsRegion"], REGION);
    assert_eq!(event["userIdentity"]["accessKeyId"], "test");
    assert_eq!(
        event["userIdentity"]["arn"],
        "arn:aws:iam::111122223333:user/admin"
    );
}

#[tokio::test]
async fn a_request_signed_by_the_aws_sdk_signer_succeeds() {
    let server = TestServer::start().await;
    let body = br#"{"Limit":10}"#;
    let uri = format!("{}/", server.endpoint);
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", "TrentService.ListKeys"),
    ];
    let identity = Credentials::new("test", "test", None, None, "auth-test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("kms")
        .time(UNIX_EPOCH + Duration::from_millis(server.now().millis().try_into().unwrap()))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        &uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();
    let mut request = http::Request::builder().method("POST").uri(&uri);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);

    let mut req = Req::kms(&server, "ListKeys", body);
    for (name, value) in request.headers() {
        req.set(name.as_str(), value.to_str().unwrap());
    }
    let reply = req.send(&server).await;
    reply.assert_ok();
    let id = reply.request_id();
    assert_audited(&audit_trail(server).await, &[(id, None)]);
}

#[tokio::test]
async fn a_wrong_secret_is_a_signature_mismatch() {
    let server = TestServer::start().await;
    let mut req = Req::kms(&server, "ListKeys", b"{}");
    req.sign_as("test", "not-the-secret", "kms", server.now().millis());
    let (id, message) = refused(&server, &req, 400, "InvalidSignatureException").await;
    assert_eq!(message, MISMATCH);

    let events = audit_trail(server).await;
    let event = &assert_audited(&events, &[(id, Some("InvalidSignatureException"))])[0];
    // What the request claimed is kept; it names no authenticated principal.
    assert_eq!(event["eventName"], "ListKeys");
    assert_eq!(event["userIdentity"]["accessKeyId"], "test");
    assert_eq!(event["awsRegion"], REGION);
    assert_eq!(event["errorMessage"], MISMATCH);
}

#[tokio::test]
async fn unknown_access_keys_and_session_tokens_are_unrecognized() {
    let server = TestServer::start().await;
    let now = server.now().millis();
    let mut unknown = Req::kms(&server, "ListKeys", b"{}");
    unknown.sign_as("AKIAUNKNOWNKEY", "whatever-secret", "kms", now);
    let (unknown_id, message) =
        refused(&server, &unknown, 400, "UnrecognizedClientException").await;
    assert_eq!(message, INVALID_TOKEN);

    // A valid key with a session token, signed: Trent issues no session tokens.
    let mut token = Req::kms(&server, "ListKeys", b"{}");
    token
        .set("x-amz-security-token", "FwoGZXIvYXdzEXAMPLETOKEN")
        .sign_as("test", "test", "kms", now);
    assert!(token.authorization().contains("x-amz-security-token"));
    let (token_id, message) = refused(&server, &token, 400, "UnrecognizedClientException").await;
    assert_eq!(message, INVALID_TOKEN);

    let events = audit_trail(server).await;
    let events = assert_audited(
        &events,
        &[
            (unknown_id, Some("UnrecognizedClientException")),
            (token_id, Some("UnrecognizedClientException")),
        ],
    );
    assert_eq!(events[0]["userIdentity"]["accessKeyId"], "AKIAUNKNOWNKEY");
}

#[tokio::test]
async fn signatures_hold_for_15_minutes_either_way() {
    let server = TestServer::start().await;
    let now = server.now().millis();
    let mut ok_ids = Vec::new();
    for offset in [-14 * MINUTE_MS, 14 * MINUTE_MS] {
        let reply = Req::kms(&server, "ListKeys", b"{}")
            .sign_as("test", "test", "kms", now + offset)
            .send(&server)
            .await;
        reply.assert_ok();
        ok_ids.push((reply.request_id(), None));
    }

    let past = now - 16 * MINUTE_MS;
    let mut expired = Req::kms(&server, "ListKeys", b"{}");
    expired.sign_as("test", "test", "kms", past);
    let (expired_id, message) = refused(&server, &expired, 400, "InvalidSignatureException").await;
    assert_eq!(
        message,
        format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            amz_date(past),
            amz_date(now - 15 * MINUTE_MS),
            amz_date(now)
        )
    );

    let future = now + 16 * MINUTE_MS;
    let mut early = Req::kms(&server, "ListKeys", b"{}");
    early.sign_as("test", "test", "kms", future);
    let (early_id, message) = refused(&server, &early, 400, "InvalidSignatureException").await;
    assert_eq!(
        message,
        format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            amz_date(future),
            amz_date(now + 15 * MINUTE_MS),
            amz_date(now)
        )
    );

    // A request signed now is refused once the server's clock has moved 16 minutes on.
    let mut stale = Req::kms(&server, "ListKeys", b"{}");
    stale.signed(&server);
    server.clock.advance(Duration::from_secs(16 * 60));
    let (stale_id, message) = refused(&server, &stale, 400, "InvalidSignatureException").await;
    assert!(message.starts_with("Signature expired: "), "{message}");

    let events = audit_trail(server).await;
    let mut expected = ok_ids;
    expected.extend([
        (expired_id, Some("InvalidSignatureException")),
        (early_id, Some("InvalidSignatureException")),
        (stale_id, Some("InvalidSignatureException")),
    ]);
    assert_audited(&events, &expected);
}

#[tokio::test]
async fn an_unsigned_request_is_missing_its_token() {
    let server = TestServer::start().await;
    let mut req = Req::kms(&server, "ListKeys", b"{}");
    req.set("x-amz-date", &amz_date(server.now().millis()));
    let (id, message) = refused(&server, &req, 403, "MissingAuthenticationTokenException").await;
    assert_eq!(message, "Missing Authentication Token");
    let events = audit_trail(server).await;
    let event = &assert_audited(
        &events,
        &[(id, Some("MissingAuthenticationTokenException"))],
    )[0];
    assert!(
        event["userIdentity"]
            .get("accessKeyId")
            .is_none_or(Value::is_null)
    );
}

#[tokio::test]
async fn malformed_authorization_headers_are_incomplete_signatures() {
    let server = TestServer::start().await;
    let now = server.now().millis();
    let mut good = Req::kms(&server, "ListKeys", b"{}");
    good.signed(&server);
    let authorization = good.authorization();
    let (credential, rest) = authorization.split_once(", ").unwrap();
    let (signed_headers, signature) = rest.split_once(", ").unwrap();
    assert!(credential.starts_with("AWS4-HMAC-SHA256 Credential=test/"));
    assert!(signed_headers.starts_with("SignedHeaders="));
    assert!(signature.starts_with("Signature="));
    let with = |value: String| {
        let mut req = good.clone();
        req.set("authorization", &value);
        req
    };

    let mut cases = vec![
        (
            with(format!("{credential}, {signed_headers}")),
            format!(
                "Authorization header requires 'Signature' parameter. \
                 Authorization={credential}, {signed_headers}"
            ),
        ),
        (
            with(format!("AWS4-HMAC-SHA256 {signed_headers}, {signature}")),
            format!(
                "Authorization header requires 'Credential' parameter. \
                 Authorization=AWS4-HMAC-SHA256 {signed_headers}, {signature}"
            ),
        ),
        (
            with("garbage".to_owned()),
            "Unsupported AWS 'algorithm': 'garbage'.".to_owned(),
        ),
        (
            with(authorization.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.".to_owned(),
        ),
    ];
    let mut s3 = Req::kms(&server, "ListKeys", b"{}");
    s3.sign_as("test", "test", "s3", now);
    assert!(
        s3.authorization()
            .contains(&format!("/{REGION}/s3/aws4_request"))
    );
    cases.push((
        s3,
        "Credential should be scoped to correct service: 'kms'.".to_owned(),
    ));

    let mut expected = Vec::new();
    for (req, want) in &cases {
        let (id, message) = refused(&server, req, 400, "IncompleteSignatureException").await;
        assert_eq!(&message, want);
        expected.push((id, Some("IncompleteSignatureException")));
    }
    assert_audited(&audit_trail(server).await, &expected);
}

#[tokio::test]
async fn changes_after_signing_break_the_signature() {
    let server = TestServer::start().await;
    let mut body_changed = Req::kms(&server, "ListKeys", b"{}");
    body_changed.signed(&server);
    body_changed.body = br#"{"Limit":5}"#.to_vec();
    let (body_id, message) =
        refused(&server, &body_changed, 400, "InvalidSignatureException").await;
    assert_eq!(message, MISMATCH);

    let mut target_changed = Req::kms(&server, "ListKeys", b"{}");
    target_changed
        .signed(&server)
        .set("x-amz-target", "TrentService.ListAliases");
    let (target_id, message) =
        refused(&server, &target_changed, 400, "InvalidSignatureException").await;
    assert_eq!(message, MISMATCH);

    assert_audited(
        &audit_trail(server).await,
        &[
            (body_id, Some("InvalidSignatureException")),
            (target_id, Some("InvalidSignatureException")),
        ],
    );
}

#[tokio::test]
async fn an_unknown_target_is_an_unknown_operation() {
    let server = TestServer::start().await;
    let mut req = Req::kms(&server, "MakeCoffee", b"{}");
    req.signed(&server);
    let (id, _) = refused(&server, &req, 400, "UnknownOperationException").await;
    let events = audit_trail(server).await;
    let event = &assert_audited(&events, &[(id, Some("UnknownOperationException"))])[0];
    // Authenticated, so the caller is known.
    assert_eq!(event["userIdentity"]["accessKeyId"], "test");
}

#[tokio::test]
async fn malformed_json_is_a_serialization_error() {
    let server = TestServer::start().await;
    let mut req = Req::kms(&server, "ListKeys", b"{\"Limit\": ");
    req.signed(&server);
    let (id, _) = refused(&server, &req, 400, "SerializationException").await;
    let events = audit_trail(server).await;
    let event = &assert_audited(&events, &[(id, Some("SerializationException"))])[0];
    assert_eq!(event["eventName"], "ListKeys");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_too_large() {
    let server = TestServer::start().await;
    // Exactly the limit still reads: valid JSON padded with whitespace.
    let mut at_limit = br#"{"Limit":10}"#.to_vec();
    at_limit.resize(MAX_BODY, b' ');
    let reply = Req::kms(&server, "ListKeys", &at_limit)
        .signed(&server)
        .send(&server)
        .await;
    reply.assert_ok();
    let at_limit_id = reply.request_id();

    let mut over = at_limit.clone();
    over.push(b' ');
    let mut req = Req::kms(&server, "ListKeys", &over);
    req.signed(&server);
    let (id, _) = refused(&server, &req, 413, "RequestEntityTooLargeException").await;

    assert_audited(
        &audit_trail(server).await,
        &[
            (at_limit_id, None),
            (id, Some("RequestEntityTooLargeException")),
        ],
    );
}

#[tokio::test]
async fn health_ready_and_metrics_answer() {
    let server = TestServer::start().await;
    let health = Req::get(&server, "/health").send(&server).await;
    assert_eq!(health.status, 200, "{}", health.text());
    let ready = Req::get(&server, "/ready").send(&server).await;
    assert_eq!(ready.status, 200, "{}", ready.text());

    Req::kms(&server, "ListKeys", b"{}")
        .signed(&server)
        .send(&server)
        .await
        .assert_ok();
    let metrics = Req::get(&server, "/metrics").send(&server).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain")),
        "{:?}",
        metrics.headers
    );
    let text = metrics.text();
    assert!(
        text.lines()
            .any(|l| l == "trent_requests_total{operation=\"ListKeys\",outcome=\"ok\"} 1"),
        "{text}"
    );
    server.stop().await;
}
