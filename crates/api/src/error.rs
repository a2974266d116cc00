//! The error a client sees: a kind (its `__type` and HTTP status) and a message.
//!
//! [`ErrorKind`] is generated from the model's error shapes plus the protocol errors AWS
//! returns before an operation runs; this file is the one place an error becomes a body.

use crate::ErrorKind;
use crate::validate::ValidationError;

/// An error as it goes on the wire: `{"__type": "<kind>", "message": "..."}` with
/// [`ErrorKind::status`] as the HTTP status.
///
/// The message is shown to the client: it must never carry secrets or internal causes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.name())]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// The JSON body: `{"__type":"NotFoundException","message":"..."}`.
    pub fn to_json_body(&self) -> Vec<u8> {
        // A `Value` prints infallibly; its map keeps keys sorted, so `__type` comes first.
        let mut body = serde_json::Map::new();
        body.insert("__type".to_owned(), self.kind.name().into());
        body.insert("message".to_owned(), self.message.as_str().into());
        serde_json::Value::Object(body).to_string().into_bytes()
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        Self::new(ErrorKind::Validation, err.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_names_the_type_and_escapes_the_message() {
        let err = ApiError::new(ErrorKind::NotFound, "Key 'x\"y' does not exist");
        assert_eq!(
            String::from_utf8(err.to_json_body()).unwrap(),
            r#"{"__type":"NotFoundException","message":"Key 'x\"y' does not exist"}"#
        );
        assert_eq!(err.status(), 404);
        assert_eq!(
            err.to_string(),
            "NotFoundException: Key 'x\"y' does not exist"
        );
    }
}
