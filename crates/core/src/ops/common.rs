//! What several operations share: reading members the model requires, encryption contexts,
//! pagination markers, tags, and the key metadata every key-returning operation answers with.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use trent_api::ErrorKind;
use trent_api::shapes::{KeyMetadata, Tag as WireTag};
use trent_store::{KeyRecord, Tag};
use trent_types::{EncryptionAlgorithm, EncryptionContext, KeyManagerType, KeySpec, KeyState};

use crate::{Error, keys};

/// A member the model marks required. Validation has already refused a request without it,
/// so `None` here is a bug, answered as an internal error rather than a panic.
pub fn need<T>(member: Option<T>, name: &str) -> Result<T, Error> {
    member
        .ok_or_else(|| Error::internal(format!("required member {name} missing after validation")))
}

/// An encryption context from the wire. KMS refuses empty keys or values.
pub fn encryption_context(
    map: Option<BTreeMap<String, String>>,
) -> Result<EncryptionContext, Error> {
    match map {
        None => Ok(EncryptionContext::new()),
        Some(m) => EncryptionContext::from_pairs(m).map_err(|e| Error::validation(e.to_string())),
    }
}

/// The encryption algorithm a request names, as `kms:EncryptionAlgorithm` carries it:
/// SYMMETRIC_DEFAULT, the member's default, when the request names none.
pub fn requested_algorithm(requested: Option<&str>) -> &str {
    requested.unwrap_or("SYMMETRIC_DEFAULT")
}

/// Symmetric keys take only SYMMETRIC_DEFAULT; anything else is the wrong algorithm for the key.
pub fn symmetric_algorithm(
    requested: Option<&str>,
    key_arn: &str,
) -> Result<EncryptionAlgorithm, Error> {
    match requested {
        None | Some("SYMMETRIC_DEFAULT") => Ok(EncryptionAlgorithm::SymmetricDefault),
        Some(other) => Err(incompatible_algorithm(other, key_arn)),
    }
}

/// The encryption algorithm a request names for an asymmetric key: one of the key's own
/// (its spec's list); SYMMETRIC_DEFAULT, the default, is not one.
pub fn key_encryption_algorithm(
    record: &KeyRecord,
    requested: Option<&str>,
    key_arn: &str,
) -> Result<EncryptionAlgorithm, Error> {
    if record.key_spec == KeySpec::SymmetricDefault {
        return symmetric_algorithm(requested, key_arn);
    }
    let name = requested.unwrap_or("SYMMETRIC_DEFAULT");
    let allowed = trent_crypto::spec::algorithms(record.key_spec, record.key_usage)
        .map_or(&[][..], |a| a.encryption);
    EncryptionAlgorithm::parse(name)
        .filter(|a| allowed.contains(a))
        .ok_or_else(|| incompatible_algorithm(name, key_arn))
}

fn incompatible_algorithm(name: &str, key_arn: &str) -> Error {
    Error::new(
        ErrorKind::InvalidKeyUsage,
        format!("The encryption algorithm {name} is not compatible with KMS key {key_arn}."),
    )
}

/// Asymmetric keys take no encryption context: it would not be bound to anything.
pub fn no_context(context: &EncryptionContext) -> Result<(), Error> {
    if !context.is_empty() {
        return Err(Error::validation(
            "EncryptionContext is supported only on operations with symmetric encryption KMS keys.",
        ));
    }
    Ok(())
}

/// A key of the wrong kind for an operation (GenerateDataKey on an RSA key, say).
pub fn wrong_key_spec(record: &KeyRecord, key_arn: &str, operation: &str) -> Error {
    Error::new(
        ErrorKind::InvalidKeyUsage,
        format!(
            "{key_arn} key spec is {} which is not valid for {operation}.",
            record.key_spec
        ),
    )
}

/// A pagination marker: opaque to clients, the last item's sort key inside.
pub fn encode_marker(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{last}"))
}

/// Reads a marker made by [`encode_marker`]; anything else is `InvalidMarkerException`.
pub fn decode_marker(marker: &str) -> Result<String, Error> {
    let invalid = || Error::new(ErrorKind::InvalidMarker, "Invalid marker");
    let bytes = URL_SAFE_NO_PAD.decode(marker).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("v1:")
        .map(str::to_owned)
        .ok_or_else(invalid)
}

/// The page size a listing uses: the request's `Limit`, or the operation's default.
pub fn limit(requested: Option<i64>, default: usize) -> usize {
    requested
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(default)
}

/// The name of a key's one policy.
pub const DEFAULT_POLICY_NAME: &str = "default";

/// The `PolicyName` of a request: `default`, its default and the only name a key policy has.
/// Any other name is no policy of the key.
pub fn policy_name(requested: Option<&str>) -> Result<&'static str, Error> {
    match requested {
        None | Some(DEFAULT_POLICY_NAME) => Ok(DEFAULT_POLICY_NAME),
        Some(_) => Err(Error::not_found("No such policy exists")),
    }
}

/// Most tags one key may carry.
pub const MAX_TAGS: usize = 50;

/// Tags from the wire, checked as KMS checks them: no `aws:` prefix, no key given twice.
pub fn tags(wire: Vec<WireTag>) -> Result<Vec<Tag>, Error> {
    let mut out: Vec<Tag> = Vec::with_capacity(wire.len());
    for t in wire {
        let key = t.tag_key.unwrap_or_default();
        let value = t.tag_value.unwrap_or_default();
        if key.starts_with("aws:") {
            return Err(Error::new(
                ErrorKind::Tag,
                "Tag keys beginning with \"aws:\" are reserved for AWS use.",
            ));
        }
        if out.iter().any(|existing| existing.key == key) {
            return Err(Error::new(
                ErrorKind::Tag,
                format!("Duplicate tag keys are not allowed: {key}"),
            ));
        }
        out.push(Tag { key, value });
    }
    Ok(out)
}

pub fn wire_tags(tags: Vec<Tag>) -> Vec<WireTag> {
    tags.into_iter()
        .map(|t| WireTag {
            tag_key: Some(t.key),
            tag_value: Some(t.value),
        })
        .collect()
}

/// A list member KMS leaves out when it would be empty.
pub fn non_empty<T: Copy>(list: &[T]) -> Option<Vec<T>> {
    (!list.is_empty()).then(|| list.to_vec())
}

/// The `KeyMetadata` KMS returns for a key.
pub fn key_metadata(record: &KeyRecord) -> KeyMetadata {
    let pending = record.state == KeyState::PendingDeletion;
    // A primary waiting for its replicas shows its waiting period, not yet a date.
    let waiting = pending || record.state == KeyState::PendingReplicaDeletion;
    let algorithms = trent_crypto::spec::algorithms(record.key_spec, record.key_usage);
    KeyMetadata {
        aws_account_id: Some(record.account.as_str().to_owned()),
        key_id: Some(record.key_id.as_str().to_owned()),
        arn: Some(keys::record_arn(record)),
        creation_date: Some(record.creation_date),
        enabled: Some(record.state == KeyState::Enabled),
        description: Some(record.description.clone()),
        key_usage: Some(record.key_usage),
        key_state: Some(record.state),
        deletion_date: record.deletion_date.filter(|_| pending),
        pending_deletion_window_in_days: record
            .pending_window_days
            .filter(|_| waiting)
            .map(i64::from),
        origin: Some(record.origin),
        key_manager: Some(KeyManagerType::Customer),
        customer_master_key_spec: trent_crypto::spec::customer_master_key_spec(record.key_spec),
        key_spec: Some(record.key_spec),
        encryption_algorithms: algorithms.and_then(|a| non_empty(a.encryption)),
        signing_algorithms: algorithms.and_then(|a| non_empty(a.signing)),
        mac_algorithms: algorithms.and_then(|a| non_empty(a.mac)),
        key_agreement_algorithms: algorithms.and_then(|a| non_empty(a.key_agreement)),
        encapsulation_algorithms: algorithms.and_then(|a| non_empty(a.encapsulation)),
        multi_region: Some(record.multi_region),
        current_key_material_id: record
            .current_material
            .filter(|_| record.key_spec == KeySpec::SymmetricDefault)
            .map(|m| m.to_hex()),
        ..KeyMetadata::default()
    }
}

/// `DryRun`: once every check of the call has passed, say so instead of acting.
pub fn dry_run(flag: Option<bool>) -> Result<(), Error> {
    if flag == Some(true) {
        return Err(Error::new(
            ErrorKind::DryRunOperation,
            "The request would have succeeded, but the DryRun option is set.",
        ));
    }
    Ok(())
}

/// `Recipient` (attested enclaves) is not something Trent can verify; refuse it plainly.
pub fn no_recipient<T>(recipient: Option<&T>) -> Result<(), Error> {
    if recipient.is_some() {
        return Err(Error::new(
            ErrorKind::UnsupportedOperation,
            "Recipient attestation documents are not supported by Trent.",
        ));
    }
    Ok(())
}

/// `InvalidCiphertextException`, saying nothing about what was wrong.
pub fn invalid_ciphertext() -> Error {
    Error::new(ErrorKind::InvalidCiphertext, "")
}

/// An alias name from a request that names an existing alias.
pub fn parse_alias_name(s: &str) -> Result<trent_types::AliasName, Error> {
    trent_types::AliasName::parse(s).map_err(|e| match e {
        trent_types::AliasNameError::MissingPrefix => Error::validation(
            "Alias must start with the prefix \"alias/\". Please see \
             https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ),
        _ => Error::validation(format!("{s} contains invalid characters for an alias")),
    })
}

/// An alias name a customer may create or point elsewhere: not under `alias/aws/`.
pub fn customer_alias(s: &str) -> Result<trent_types::AliasName, Error> {
    let name = parse_alias_name(s)?;
    if name.is_reserved() {
        return Err(Error::new(
            ErrorKind::NotAuthorized,
            "The alias/aws/ prefix is reserved for AWS managed keys.",
        ));
    }
    Ok(name)
}

/// The key an alias is to point at: a key id or key ARN, never another alias.
pub fn target_key_ref(s: &str) -> Result<&str, Error> {
    match keys::parse_key_ref(s)? {
        trent_types::KeyRef::Id(_) | trent_types::KeyRef::Arn(_) => Ok(s),
        _ => Err(Error::validation(
            "TargetKeyId must be a key ID or key ARN, not an alias.",
        )),
    }
}

pub fn alias_arn(alias: &trent_store::AliasRecord) -> String {
    trent_types::AliasArn {
        region: alias.region.clone(),
        account: alias.account.clone(),
        name: alias.name.clone(),
    }
    .to_string()
}

pub fn alias_not_found(
    region: &trent_types::Region,
    account: &trent_types::AccountId,
    name: &trent_types::AliasName,
) -> Error {
    let arn = trent_types::AliasArn {
        region: region.clone(),
        account: account.clone(),
        name: name.clone(),
    };
    Error::not_found(format!("Alias {arn} is not found."))
}

/// The wire error for a refused operation on a prepared key. `CryptoError` behind
/// [`KeyOpError::Crypto`] is internal: the request was fine and the operation failed.
pub fn key_op_error(e: trent_crypto::KeyOpError, key_arn: &str, algorithm: &str) -> Error {
    use trent_crypto::KeyOpError as K;
    match e {
        K::UnsupportedAlgorithm => Error::new(
            ErrorKind::InvalidKeyUsage,
            format!("The algorithm {algorithm} is not compatible with KMS key {key_arn}."),
        ),
        K::UnsupportedMessageType => Error::validation(format!(
            "The message type is not valid for the signing algorithm {algorithm}."
        )),
        K::DigestLength => Error::validation(format!(
            "Digest is invalid length for algorithm {algorithm}."
        )),
        K::MessageTooLong => Error::validation("The message is longer than 4096 bytes."),
        K::PlaintextTooLarge => Error::validation(format!(
            "The plaintext is too long for {algorithm} with KMS key {key_arn}."
        )),
        K::InvalidPublicKey => Error::validation(
            "The public key is not a valid SubjectPublicKeyInfo for the curve of this KMS key.",
        ),
        K::CiphertextLength => invalid_ciphertext(),
        K::Crypto => Error::internal(format!("cryptographic failure with {key_arn}")),
    }
}

/// A member holding one of the model's enum values, which validation already checked.
pub fn enum_member<T>(
    value: Option<&str>,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, Error> {
    let value = value.ok_or_else(|| {
        Error::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: \
             Member must not be null",
            lower_first(name)
        ))
    })?;
    parse(value).ok_or_else(|| Error::internal(format!("{name} {value} passed validation")))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_refuse_garbage() {
        let m = encode_marker("abc");
        assert_eq!(decode_marker(&m).unwrap(), "abc");
        assert_eq!(
            decode_marker("garbage!").unwrap_err().kind(),
            ErrorKind::InvalidMarker
        );
        let no_prefix = URL_SAFE_NO_PAD.encode("abc");
        assert!(decode_marker(&no_prefix).is_err());
    }

    #[test]
    fn tags_refuse_reserved_and_duplicates() {
        let t = |k: &str| WireTag {
            tag_key: Some(k.into()),
            tag_value: Some("v".into()),
        };
        assert_eq!(tags(vec![t("a"), t("b")]).unwrap().len(), 2);
        assert_eq!(tags(vec![t("aws:x")]).unwrap_err().kind(), ErrorKind::Tag);
        assert_eq!(
            tags(vec![t("a"), t("a")]).unwrap_err().kind(),
            ErrorKind::Tag
        );
    }
}
