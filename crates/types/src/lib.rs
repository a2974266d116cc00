//! The vocabulary of Trent: the values every other crate speaks in.
//!
//! This crate owns the domain types that wire data is parsed into at the edge — account ids,
//! regions, key ids and ARNs, alias names, the ways a request may name a key, encryption
//! contexts with their canonical byte form, the enums of the KMS model, timestamps and the
//! clock. A handler that holds one of these types holds a value that has already been checked.
//!
//! It must never do IO, hold secrets or know about HTTP, storage or cryptography.

mod context;
mod enums;
mod ids;
mod time;

pub use context::{EncryptionContext, EncryptionContextError};
pub use enums::*;
pub use ids::{
    AccountId, AliasArn, AliasName, AliasNameError, GrantId, KeyArn, KeyId, KeyRef, KeyRefError,
    MaterialId, PrincipalArn, Region,
};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
