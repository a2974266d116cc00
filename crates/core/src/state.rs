//! The key state machine, as plain functions over values.
//!
//! ```text
//!             EnableKey                ScheduleKeyDeletion
//!   Enabled <-----------> Disabled  ------------------------> PendingDeletion --(job)--> deleted
//!      |       DisableKey                <---------------------
//!      +------------------------------->  CancelKeyDeletion (returns to Disabled)
//! ```
//!
//! A multi-Region primary key with replicas goes to PendingReplicaDeletion instead of
//! PendingDeletion, and on to PendingDeletion when its last replica is deleted (the job);
//! CancelKeyDeletion returns it to Disabled as well.

use trent_api::ErrorKind;
use trent_types::KeyState;

use crate::Error;

/// Refuses a key whose state the operation does not accept, with the error AWS KMS gives:
/// `DisabledException` for a disabled key, `KMSInvalidStateException` for any other state.
pub fn check(state: KeyState, accepted: &[KeyState], key_arn: &str) -> Result<(), Error> {
    if accepted.contains(&state) {
        return Ok(());
    }
    if state == KeyState::Disabled {
        return Err(Error::new(
            ErrorKind::Disabled,
            format!("{key_arn} is disabled."),
        ));
    }
    Err(Error::invalid_state(format!(
        "{key_arn} is {}.",
        describe(state)
    )))
}

/// How a KMS error message names a state.
pub fn describe(state: KeyState) -> &'static str {
    match state {
        KeyState::Creating => "creating",
        KeyState::Enabled => "enabled",
        KeyState::Disabled => "disabled",
        KeyState::PendingDeletion => "pending deletion",
        KeyState::PendingImport => "pending import",
        KeyState::PendingReplicaDeletion => "pending replica deletion",
        KeyState::Unavailable => "unavailable",
        KeyState::Updating => "updating",
    }
}

/// The states from which a key may be scheduled for deletion.
pub const DELETABLE: &[KeyState] = &[
    KeyState::Enabled,
    KeyState::Disabled,
    KeyState::PendingImport,
];

/// States in which a key's metadata (description, tags, aliases) may change.
pub const MUTABLE: &[KeyState] = &[
    KeyState::Enabled,
    KeyState::Disabled,
    KeyState::PendingImport,
];

/// The states in which key material may be imported or deleted (GetParametersForImport,
/// ImportKeyMaterial, DeleteImportedKeyMaterial).
pub const IMPORTABLE: &[KeyState] = &[
    KeyState::Enabled,
    KeyState::Disabled,
    KeyState::PendingImport,
];

/// The states in which a multi-Region primary key may be replicated: a primary with
/// imported material may be replicated before its material is imported (PendingImport).
pub const REPLICABLE: &[KeyState] = &[
    KeyState::Enabled,
    KeyState::Disabled,
    KeyState::PendingImport,
];

/// The states EnableKey and DisableKey move between.
pub const TOGGLEABLE: &[KeyState] = &[KeyState::Enabled, KeyState::Disabled];

/// Every state: operations that only read metadata accept any.
pub const ANY: &[KeyState] = KeyState::VALUES;

/// Only enabled keys do cryptography.
pub const ENABLED: &[KeyState] = &[KeyState::Enabled];

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/k";

    #[test]
    fn accepted_states_pass() {
        assert!(check(KeyState::Enabled, ENABLED, ARN).is_ok());
        assert!(check(KeyState::PendingDeletion, ANY, ARN).is_ok());
    }

    #[test]
    fn disabled_is_its_own_error() {
        let e = check(KeyState::Disabled, ENABLED, ARN).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Disabled);
        let e = e.into_api("r");
        assert_eq!(e.message, format!("{ARN} is disabled."));
    }

    #[test]
    fn other_states_are_invalid_state() {
        let e = check(KeyState::PendingDeletion, ENABLED, ARN).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KmsInvalidState);
        assert_eq!(
            e.into_api("r").message,
            format!("{ARN} is pending deletion.")
        );
        let e = check(KeyState::PendingDeletion, DELETABLE, ARN).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::KmsInvalidState);
    }
}
