//! Authorization: whether a caller may perform an action on a key. The only place that
//! decides it, and always before key material is unsealed.
//!
//! Today every key carries AWS's default key policy semantics — the key's account root is
//! allowed `kms:*`, which delegates to the principals' identity policies — and every
//! configured principal has an allow-all identity policy (the out-of-the-box `admin`). The
//! decision that follows is AWS's for that setup: a principal may use the keys of its own
//! account; a key of another account is refused, since no key policy names the caller.
//! Evaluating stored key policies, IAM policies and grants replaces the body of
//! [`authorize`] without changing its callers.

use trent_api::ErrorKind;
use trent_store::KeyRecord;

use crate::{Caller, Error};

/// Decides `action` (`kms:Encrypt`, ...) for `caller` on `key` (`None` for actions on no
/// key, such as `kms:CreateKey`, which identity policies alone decide).
pub fn authorize(
    caller: &Caller,
    action: &str,
    key: Option<(&KeyRecord, &str)>,
) -> Result<(), Error> {
    match key {
        None => Ok(()),
        Some((record, _)) if record.account == *caller.account() => Ok(()),
        Some((_, key_arn)) => Err(Error::new(
            ErrorKind::AccessDenied,
            format!(
                "User: {} is not authorized to perform: {action} on resource: {key_arn} \
                 because no resource-based policy allows the {action} action",
                caller.principal
            ),
        )),
    }
}
