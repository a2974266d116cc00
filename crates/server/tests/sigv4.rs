//! `sigv4` against the outside world: the AWS signing test suite, requests signed by the AWS
//! SDK's own signer (`aws-sigv4`), and AWS's error texts for every way a request can fail.

// (clippy.toml lets `#[test]` functions unwrap, a failed unwrap being a failed test; this
// extends that to the file's helpers.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
};
use aws_sigv4::sign::v4;
use http::header::{AUTHORIZATION, HOST};
use http::{HeaderMap, HeaderName, HeaderValue};
use trent_server::sigv4::{
    self, AuthError, KMS_SERVICE, ParsedAuth, RequestParts, Signer, SigningKey, amz_date, parse,
    sign, verify,
};

#[path = "sigv4/suite.rs"]
mod suite;
use suite::SUITE;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2015-08-30T12:36:00Z, the suite's time.
const T: i64 = 1_440_938_160_000;
const MINUTE: i64 = 60_000;
const BODY: &[u8] = br#"{"KeyId":"alias/app","Plaintext":"aGVsbG8="}"#;

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
                        Check your AWS Secret Access Key and signing method. \
                        Consult the service documentation for details.";

/// An HTTP request as the server sees it.
#[derive(Clone)]
struct Req {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Req {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: &self.method,
            path: &self.path,
            query: &self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.headers.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
        self
    }

    fn authorization(&self) -> &str {
        self.headers[AUTHORIZATION].to_str().unwrap()
    }

    /// Parses, derives the key from `secret` for the request's own scope, and verifies.
    fn check(&self, secret: &str, now_ms: i64) -> Result<(), AuthError> {
        let parts = self.parts();
        let parsed = parse(&parts, KMS_SERVICE)?;
        let key = SigningKey::derive(
            secret.as_bytes(),
            parsed.date(),
            parsed.region(),
            parsed.service(),
        );
        verify(&parsed, &parts, &key, now_ms)
    }

    fn parse_err(&self) -> AuthError {
        parse(&self.parts(), KMS_SERVICE).unwrap_err()
    }
}

/// A KMS `Encrypt` call as the CLI sends it, not yet signed.
fn kms_request() -> Req {
    let mut req = Req {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: HeaderMap::new(),
        body: BODY.to_vec(),
    };
    req.set("host", "127.0.0.1:4599")
        .set("content-type", "application/x-amz-json-1.1")
        .set("x-amz-target", "TrentService.Encrypt")
        .set("user-agent", "aws-cli/2.15.0 Python/3.11.6");
    req
}

fn signed_with(mut req: Req, secret: &str, region: &str, at_ms: i64) -> Req {
    let key = SigningKey::derive(
        secret.as_bytes(),
        &amz_date(at_ms)[..8],
        region,
        KMS_SERVICE,
    );
    let signer = Signer {
        access_key_id: AKID,
        key: &key,
        region,
        service: KMS_SERVICE,
    };
    sign(
        &req.method.clone(),
        &req.path.clone(),
        &req.query.clone(),
        &mut req.headers,
        &req.body.clone(),
        &signer,
        &amz_date(at_ms),
    )
    .unwrap();
    req
}

fn signed_kms_request() -> Req {
    signed_with(kms_request(), SECRET, "us-east-1", T)
}

fn with_authorization(authorization: &str) -> Req {
    let mut req = signed_kms_request();
    req.set("authorization", authorization);
    req
}

fn incomplete(message: &str) -> AuthError {
    AuthError::IncompleteSignature(message.to_owned())
}

// ---- the AWS signing test suite ----------------------------------------------------------

/// Parses a suite request (`METHOD URI [HTTP/1.1]`, `Name:value` lines, blank line, body).
fn suite_request(text: &str) -> Req {
    let (head, body) = text
        .split_once("\n\n")
        .unwrap_or((text.trim_end_matches('\n'), ""));
    let mut lines = head.lines();
    let request_line = lines.next().unwrap();
    let (method, target) = request_line.split_once(' ').unwrap();
    let target = target.strip_suffix(" HTTP/1.1").unwrap_or(target);
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        // What an HTTP/1.1 parser hands over: the value without surrounding whitespace.
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    Req {
        method: method.into(),
        path: path.into(),
        query: query.into(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn the_aws_signing_test_suite_verifies() {
    for (name, text) in SUITE {
        let req = suite_request(text);
        let parts = req.parts();
        let service = if *name == "double-url-encode" {
            "lambda"
        } else {
            "service"
        };
        let parsed = parse(&parts, service).unwrap_or_else(|e| panic!("{name}: {e}"));
        let key = SigningKey::derive(SECRET.as_bytes(), parsed.date(), parsed.region(), service);
        verify(&parsed, &parts, &key, parsed.request_time_ms())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            parsed.security_token_present(),
            req.headers.contains_key("x-amz-security-token"),
            "{name}"
        );

        let wrong = SigningKey::derive(b"not the secret", parsed.date(), parsed.region(), service);
        assert_eq!(
            verify(&parsed, &parts, &wrong, parsed.request_time_ms()),
            Err(AuthError::SignatureMismatch),
            "{name}"
        );
    }
}

/// Where the suite signed every header it sent, `sign` must produce its exact header.
#[test]
fn sign_reproduces_the_suite_signatures() {
    let mut compared = 0;
    for (name, text) in SUITE {
        let original = suite_request(text);
        let parts = original.parts();
        let service = if *name == "double-url-encode" {
            "lambda"
        } else {
            "service"
        };
        let parsed = parse(&parts, service).unwrap();
        let mut all: Vec<&str> = original
            .headers
            .keys()
            .map(HeaderName::as_str)
            .filter(|n| *n != "authorization")
            .collect();
        all.sort_unstable();
        if all.join(";") != parsed.signed_headers() {
            continue;
        }
        let key = SigningKey::derive(SECRET.as_bytes(), parsed.date(), parsed.region(), service);
        let signer = Signer {
            access_key_id: AKID,
            key: &key,
            region: parsed.region(),
            service,
        };
        let mut headers = original.headers.clone();
        headers.remove(AUTHORIZATION);
        headers.remove("x-amz-date");
        sign(
            &original.method,
            &original.path,
            &original.query,
            &mut headers,
            &original.body,
            &signer,
            parsed.amz_date(),
        )
        .unwrap();
        assert_eq!(
            headers[AUTHORIZATION], original.headers[AUTHORIZATION],
            "{name}"
        );
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} suite cases compared");
}

/// The original (2011) suite dated requests with the HTTP `Date` header, which AWS still
/// accepts; the string to sign carries it in ISO 8601 basic format.
#[test]
fn the_http_date_header_dates_a_request() {
    let req = suite_request(
        "GET / HTTP/1.1\nDate:Mon, 09 Sep 2011 23:36:00 GMT\nHost:host.foo.com\n\
         Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, \
         SignedHeaders=date;host, Signature=b27ccfbfa7df52a200ff74193ca6e32d4b48b8856fab7ebf1c595d0670a7e470\n",
    );
    let parts = req.parts();
    let parsed = parse(&parts, "host").unwrap();
    assert_eq!(parsed.amz_date(), "20110909T233600Z");
    assert_eq!(parsed.request_time_ms(), 1_315_611_360_000);
    let key = SigningKey::derive(SECRET.as_bytes(), parsed.date(), parsed.region(), "host");
    verify(
        &parsed,
        &parts,
        &key,
        parsed.request_time_ms() + 14 * MINUTE,
    )
    .unwrap();
}

// ---- requests signed by the AWS SDK's signer ---------------------------------------------

struct SdkCase {
    method: &'static str,
    uri: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    region: &'static str,
    content_sha256: bool,
    token: Option<&'static str>,
}

const SDK_HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/x-amz-json-1.1"),
    ("x-amz-target", "TrentService.Encrypt"),
    ("content-length", "45"),
    ("user-agent", "aws-sdk-rust/1.3.0 os/linux lang/rust/1.95.0"),
    (
        "x-amz-user-agent",
        "aws-sdk-rust/1.3.0 ua/2.1 api/kms/1.0.0 os/linux lang/rust/1.95.0",
    ),
    (
        "amz-sdk-invocation-id",
        "0b6c5e3e-4d0c-4d8a-9a51-9e3f5d2c1a77",
    ),
    ("amz-sdk-request", "attempt=1; max=3"),
];

const SDK_CASES: &[SdkCase] = &[
    SdkCase {
        method: "POST",
        uri: "http://127.0.0.1:4599/",
        headers: SDK_HEADERS,
        body: BODY,
        region: "us-east-1",
        content_sha256: false,
        token: None,
    },
    SdkCase {
        method: "POST",
        uri: "http://127.0.0.1:4599/",
        headers: SDK_HEADERS,
        body: BODY,
        region: "us-east-1",
        content_sha256: true,
        token: None,
    },
    SdkCase {
        method: "POST",
        uri: "https://kms.eu-west-1.amazonaws.com/",
        headers: &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.GenerateDataKey"),
            ("x-custom", "  spaced   out  value "),
        ],
        body: br#"{"KeyId": "arn:aws:kms:eu-west-1:111122223333:alias/a b", "KeySpec": "AES_256"}"#,
        region: "eu-west-1",
        content_sha256: false,
        token: None,
    },
    SdkCase {
        method: "POST",
        uri: "https://kms.ap-southeast-2.amazonaws.com:8443/a%3Ab/./c//d/../e?b=2&a=1&a=0&sp=x%20y&plus=1%2B1&empty=&flag",
        headers: &[
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.ListKeys"),
        ],
        body: b"{}",
        region: "ap-southeast-2",
        content_sha256: true,
        token: None,
    },
    SdkCase {
        method: "GET",
        uri: "http://localhost:4599",
        headers: &[],
        body: b"",
        region: "us-west-2",
        content_sha256: false,
        token: None,
    },
    SdkCase {
        method: "POST",
        uri: "http://127.0.0.1:4599/",
        headers: SDK_HEADERS,
        body: BODY,
        region: "us-east-1",
        content_sha256: false,
        token: Some("FwoGZXIvYXdzEXAMPLETOKEN"),
    },
];

/// Signs with `aws-sigv4`, then adds `host` as hyper does (from the URI's authority).
fn sdk_signed(case: &SdkCase, secret: &str, at_ms: i64) -> Req {
    let credentials = Credentials::new(AKID, secret, case.token.map(str::to_owned), None, "test");
    let identity = credentials.into();
    let mut settings = SigningSettings::default();
    if case.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(case.region)
        .name(KMS_SERVICE)
        .time(UNIX_EPOCH + Duration::from_millis(at_ms.try_into().unwrap()))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        case.method,
        case.uri,
        case.headers.iter().copied(),
        SignableBody::Bytes(case.body),
    )
    .unwrap();
    let (instructions, _signature) = aws_sigv4::http_request::sign(signable, &params)
        .unwrap()
        .into_parts();

    let mut request = http::Request::builder().method(case.method).uri(case.uri);
    for (name, value) in case.headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let (parts, ()) = request.into_parts();
    let mut req = Req {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or("").to_owned(),
        headers: parts.headers,
        body: case.body.to_vec(),
    };
    let authority = parts.uri.authority().unwrap().as_str();
    let host = authority
        .strip_suffix(":443")
        .filter(|_| case.uri.starts_with("https"))
        .unwrap_or(authority);
    req.set("host", host);
    req
}

#[test]
fn requests_signed_by_the_aws_sdk_verify() {
    for (i, case) in SDK_CASES.iter().enumerate() {
        let req = sdk_signed(case, SECRET, T);
        let parts = req.parts();
        let parsed = parse(&parts, KMS_SERVICE).unwrap_or_else(|e| panic!("case {i}: {e}"));
        assert_eq!(parsed.access_key_id(), AKID);
        assert_eq!(parsed.region(), case.region);
        assert_eq!(parsed.service(), KMS_SERVICE);
        assert_eq!(parsed.date(), "20150830");
        assert_eq!(parsed.amz_date(), "20150830T123600Z");
        assert_eq!(parsed.request_time_ms(), T);
        assert_eq!(
            parsed.security_token_present(),
            case.token.is_some(),
            "case {i}"
        );
        assert_eq!(
            parsed.signed_headers().contains("x-amz-content-sha256"),
            case.content_sha256,
            "case {i}"
        );
        let key = SigningKey::derive(
            SECRET.as_bytes(),
            parsed.date(),
            parsed.region(),
            parsed.service(),
        );
        verify(&parsed, &parts, &key, T + 3 * MINUTE).unwrap_or_else(|e| panic!("case {i}: {e}"));

        assert_eq!(
            sdk_signed(case, "wrong", T).check(SECRET, T),
            Err(AuthError::SignatureMismatch),
            "case {i}"
        );
        let mut tampered = req.clone();
        if let Some(byte) = tampered.body.first_mut() {
            *byte ^= 1;
            assert_eq!(
                tampered.check(SECRET, T),
                Err(AuthError::SignatureMismatch),
                "case {i}"
            );
        }
    }
}

/// `sign` and the SDK's signer agree byte for byte (both leave out `user-agent`).
#[test]
fn sign_matches_the_aws_sdk_signer() {
    for (i, case) in SDK_CASES
        .iter()
        .enumerate()
        .filter(|(_, c)| c.token.is_none())
    {
        let expected = sdk_signed(case, SECRET, T);
        let mut headers = expected.headers.clone();
        headers.remove(AUTHORIZATION);
        headers.remove("x-amz-date");
        let key = SigningKey::derive(SECRET.as_bytes(), "20150830", case.region, KMS_SERVICE);
        let signer = Signer {
            access_key_id: AKID,
            key: &key,
            region: case.region,
            service: KMS_SERVICE,
        };
        sign(
            &expected.method,
            &expected.path,
            &expected.query,
            &mut headers,
            case.body,
            &signer,
            "20150830T123600Z",
        )
        .unwrap();
        assert_eq!(
            headers[AUTHORIZATION], expected.headers[AUTHORIZATION],
            "case {i}"
        );
        assert_eq!(headers["x-amz-date"], "20150830T123600Z");
    }
}

// ---- round trips and tampering -----------------------------------------------------------

#[test]
fn signed_requests_verify_and_survive_whitespace_changes() {
    let req = signed_kms_request();
    assert!(req.authorization().starts_with(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
    ));
    assert!(req.headers[AUTHORIZATION].is_sensitive());
    req.check(SECRET, T).unwrap();

    // A proxy that respaces a value does not change its canonical form.
    let mut respaced = req.clone();
    respaced.set("content-type", "  application/x-amz-json-1.1 ");
    respaced.check(SECRET, T).unwrap();

    // Unsigned headers may change freely.
    let mut other_agent = req.clone();
    other_agent
        .set("user-agent", "something else")
        .set("x-forwarded-for", "10.0.0.1");
    other_agent.check(SECRET, T).unwrap();

    let mut odd = kms_request();
    odd.path = "/a%2Fb/./c/".into();
    odd.query = "z=1&a=%E1%88%B4&a=+".into();
    signed_with(odd, SECRET, "eu-central-1", T)
        .check(SECRET, T)
        .unwrap();
}

#[test]
fn tampering_is_an_invalid_signature() {
    let req = signed_kms_request();
    let mut cases = Vec::new();

    let mut body = req.clone();
    body.body[10] ^= 0x20;
    cases.push(("flipped body byte", body));
    let mut truncated = req.clone();
    truncated.body.pop();
    cases.push(("truncated body", truncated));
    let mut target = req.clone();
    target.set("x-amz-target", "TrentService.Decrypt");
    cases.push(("changed signed header", target));
    let mut host = req.clone();
    host.set("host", "127.0.0.1:4600");
    cases.push(("changed host", host));
    let mut removed = req.clone();
    removed.headers.remove("content-type");
    cases.push(("signed header missing", removed));
    let mut method = req.clone();
    method.method = "PUT".into();
    cases.push(("changed method", method));
    let mut path = req.clone();
    path.path = "/other".into();
    cases.push(("changed path", path));
    let mut query = req.clone();
    query.query = "a=1".into();
    cases.push(("added query", query));
    let auth = req.authorization().to_owned();
    let (head, signature) = auth.rsplit_once('=').unwrap();
    cases.push((
        "uppercase signature",
        with_authorization(&format!("{head}={}", signature.to_uppercase())),
    ));
    cases.push((
        "short signature",
        with_authorization(&format!("{head}={}", &signature[1..])),
    ));
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { '1' } else { '0' },
        &signature[1..]
    );
    cases.push((
        "other signature",
        with_authorization(&format!("{head}={flipped}")),
    ));
    cases.push((
        "other region",
        with_authorization(&auth.replace("/us-east-1/", "/us-east-2/")),
    ));
    // The access key id is not signed (only the scope is): what binds it is the server looking
    // up that key's own secret.

    for (what, tampered) in cases {
        assert_eq!(
            tampered.check(SECRET, T),
            Err(AuthError::SignatureMismatch),
            "{what}"
        );
    }
    assert_eq!(
        req.check("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz", T),
        Err(AuthError::SignatureMismatch)
    );

    let err = req.check("wrong", T).unwrap_err();
    assert_eq!(err.kind_name(), "InvalidSignatureException");
    assert_eq!(err.to_string(), MISMATCH);
}

#[test]
fn a_signed_content_sha256_must_be_the_body_hash() {
    let mut req = kms_request();
    req.set(
        "x-amz-content-sha256",
        "0000000000000000000000000000000000000000000000000000000000000000",
    );
    let req = signed_with(req, SECRET, "us-east-1", T);
    assert!(req.authorization().contains("x-amz-content-sha256"));
    assert_eq!(req.check(SECRET, T), Err(AuthError::SignatureMismatch));

    let mut req = kms_request();
    req.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    assert_eq!(
        signed_with(req, SECRET, "us-east-1", T).check(SECRET, T),
        Err(AuthError::SignatureMismatch)
    );

    // Unsigned, the header means nothing: the body hash in the canonical request rules.
    let mut req = signed_kms_request();
    req.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    req.check(SECRET, T).unwrap();
}

// ---- time ---------------------------------------------------------------------------------

#[test]
fn the_skew_window_is_fifteen_minutes_each_way() {
    let req = signed_kms_request();
    req.check(SECRET, T + 15 * MINUTE).unwrap();
    req.check(SECRET, T + 15 * MINUTE + 999).unwrap();
    req.check(SECRET, T - 15 * MINUTE).unwrap();

    let expired = req.check(SECRET, T + 15 * MINUTE + 1000).unwrap_err();
    assert_eq!(expired.kind_name(), "InvalidSignatureException");
    assert_eq!(
        expired.to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"
    );
    let early = req.check(SECRET, T - 15 * MINUTE - 1000).unwrap_err();
    assert_eq!(early.kind_name(), "InvalidSignatureException");
    assert_eq!(
        early.to_string(),
        "Signature not yet current: 20150830T123600Z is still later than 20150830T123559Z (20150830T122059Z + 15 min.)"
    );

    // The examples of AWS's own answers.
    assert_eq!(
        req.check(SECRET, T + 20 * MINUTE).unwrap_err().to_string(),
        "Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z (20150830T125600Z - 15 min.)"
    );
    let later = signed_with(kms_request(), SECRET, "us-east-1", T + 24 * MINUTE);
    assert_eq!(
        later.check(SECRET, T - 5 * MINUTE).unwrap_err().to_string(),
        "Signature not yet current: 20150830T130000Z is still later than 20150830T124600Z (20150830T123100Z + 15 min.)"
    );

    // The window is checked before the signature, and on its own before a key is derived.
    let parts = req.parts();
    let parsed = parse(&parts, KMS_SERVICE).unwrap();
    assert!(parsed.check_time(T + 16 * MINUTE).is_err());
    let wrong = SigningKey::derive(b"wrong", parsed.date(), parsed.region(), KMS_SERVICE);
    assert!(matches!(
        verify(&parsed, &parts, &wrong, T + 16 * MINUTE),
        Err(AuthError::SignatureExpired { .. })
    ));
}

#[test]
fn the_credential_date_must_be_the_request_date() {
    let auth = signed_kms_request()
        .authorization()
        .replace("/20150830/", "/20150829/");
    let err = with_authorization(&auth).parse_err();
    assert_eq!(err.kind_name(), "InvalidSignatureException");
    assert_eq!(
        err.to_string(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
         '20150829' != '20150830', from '20150830T123600Z'."
    );
}

#[test]
fn amz_date_formats_epoch_milliseconds() {
    assert_eq!(amz_date(T), "20150830T123600Z");
    assert_eq!(amz_date(T + 999), "20150830T123600Z");
    assert_eq!(amz_date(0), "19700101T000000Z");
}

// ---- malformed requests -------------------------------------------------------------------

#[test]
fn no_authorization_is_a_missing_token() {
    let mut req = signed_kms_request();
    req.headers.remove(AUTHORIZATION);
    let err = req.parse_err();
    assert_eq!(err, AuthError::MissingAuthenticationToken);
    assert_eq!(err.kind_name(), "MissingAuthenticationTokenException");
    assert_eq!(err.to_string(), "Missing Authentication Token");

    req.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x".into();
    assert_eq!(req.parse_err().kind_name(), "IncompleteSignatureException");
}

#[test]
fn malformed_authorization_headers_are_incomplete_signatures() {
    let good = signed_kms_request();
    let auth = good.authorization().to_owned();
    let signature = auth.rsplit_once("Signature=").unwrap().1.to_owned();
    let credential = "Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request";
    let signed = "SignedHeaders=content-type;host;x-amz-date;x-amz-target";

    let cases: Vec<(String, String)> = vec![
        (
            format!("AWS4-HMAC-SHA256 {signed}, Signature={signature}"),
            format!("Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 {signed}, Signature={signature}"),
        ),
        (
            format!("AWS4-HMAC-SHA256 {credential}"),
            format!(
                "Authorization header requires 'Signature' parameter. \
                 Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 {credential}"
            ),
        ),
        (
            "AWS4-HMAC-SHA256".into(),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. \
             Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"
                .into(),
        ),
        (
            auth.replace("/us-east-1/", "/US-EAST-1/"),
            "Credential should be scoped to a valid region.".into(),
        ),
        (auth.replace("/us-east-1/", "//"), "Credential should be scoped to a valid region.".into()),
        (auth.replace("/kms/", "/iam/"), "Credential should be scoped to correct service: 'kms'.".into()),
        (
            auth.replace("/aws4_request", "/x"),
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'x'.".into(),
        ),
        (
            auth.replace("/kms/aws4_request", "/kms"),
            "Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".into(),
        ),
        (
            auth.replace("/aws4_request", "/aws4_request/extra"),
            "Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".into(),
        ),
        (
            auth.replace("AKIDEXAMPLE/", "/"),
            "Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".into(),
        ),
        (
            auth.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.".into(),
        ),
        ("Bearer abc.def".into(), "Unsupported AWS 'algorithm': 'Bearer'.".into()),
        (
            auth.replace(", Signature=", ", junk, Signature="),
            format!("'junk' not a valid key=value pair (missing equal-sign) in Authorization header: '{}'.", auth.replace(", Signature=", ", junk, Signature=")),
        ),
        (
            format!("{auth}, {credential}"),
            format!("Authorization header has more than one 'Credential' parameter. Authorization={auth}, {credential}"),
        ),
        (
            format!("AWS4-HMAC-SHA256 {credential}, SignedHeaders=content-type;x-amz-date;x-amz-target, Signature={signature}"),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ),
        (
            format!("AWS4-HMAC-SHA256 {credential}, SignedHeaders=, Signature={signature}"),
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ),
        (
            format!("AWS4-HMAC-SHA256 {credential}, SignedHeaders=content-type;host;x-amz-target, Signature={signature}"),
            "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ),
    ];
    for (authorization, message) in cases {
        let err = with_authorization(&authorization).parse_err();
        assert_eq!(err, incomplete(&message), "{authorization}");
        assert_eq!(err.kind_name(), "IncompleteSignatureException");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn the_request_date_must_be_present_and_iso_8601_basic() {
    let mut req = signed_kms_request();
    req.headers.remove("x-amz-date");
    let auth = req.authorization().to_owned();
    assert_eq!(
        req.parse_err(),
        incomplete(&format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"
        ))
    );

    for bad in [
        "2015-08-30T12:36:00Z",
        "20150830T123600",
        "Sun, 30 Aug 2015 12:36:00 GMT",
        "20151330T123600Z",
    ] {
        let mut req = signed_kms_request();
        req.set("x-amz-date", bad);
        assert_eq!(
            req.parse_err(),
            incomplete(&format!(
                "Date must be in ISO-8601 'basic format'. Got '{bad}'. See http://en.wikipedia.org/wiki/ISO_8601"
            )),
            "{bad}"
        );
    }

    let mut twice = signed_kms_request();
    twice
        .headers
        .append("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
    assert_eq!(
        twice.parse_err(),
        incomplete(
            "Date must be in ISO-8601 'basic format'. Got '20150830T123600Z,20150830T123600Z'. \
             See http://en.wikipedia.org/wiki/ISO_8601"
        )
    );
}

#[test]
fn two_authorization_headers_are_refused() {
    let mut req = signed_kms_request();
    let auth = req.headers[AUTHORIZATION].clone();
    req.headers.append(AUTHORIZATION, auth);
    assert_eq!(req.parse_err().kind_name(), "IncompleteSignatureException");
}

#[test]
fn spacing_variants_of_real_clients_parse() {
    let req = signed_kms_request();
    let auth = req.authorization().to_owned();
    for variant in [
        auth.replace(", ", ","),
        auth.replace(", ", " , "),
        auth.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256   "),
        auth.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256\t"),
        auth.replace(", ", ",\t "),
        format!("  {auth}  "),
        format!("{auth},"),
        auth.replace("=", " = "),
    ] {
        with_authorization(&variant)
            .check(SECRET, T)
            .unwrap_or_else(|e| panic!("{variant}: {e}"));
    }
}

// ---- identity -----------------------------------------------------------------------------

#[test]
fn session_tokens_are_flagged() {
    let req = signed_kms_request();
    assert!(
        !parse(&req.parts(), KMS_SERVICE)
            .unwrap()
            .security_token_present()
    );

    let mut with_token = kms_request();
    with_token.set("x-amz-security-token", "FwoGZXIvYXdzEXAMPLE");
    let with_token = signed_with(with_token, SECRET, "us-east-1", T);
    let parts = with_token.parts();
    let parsed = parse(&parts, KMS_SERVICE).unwrap();
    assert!(parsed.security_token_present());

    let refused = AuthError::UnrecognizedClient;
    assert_eq!(refused.kind_name(), "UnrecognizedClientException");
    assert_eq!(
        refused.to_string(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn nothing_secret_reaches_debug_output_or_messages() {
    let req = signed_kms_request();
    let parts = req.parts();
    let parsed: ParsedAuth<'_> = parse(&parts, KMS_SERVICE).unwrap();
    let signature = req.authorization().rsplit_once('=').unwrap().1.to_owned();

    let debug = format!("{parsed:?} {parts:?}");
    assert!(!debug.contains(&signature), "{debug}");
    assert!(!debug.contains("aGVsbG8"), "{debug}");
    let key = SigningKey::derive(SECRET.as_bytes(), "20150830", "us-east-1", KMS_SERVICE);
    assert_eq!(format!("{key:?}"), "SigningKey(..)");

    // Signed with a wrong secret, the message names neither secret nor the right signature.
    let wrong = signed_with(kms_request(), "wrong", "us-east-1", T);
    let message = wrong.check(SECRET, T).unwrap_err().to_string();
    assert!(!message.contains(SECRET) && !message.contains(&signature));
}

#[test]
fn sign_needs_a_host_and_a_valid_date() {
    let key = SigningKey::derive(SECRET.as_bytes(), "20150830", "us-east-1", KMS_SERVICE);
    let signer = Signer {
        access_key_id: AKID,
        key: &key,
        region: "us-east-1",
        service: KMS_SERVICE,
    };
    let mut headers = HeaderMap::new();
    assert_eq!(
        sign(
            "POST",
            "/",
            "",
            &mut headers,
            b"",
            &signer,
            "20150830T123600Z"
        ),
        Err(sigv4::SignError::MissingHost)
    );
    headers.insert(HOST, HeaderValue::from_static("localhost"));
    assert_eq!(
        sign("POST", "/", "", &mut headers, b"", &signer, "2015-08-30"),
        Err(sigv4::SignError::InvalidDate)
    );
    sign(
        "POST",
        "/",
        "",
        &mut headers,
        b"",
        &signer,
        "20150830T123600Z",
    )
    .unwrap();
    // Signing again replaces the signature rather than signing the old one.
    sign(
        "POST",
        "/",
        "",
        &mut headers,
        b"",
        &signer,
        "20150830T123600Z",
    )
    .unwrap();
    assert_eq!(headers.get_all(AUTHORIZATION).iter().count(), 1);
    assert!(
        headers[AUTHORIZATION]
            .to_str()
            .unwrap()
            .contains("SignedHeaders=host;x-amz-date,")
    );
}
