//! AWS Signature Version 4 (`AWS4-HMAC-SHA256` in the `Authorization` header), verified exactly
//! as AWS verifies it for a non-S3 service, and signed the same way for `trent bench`.
//!
//! Pure functions over borrowed request parts: no IO, no clock (callers pass `now_ms`), no
//! store. The server runs one request through it like this:
//!
//! 1. [`parse`] the header. Errors here are the client's (`MissingAuthenticationToken`,
//!    `IncompleteSignature`, a credential date that is not the request's date).
//! 2. Refuse [`ParsedAuth::security_token_present`] and unknown access keys with
//!    [`AuthError::UnrecognizedClient`]; Trent issues no session tokens.
//! 3. [`ParsedAuth::check_time`] before deriving or caching a [`SigningKey`], so a caller that
//!    knows an access key id cannot fill the key cache with keys for arbitrary dates.
//! 4. [`verify`] with the key for (access key, [`ParsedAuth::date`], [`ParsedAuth::region`]).
//!
//! The canonical request is hashed as it is written, so the verify path allocates only when
//! the request has a query string or a path that needs normalizing (KMS requests have
//! neither). Error messages are AWS's texts; none carries the secret or the signature Trent
//! expected.

use std::borrow::Cow;
use std::fmt;

use aws_lc_rs::{digest, hmac};
use http::HeaderMap;
use http::header::{AUTHORIZATION, HOST, HeaderValue};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use canonical::write_canonical_request;
use date::{amz_date_secs, parse_http_date, parse_iso_basic};

mod canonical;
mod date;

/// The only algorithm Trent accepts.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The signing name of the KMS API, the service every Trent credential is scoped to.
pub const KMS_SERVICE: &str = "kms";
/// How far a request's time may be from the server's, in either direction (AWS: 15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

const TERMINATOR: &str = "aws4_request";
const X_AMZ_DATE: &str = "x-amz-date";
const DATE: &str = "date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
/// Headers the signer leaves out, as the AWS SDKs do: proxies change them in flight.
const UNSIGNED_HEADERS: [&str; 4] = [
    "authorization",
    "user-agent",
    "x-amzn-trace-id",
    "transfer-encoding",
];
const PRESIGNED_UNSUPPORTED: &str = "Trent accepts Signature Version 4 only in the \
     Authorization header; query-string (presigned) authentication is not supported.";

/// The parts of an HTTP request that the signature covers, exactly as they arrived.
///
/// `headers` must hold `host`; over HTTP/2 the server copies `:authority` into it first.
#[derive(Clone, Copy)]
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// The raw path, still percent-encoded as received.
    pub path: &'a str,
    /// The raw query string without `?`; empty when there is none.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl<'a> RequestParts<'a> {
    pub fn new(parts: &'a http::request::Parts, body: &'a [u8]) -> Self {
        Self {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body,
        }
    }
}

impl fmt::Debug for RequestParts<'_> {
    /// Header names only and the body's length: values carry signatures, bodies plaintext.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A well-formed `Authorization` header and request date, not yet checked against a key.
pub struct ParsedAuth<'a> {
    access_key_id: &'a str,
    /// `yyyymmdd/region/service/aws4_request`, as the string to sign carries it.
    scope: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: &'a str,
    /// `None` when the client's signature is not 64 lowercase hex digits: it cannot match.
    signature: Option<[u8; 32]>,
    /// The request time in ISO 8601 basic format, as the string to sign carries it.
    amz_date: Cow<'a, str>,
    request_time_secs: i64,
    security_token_present: bool,
}

impl ParsedAuth<'_> {
    pub fn access_key_id(&self) -> &str {
        self.access_key_id
    }

    /// The credential scope's date, `yyyymmdd` (always the request's date).
    pub fn date(&self) -> &str {
        self.date
    }

    pub fn region(&self) -> &str {
        self.region
    }

    pub fn service(&self) -> &str {
        self.service
    }

    /// The request time, `yyyymmddThhmmssZ`.
    pub fn amz_date(&self) -> &str {
        &self.amz_date
    }

    /// The request time in milliseconds since the Unix epoch.
    pub fn request_time_ms(&self) -> i64 {
        self.request_time_secs.saturating_mul(1000)
    }

    /// The `;`-separated header names the client signed.
    pub fn signed_headers(&self) -> &str {
        self.signed_headers
    }

    /// Whether the request carries `X-Amz-Security-Token` (temporary credentials).
    pub fn security_token_present(&self) -> bool {
        self.security_token_present
    }

    /// The 15-minute skew window, in both directions; [`verify`] checks it too.
    pub fn check_time(&self, now_ms: i64) -> Result<(), AuthError> {
        let now = now_ms.div_euclid(1000);
        let request_time = self.request_time_secs;
        if request_time < now - MAX_SKEW_SECS {
            return Err(AuthError::SignatureExpired { request_time, now });
        }
        if request_time > now + MAX_SKEW_SECS {
            return Err(AuthError::SignatureNotYetCurrent { request_time, now });
        }
        Ok(())
    }
}

impl fmt::Debug for ParsedAuth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuth")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.scope)
            .field("signed_headers", &self.signed_headers)
            .field("amz_date", &self.amz_date)
            .field("security_token_present", &self.security_token_present)
            .finish_non_exhaustive()
    }
}

/// `kSigning`, the HMAC key for one (secret, date, region, service). Zeroized on drop.
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// The HMAC chain from `"AWS4" + secret` through date, region, service and `aws4_request`.
    pub fn derive(
        secret_access_key: &[u8],
        date_yyyymmdd: &str,
        region: &str,
        service: &str,
    ) -> SigningKey {
        let mut k_secret = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
        k_secret.extend_from_slice(b"AWS4");
        k_secret.extend_from_slice(secret_access_key);
        let mut key = hmac_sha256(&k_secret, date_yyyymmdd.as_bytes());
        for part in [region, service, TERMINATOR] {
            let next = hmac_sha256(&key, part.as_bytes());
            key.zeroize();
            key = next;
        }
        SigningKey(key)
    }

    fn hmac_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.0)
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// Why a request is not authenticated. `Display` is the message AWS sends.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// Neither an `Authorization` header nor an `X-Amz-Algorithm` query parameter.
    MissingAuthenticationToken,
    /// The header or the request date is malformed; the message says how.
    IncompleteSignature(String),
    /// Unknown access key id, or a session token (Trent issues none). Raised by the server.
    UnrecognizedClient,
    /// The signature (or a signed `x-amz-content-sha256`) does not match the request.
    SignatureMismatch,
    /// The request time is more than 15 minutes before `now` (epoch seconds both).
    SignatureExpired { request_time: i64, now: i64 },
    /// The request time is more than 15 minutes after `now` (epoch seconds both).
    SignatureNotYetCurrent { request_time: i64, now: i64 },
    /// The credential scope's date is not the request's date.
    CredentialDateMismatch {
        scope_date: String,
        amz_date: String,
    },
}

impl AuthError {
    /// The `__type` AWS answers with.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature(_) => "IncompleteSignatureException",
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::SignatureMismatch
            | Self::SignatureExpired { .. }
            | Self::SignatureNotYetCurrent { .. }
            | Self::CredentialDateMismatch { .. } => "InvalidSignatureException",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingAuthenticationToken => f.write_str("Missing Authentication Token"),
            Self::IncompleteSignature(message) => f.write_str(message),
            Self::UnrecognizedClient => {
                f.write_str("The security token included in the request is invalid.")
            }
            Self::SignatureMismatch => f.write_str(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. \
                 Consult the service documentation for details.",
            ),
            Self::SignatureExpired { request_time, now } => write!(
                f,
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                amz_date_secs(*request_time),
                amz_date_secs(now - MAX_SKEW_SECS),
                amz_date_secs(*now),
            ),
            Self::SignatureNotYetCurrent { request_time, now } => write!(
                f,
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                amz_date_secs(*request_time),
                amz_date_secs(now + MAX_SKEW_SECS),
                amz_date_secs(*now),
            ),
            Self::CredentialDateMismatch {
                scope_date,
                amz_date,
            } => write!(
                f,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
                 from HTTP: '{scope_date}' != '{}', from '{amz_date}'.",
                amz_date.get(..8).unwrap_or(amz_date.as_str()),
            ),
        }
    }
}

impl std::error::Error for AuthError {}

fn incomplete(message: impl Into<String>) -> AuthError {
    AuthError::IncompleteSignature(message.into())
}

/// Reads the `Authorization` header and the request date, checking everything that needs no
/// key: the header's form, the credential scope (`expected_service`, a well-formed region,
/// `aws4_request`), the date's format, that `host` and the date header are signed, and that
/// the scope's date is the request's date.
pub fn parse<'a>(
    req: &RequestParts<'a>,
    expected_service: &str,
) -> Result<ParsedAuth<'a>, AuthError> {
    let headers: &'a HeaderMap = req.headers;
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(if has_query_param(req.query, "X-Amz-Algorithm") {
            incomplete(PRESIGNED_UNSUPPORTED)
        } else {
            AuthError::MissingAuthenticationToken
        });
    };
    if values.next().is_some() {
        return Err(incomplete(
            "The request must carry exactly one Authorization header.",
        ));
    }
    let authorization = value
        .to_str()
        .map_err(|_| incomplete("The Authorization header must be printable ASCII."))?;
    let fields = AuthorizationFields::parse(authorization)?;
    let date_header = date_header(headers)?;

    let mut missing = String::new();
    for (field, name) in [
        (fields.credential, "Credential"),
        (fields.signature, "Signature"),
        (fields.signed_headers, "SignedHeaders"),
    ] {
        if field.is_none() {
            missing.push_str("Authorization header requires '");
            missing.push_str(name);
            missing.push_str("' parameter. ");
        }
    }
    if date_header.is_none() {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    let (Some(credential), Some(signature), Some(signed_headers), Some((date_name, date_value))) = (
        fields.credential,
        fields.signature,
        fields.signed_headers,
        date_header,
    ) else {
        return Err(incomplete(format!(
            "{missing}Authorization={authorization}"
        )));
    };

    let credential = Credential::parse(credential, expected_service)?;
    let (amz_date, request_time_secs) = request_time(date_name, date_value)?;

    let mut host_signed = false;
    let mut date_signed = false;
    for name in signed_headers.split(';') {
        host_signed |= name == HOST.as_str();
        date_signed |= name == date_name;
    }
    if !host_signed {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if !date_signed {
        let shown = if date_name == X_AMZ_DATE {
            "X-Amz-Date"
        } else {
            "Date"
        };
        return Err(incomplete(format!(
            "'{shown}' must be a 'SignedHeader' in the AWS Authorization."
        )));
    }
    if amz_date.get(..8) != Some(credential.date) {
        return Err(AuthError::CredentialDateMismatch {
            scope_date: credential.date.to_owned(),
            amz_date: amz_date.into_owned(),
        });
    }

    Ok(ParsedAuth {
        access_key_id: credential.access_key_id,
        scope: credential.scope,
        date: credential.date,
        region: credential.region,
        service: credential.service,
        signed_headers,
        signature: decode_signature(signature),
        amz_date,
        request_time_secs,
        security_token_present: headers.contains_key(X_AMZ_SECURITY_TOKEN),
    })
}

/// Checks the time window, then recomputes the signature with `key` and compares it with the
/// client's in constant time.
pub fn verify(
    parsed: &ParsedAuth<'_>,
    req: &RequestParts<'_>,
    key: &SigningKey,
    now_ms: i64,
) -> Result<(), AuthError> {
    parsed.check_time(now_ms)?;
    let provided = parsed.signature.ok_or(AuthError::SignatureMismatch)?;

    let payload_hash = sha256_hex(req.body);
    if parsed
        .signed_headers
        .split(';')
        .any(|name| name == X_AMZ_CONTENT_SHA256)
    {
        let mut claimed = req.headers.get_all(X_AMZ_CONTENT_SHA256).iter();
        let matches = claimed.next().is_some_and(|v| v.as_bytes() == payload_hash)
            && claimed.next().is_none();
        if !matches {
            return Err(AuthError::SignatureMismatch);
        }
    }

    let mut canonical = digest::Context::new(&digest::SHA256);
    write_canonical_request(&mut canonical, req, parsed.signed_headers, &payload_hash)
        .ok_or(AuthError::SignatureMismatch)?;
    let expected = string_to_sign_mac(key, &parsed.amz_date, parsed.scope, canonical);
    if bool::from(expected.as_ref().ct_eq(&provided)) {
        Ok(())
    } else {
        Err(AuthError::SignatureMismatch)
    }
}

/// Who signs, for [`sign`].
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub key: &'a SigningKey,
    pub region: &'a str,
    pub service: &'a str,
}

/// Why [`sign`] could not sign a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The headers hold no `host`; the signature must cover it.
    MissingHost,
    /// `amz_date` is not `yyyymmddThhmmssZ`.
    InvalidDate,
    /// The access key id, region or service cannot appear in a header.
    InvalidHeaderValue,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingHost => "the request has no host header to sign",
            Self::InvalidDate => "the signing time is not yyyymmddThhmmssZ",
            Self::InvalidHeaderValue => "the credential does not fit in an Authorization header",
        })
    }
}

impl std::error::Error for SignError {}

/// Sets `x-amz-date` and `authorization` on `headers`, signing every header present (`host`
/// among them) except those proxies rewrite (`user-agent`, `x-amzn-trace-id`, ...).
pub fn sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &mut HeaderMap,
    body: &[u8],
    signer: &Signer<'_>,
    amz_date: &str,
) -> Result<(), SignError> {
    if !headers.contains_key(HOST) {
        return Err(SignError::MissingHost);
    }
    let date = amz_date
        .get(..8)
        .filter(|_| parse_iso_basic(amz_date).is_some())
        .ok_or(SignError::InvalidDate)?;
    headers.remove(AUTHORIZATION);
    headers.insert(
        X_AMZ_DATE,
        HeaderValue::from_str(amz_date).map_err(|_| SignError::InvalidDate)?,
    );

    let mut names: Vec<&str> = headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| !UNSIGNED_HEADERS.contains(name))
        .collect();
    names.sort_unstable();
    let signed_headers = names.join(";");
    let scope = format!("{date}/{}/{}/{TERMINATOR}", signer.region, signer.service);

    let req = RequestParts {
        method,
        path,
        query,
        headers,
        body,
    };
    let mut canonical = digest::Context::new(&digest::SHA256);
    // Every name in `signed_headers` was just read from `headers`, so none is missing.
    write_canonical_request(&mut canonical, &req, &signed_headers, &sha256_hex(body))
        .ok_or(SignError::MissingHost)?;
    let signature = hex::encode(string_to_sign_mac(signer.key, amz_date, &scope, canonical));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        signer.access_key_id
    );
    let mut value =
        HeaderValue::from_str(&authorization).map_err(|_| SignError::InvalidHeaderValue)?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

/// `yyyymmddThhmmssZ` for a time in milliseconds since the Unix epoch (UTC, truncated to the
/// second; meaningful for years 0 to 9999).
pub fn amz_date(epoch_ms: i64) -> String {
    amz_date_secs(epoch_ms.div_euclid(1000))
}

/// The three fields of an `Authorization` header that SigV4 defines.
#[derive(Default)]
struct AuthorizationFields<'a> {
    credential: Option<&'a str>,
    signed_headers: Option<&'a str>,
    signature: Option<&'a str>,
}

impl<'a> AuthorizationFields<'a> {
    /// `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`, tolerating the
    /// spacing variants clients send (`,` with or without spaces, runs of spaces).
    fn parse(authorization: &'a str) -> Result<Self, AuthError> {
        let trimmed = authorization.trim_matches([' ', '\t']);
        let (algorithm, rest) = trimmed.split_once([' ', '\t']).unwrap_or((trimmed, ""));
        if algorithm != ALGORITHM {
            return Err(incomplete(format!(
                "Unsupported AWS 'algorithm': '{algorithm}'."
            )));
        }
        let mut fields = Self::default();
        for pair in rest
            .split(',')
            .map(|p| p.trim_matches([' ', '\t']))
            .filter(|p| !p.is_empty())
        {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(incomplete(format!(
                    "'{pair}' not a valid key=value pair (missing equal-sign) in Authorization \
                     header: '{authorization}'."
                )));
            };
            let slot = match name.trim_end_matches([' ', '\t']) {
                "Credential" => &mut fields.credential,
                "SignedHeaders" => &mut fields.signed_headers,
                "Signature" => &mut fields.signature,
                _ => continue,
            };
            if slot
                .replace(value.trim_start_matches([' ', '\t']))
                .is_some()
            {
                return Err(incomplete(format!(
                    "Authorization header has more than one '{name}' parameter. \
                     Authorization={authorization}"
                )));
            }
        }
        Ok(fields)
    }
}

/// `AKID/yyyymmdd/region/service/aws4_request`, split.
struct Credential<'a> {
    access_key_id: &'a str,
    scope: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl<'a> Credential<'a> {
    fn parse(credential: &'a str, expected_service: &str) -> Result<Self, AuthError> {
        let malformed = || {
            incomplete(
                "Credential is mal-formed; expecting \
                 \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
            )
        };
        let (access_key_id, scope) = credential.split_once('/').ok_or_else(malformed)?;
        let mut parts = scope.split('/');
        let (Some(date), Some(region), Some(service), Some(terminator), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(malformed());
        };
        if access_key_id.is_empty() {
            return Err(malformed());
        }
        if !is_valid_region(region) {
            return Err(incomplete("Credential should be scoped to a valid region."));
        }
        if service != expected_service {
            return Err(incomplete(format!(
                "Credential should be scoped to correct service: '{expected_service}'."
            )));
        }
        if terminator != TERMINATOR {
            return Err(incomplete(format!(
                "Credential should be scoped with a valid terminator: '{TERMINATOR}', \
                 not '{terminator}'."
            )));
        }
        Ok(Self {
            access_key_id,
            scope,
            date,
            region,
            service,
        })
    }
}

/// The same rule as `trent_types::Region::parse`: lowercase letters, digits and inner `-`.
fn is_valid_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-')
}

/// The header that dates the request, `x-amz-date` before `date`, with its single value.
fn date_header(headers: &HeaderMap) -> Result<Option<(&'static str, &str)>, AuthError> {
    for name in [X_AMZ_DATE, DATE] {
        let mut values = headers.get_all(name).iter();
        let Some(first) = values.next() else { continue };
        return match (first.to_str(), values.next()) {
            (Ok(value), None) => Ok(Some((name, value))),
            _ => {
                let all: Vec<_> = headers
                    .get_all(name)
                    .iter()
                    .map(|v| String::from_utf8_lossy(v.as_bytes()))
                    .collect();
                Err(bad_date(&all.join(",")))
            }
        };
    }
    Ok(None)
}

fn bad_date(got: &str) -> AuthError {
    incomplete(format!(
        "Date must be in ISO-8601 'basic format'. Got '{got}'. \
         See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

/// The request time as the string to sign carries it, and in epoch seconds. `X-Amz-Date` must
/// be ISO 8601 basic; `Date` may also be an HTTP date (`Sun, 30 Aug 2015 12:36:00 GMT`).
fn request_time<'a>(name: &str, value: &'a str) -> Result<(Cow<'a, str>, i64), AuthError> {
    if let Some(secs) = parse_iso_basic(value) {
        return Ok((Cow::Borrowed(value), secs));
    }
    match parse_http_date(value).filter(|_| name == DATE) {
        Some(secs) => Ok((Cow::Owned(amz_date_secs(secs)), secs)),
        None => Err(bad_date(value)),
    }
}

fn decode_signature(hex_signature: &str) -> Option<[u8; 32]> {
    // AWS compares the lowercase hex text, so uppercase digits never match.
    if hex_signature.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut signature = [0u8; 32];
    hex::decode_to_slice(hex_signature, &mut signature).ok()?;
    Some(signature)
}

fn has_query_param(query: &str, name: &str) -> bool {
    query
        .split('&')
        .any(|pair| pair.split_once('=').map_or(pair, |(n, _)| n) == name)
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.iter_mut().zip(tag.as_ref()).for_each(|(o, t)| *o = *t);
    out
}

fn sha256_hex(data: &[u8]) -> [u8; 64] {
    hex_digest(digest::digest(&digest::SHA256, data))
}

fn hex_digest(digest: digest::Digest) -> [u8; 64] {
    let mut out = [0u8; 64];
    // A SHA-256 digest is 32 bytes, exactly half of `out`: encoding cannot fail.
    let _ = hex::encode_to_slice(digest, &mut out);
    out
}

/// HMAC of the string to sign, `ALGORITHM \n amz_date \n scope \n hex(SHA-256(canonical))`.
fn string_to_sign_mac(
    key: &SigningKey,
    amz_date: &str,
    scope: &str,
    canonical: digest::Context,
) -> hmac::Tag {
    let canonical_hash = hex_digest(canonical.finish());
    let mut mac = hmac::Context::with_key(&key.hmac_key());
    for part in [
        ALGORITHM.as_bytes(),
        b"\n",
        amz_date.as_bytes(),
        b"\n",
        scope.as_bytes(),
        b"\n",
        &canonical_hash,
    ] {
        mac.update(part);
    }
    mac.sign()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    const SECRET: &[u8] = b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn canonical(req: &RequestParts<'_>, signed_headers: &str) -> String {
        let mut out = Vec::new();
        write_canonical_request(&mut out, req, signed_headers, &sha256_hex(req.body)).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The worked example of the AWS documentation ("Create a signed AWS API request"): IAM
    /// ListUsers, every intermediate value.
    #[test]
    fn reproduces_the_documented_iam_example() {
        let headers = header_map(&[
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("host", "iam.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
        ]);
        let req = RequestParts {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let signed_headers = "content-type;host;x-amz-date";
        assert_eq!(
            canonical(&req, signed_headers),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let mut hashed = digest::Context::new(&digest::SHA256);
        write_canonical_request(&mut hashed, &req, signed_headers, &sha256_hex(b"")).unwrap();
        assert_eq!(
            hex::encode(hashed.clone().finish()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );

        let key = SigningKey::derive(SECRET, "20150830", "us-east-1", "iam");
        assert_eq!(
            hex::encode(key.0),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let signature = string_to_sign_mac(
            &key,
            "20150830T123600Z",
            "20150830/us-east-1/iam/aws4_request",
            hashed,
        );
        assert_eq!(
            hex::encode(signature),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn signing_key_is_redacted_and_zeroized() {
        let mut key = SigningKey::derive(b"secret", "20150830", "us-east-1", "kms");
        assert_eq!(format!("{key:?}"), "SigningKey(..)");
        assert_ne!(key.0, [0; 32]);
        // What `Drop` runs.
        key.0.zeroize();
        assert_eq!(key.0, [0; 32]);
    }

    #[test]
    fn regions_follow_the_region_type() {
        for good in [
            "us-east-1",
            "eu-west-3",
            "us-gov-west-1",
            "cn-north-1",
            "local",
        ] {
            assert!(is_valid_region(good), "{good}");
        }
        for bad in [
            "",
            "US-EAST-1",
            "-us",
            "us-",
            "us_east_1",
            "us east",
            &"a".repeat(33),
        ] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }

    #[test]
    fn signatures_decode_only_from_lowercase_hex() {
        let hex_signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
        assert!(decode_signature(hex_signature).is_some());
        assert!(decode_signature(&hex_signature.to_uppercase()).is_none());
        assert!(decode_signature(&hex_signature[..62]).is_none());
        assert!(decode_signature("").is_none());
    }
}
