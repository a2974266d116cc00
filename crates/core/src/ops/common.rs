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

/// Symmetric keys take only SYMMETRIC_DEFAULT; anything else is the wrong algorithm for the key.
pub fn symmetric_algorithm(
    requested: Option<&str>,
    key_arn: &str,
) -> Result<EncryptionAlgorithm, Error> {
    match requested {
        None | Some("SYMMETRIC_DEFAULT") => Ok(EncryptionAlgorithm::SymmetricDefault),
        Some(other) => Err(Error::new(
            ErrorKind::InvalidKeyUsage,
            format!("The encryption algorithm {other} is not compatible with KMS key {key_arn}."),
        )),
    }
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

/// The `KeyMetadata` KMS returns for a key.
pub fn key_metadata(record: &KeyRecord) -> KeyMetadata {
    let pending = record.state == KeyState::PendingDeletion;
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
            .filter(|_| pending)
            .map(i64::from),
        origin: Some(record.origin),
        key_manager: Some(KeyManagerType::Customer),
        customer_master_key_spec: trent_types::CustomerMasterKeySpec::parse(
            record.key_spec.as_str(),
        ),
        key_spec: Some(record.key_spec),
        encryption_algorithms: (record.key_spec == KeySpec::SymmetricDefault)
            .then(|| vec![EncryptionAlgorithm::SymmetricDefault]),
        multi_region: Some(record.multi_region),
        current_key_material_id: record.current_material.map(|m| m.to_hex()),
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
