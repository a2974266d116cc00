//! The service's errors and their one mapping onto the wire.

use trent_api::{ApiError, ErrorKind};
use trent_store::StoreError;

/// What went wrong in a call: an error the client is told about, or an internal failure
/// that is logged and answered with a bare `KMSInternalException`.
#[derive(Debug)]
pub enum Error {
    Client(ApiError),
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::Client(ApiError::new(kind, message.into()))
    }

    /// An internal failure. `cause` is logged, never returned to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::KmsInvalidState, message)
    }

    /// The wire error for this failure. Internal causes are logged here, with the request id,
    /// and replaced by a message that says nothing.
    pub fn into_api(self, request_id: &str) -> ApiError {
        match self {
            Self::Client(e) => e,
            Self::Internal(cause) => {
                tracing::error!(request_id, %cause, "internal error");
                ApiError::new(
                    ErrorKind::KmsInternal,
                    "An internal error occurred. Please retry your request.".to_owned(),
                )
            }
        }
    }

    /// The `__type` this error answers with.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Client(e) => e.kind,
            Self::Internal(_) => ErrorKind::KmsInternal,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Self::Client(e)
    }
}

impl From<StoreError> for Error {
    /// Store failures that reach here unhandled are not the client's doing. `NotFound` and
    /// `Conflict` that mean something to the client are mapped where they occur.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "store unavailable");
                Self::new(
                    ErrorKind::DependencyTimeout,
                    "The system timed out while trying to fulfill the request. You can retry the request.",
                )
            }
            other => Self::internal(other),
        }
    }
}
