//! The wire layer of Trent: the AWS KMS JSON 1.1 protocol, as data.
//!
//! This crate owns what a KMS request and response look like on the wire, generated from the
//! AWS KMS service model by `tools/gen-api.py`:
//!
//! - [`ops`]: one module per operation, each with a `Request` (deserialized from the body,
//!   every member optional) and a `Response` (serialized into the body, absent members left
//!   out), with the model's member names, base64 blobs and epoch-second timestamps;
//! - [`shapes`]: the structures those share (`KeyMetadata`, `Tag`, `GrantListEntry`, ...);
//! - [`Validate`]: every constraint of the model (required members, lengths, ranges, enum
//!   values, patterns), reported with AWS's `ValidationException` wording;
//! - [`Operation`]: the operation named by `X-Amz-Target: TrentService.<Operation>`;
//! - [`ErrorKind`] and [`ApiError`]: every error's `__type`, its HTTP status and the body.
//!
//! The split of work with the crates above it: this crate says whether a body is *well-formed*
//! (a `SerializationException` if not) and *valid against the model* (a
//! `ValidationException` if not). Whether it makes sense — a key id that resolves, a key
//! spec the key supports, a context that matches — is `trent-core`'s business, which turns
//! these members into `trent-types` values.
//!
//! Request members keep enum values as strings (checked against the `trent-types` enum, so an
//! unknown value is a `ValidationException` with AWS's message, not a parse failure);
//! response members are typed enums. Sensitive members are [`SecretBlob`] / [`SecretString`]:
//! they zeroize, never print, and are never quoted in an error message.
//!
//! It must never do IO, cryptography or business rules, and never log: it is pure functions
//! over bytes and values.

mod blob;
mod constraints;
mod error;
mod error_kind;
mod operation;
pub mod ops;
pub mod shapes;
mod validate;

pub use blob::{Blob, SecretBlob, SecretString};
pub use error::ApiError;
pub use error_kind::ErrorKind;
pub use operation::Operation;
pub use validate::{Validate, ValidationError};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads an operation's request body: JSON into `R`, then every constraint of the model.
///
/// An empty body counts as `{}`. A body that is not a JSON object, malformed JSON or a member
/// of the wrong type (including a blob that is not base64) is a `SerializationException`
/// whose message never quotes the body; a violated constraint is a `ValidationException` with
/// AWS's message. Members the model does not know are ignored, as AWS does.
pub fn parse_request<R: DeserializeOwned + Validate>(body: &[u8]) -> Result<R, ApiError> {
    let trimmed = body.trim_ascii();
    let parsed = if trimmed.is_empty() {
        serde_json::from_slice(b"{}")
    } else if trimmed.first() == Some(&b'{') {
        serde_json::from_slice(body)
    } else {
        return Err(ApiError::new(
            ErrorKind::Serialization,
            "Request body must be a JSON object",
        ));
    };
    let request: R = parsed.map_err(|e| ApiError::new(ErrorKind::Serialization, describe(&e)))?;
    request.validate()?;
    Ok(request)
}

/// Writes a response (or any other serializable value) as a JSON body.
pub fn to_body<T: Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(body) => body,
        // Cannot happen for this crate's types: every member is a string, number, boolean,
        // list or string-keyed map, none of which fail to serialize. Were a caller's own type
        // to fail, the client gets a well-formed error rather than a truncated body.
        Err(_) => ApiError::new(ErrorKind::KmsInternal, "The response could not be encoded.")
            .to_json_body(),
    }
}

/// A `SerializationException` message for a body serde_json rejected, naming the problem and
/// where it is but never quoting the body (which may hold plaintext).
fn describe(err: &serde_json::Error) -> String {
    use serde_json::error::Category;

    let at = format!("at line {} column {}", err.line(), err.column());
    match err.classify() {
        Category::Eof => "Unexpected end of JSON input".to_owned(),
        Category::Syntax => format!("Malformed JSON {at}"),
        Category::Io => "The request body could not be read".to_owned(),
        Category::Data => {
            // serde's own text quotes the offending value (`invalid type: string "...",
            // expected i64`); keep only what kind of value it was and what was expected.
            let text = err.to_string();
            let text = text.strip_suffix(&format!(" {at}")).unwrap_or(&text);
            let what = if let Some(rest) = text.strip_prefix("invalid type: ") {
                match rest.rsplit_once(", expected ") {
                    Some((found, expected)) => {
                        format!("Expected {expected}, found {}", json_kind(found))
                    }
                    None => "Value of the wrong type".to_owned(),
                }
            } else if text == blob::INVALID_BASE64 {
                "Blob is not valid base64".to_owned()
            } else if text.starts_with("duplicate field `") {
                // The field name comes from the model, not from the request.
                let mut chars = text.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            } else {
                "Invalid value".to_owned()
            };
            format!("{what} {at}")
        }
    }
}

/// The JSON kind of serde's description of an unexpected value (`string "..."`,
/// `integer `5``, `map`, ...), without the value.
fn json_kind(unexpected: &str) -> &'static str {
    const KINDS: [(&str, &str); 8] = [
        ("string", "a string"),
        ("integer", "a number"),
        ("floating point", "a number"),
        ("boolean", "a boolean"),
        ("map", "an object"),
        ("sequence", "an array"),
        ("null", "null"),
        ("unit", "null"),
    ];
    KINDS
        .iter()
        .find(|(prefix, _)| unexpected.starts_with(prefix))
        .map_or("a value of another type", |(_, kind)| kind)
}
