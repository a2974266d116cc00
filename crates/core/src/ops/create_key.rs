//! CreateKey: a new KMS key with fresh material, sealed before it is stored.

use serde_json::{Value, json};
use trent_api::ops::create_key::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_crypto::KeyMaterial;
use trent_policy::Policy;
use trent_store::{
    KeyRecord, MaterialRecord, MaterialState, MultiRegionKeys, Store, StoreError, Tag,
};
use trent_types::{
    AccountId, CustomerMasterKeySpec, KeyId, KeySpec, KeyState, KeyUsage, MultiRegionKeyType,
    Origin, PrincipalArn, Timestamp,
};

use super::{Ctx, Handler, MAX_TAGS, OpSpec, key_metadata, tags};
use crate::authz::{Conditions, KeyFacts, NewKey};
use crate::{Error, Result, authz, keys, multi_region, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::CreateKey,
        action: "kms:CreateKey",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "description": req.description,
            "keySpec": req.key_spec.as_deref().or(req.customer_master_key_spec.as_deref()).unwrap_or("SYMMETRIC_DEFAULT"),
            "keyUsage": req.key_usage.as_deref().unwrap_or("ENCRYPT_DECRYPT"),
            "origin": req.origin.as_deref().unwrap_or("AWS_KMS"),
            "multiRegion": req.multi_region.unwrap_or(false),
            "bypassPolicyLockoutSafetyCheck": req.bypass_policy_lockout_safety_check.unwrap_or(false),
            "tags": req.tags.as_ref().map(|t| t.iter().map(|t| json!({"tagKey": t.tag_key, "tagValue": t.tag_value})).collect::<Vec<_>>()),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let (key_spec, key_usage) = spec_and_usage(&req)?;
        let origin = req
            .origin
            .as_deref()
            .and_then(Origin::parse)
            .unwrap_or(Origin::AwsKms);
        let tags = tags(req.tags.unwrap_or_default())?;
        let bypass = req.bypass_policy_lockout_safety_check.unwrap_or(false);
        // Identity policies alone decide, on resource `*`; tags on creation need
        // kms:TagResource as well.
        let conditions = Conditions::NONE
            .new_key(NewKey {
                key_spec,
                key_usage,
                origin,
                multi_region: req.multi_region.unwrap_or(false),
                multi_region_type: req
                    .multi_region
                    .unwrap_or(false)
                    .then_some(MultiRegionKeyType::Primary),
            })
            .bypass_policy_lockout_safety_check(bypass)
            .request_tags(&tags);
        cx.svc
            .authorize_without_key(cx, Self::SPEC.action, &conditions)?;
        let now = cx.svc.clock().now();
        if !tags.is_empty() {
            authz::authorize_identity(cx.caller, "kms:TagResource", "*", false, &conditions, now)?;
        }
        let multi_region = req.multi_region.unwrap_or(false);
        // AWS keeps multi-Region keys out of custom key stores.
        let custom_store = req.custom_key_store_id.is_some()
            || matches!(origin, Origin::AwsCloudhsm | Origin::ExternalKeyStore);
        if multi_region && custom_store {
            return Err(Error::new(
                ErrorKind::UnsupportedOperation,
                "Multi-Region keys cannot be created in a custom key store.",
            ));
        }
        if let Some(id) = req.custom_key_store_id.as_deref() {
            return Err(Error::new(
                ErrorKind::CustomKeyStoreNotFound,
                format!("Custom key store '{id}' does not exist."),
            ));
        }
        match origin {
            Origin::AwsKms => {}
            Origin::External if !trent_crypto::import::importable(key_spec) => {
                return Err(Error::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "KeySpec {key_spec} does not support imported key material (Origin EXTERNAL)."
                    ),
                ));
            }
            Origin::External => {}
            other => {
                return Err(Error::new(
                    ErrorKind::CustomKeyStoreNotFound,
                    format!("Origin {other} needs a custom key store; Trent has none."),
                ));
            }
        }
        let account = cx.caller.account().clone();
        // The lockout check applies to a policy the caller gives, not to the default one.
        let check_lockout = req.policy.is_some() && !bypass;
        let (policy_text, policy) = policy_or_default(req.policy, &account)?;
        if let Some(arn) = unknown_principal(cx, &policy).await? {
            return Err(invalid_principal(&arn));
        }
        if tags.len() > MAX_TAGS {
            return Err(Error::new(
                ErrorKind::Tag,
                format!("A KMS key can have at most {MAX_TAGS} tags."),
            ));
        }

        let key_id = if multi_region {
            KeyId::new_multi_region()
        } else {
            KeyId::new_random()
        };
        let material_id = trent_crypto::random_material_id().map_err(Error::internal)?;
        // A key for imported material has none until ImportKeyMaterial brings it.
        let external = origin == Origin::External;
        let record = KeyRecord {
            region: cx.caller.region.clone(),
            account,
            key_id,
            description: req.description.unwrap_or_default(),
            key_spec,
            key_usage,
            origin,
            state: if external {
                KeyState::PendingImport
            } else {
                KeyState::Enabled
            },
            creation_date: now,
            deletion_date: None,
            pending_window_days: None,
            policy: policy_text,
            multi_region,
            current_material: (!external).then_some(material_id),
            rotation: None,
            version: 1,
        };
        let arn = keys::record_arn(&record);
        if check_lockout {
            let key_type = record.multi_region.then_some(MultiRegionKeyType::Primary);
            new_key_lockout_check(cx, &policy, &record, &arn, &tags, key_type, now)?;
        }
        if external {
            store_key(cx.svc.store().create_key_without_material(&record, &tags)).await?;
            cx.touched(&arn);
            return Ok(Response {
                key_metadata: Some(new_key_metadata(&record)),
            });
        }
        // Generating an RSA-4096 key takes about a second: keep it off the request threads.
        let material = if key_spec == KeySpec::SymmetricDefault {
            KeyMaterial::generate_symmetric().map_err(Error::internal)?
        } else {
            tokio::task::spawn_blocking(move || KeyMaterial::generate(key_spec))
                .await
                .map_err(Error::internal)?
                .map_err(Error::internal)?
        };
        let sealed = cx
            .svc
            .sealer()
            .seal(&arn, &material_id, &material)
            .map_err(Error::internal)?;
        drop(material);
        let material = MaterialRecord {
            region: record.region.clone(),
            key_id: record.key_id.clone(),
            material_id,
            state: MaterialState::Current,
            created: now,
            rotation_type: None,
            sealed,
        };
        store_key(cx.svc.store().create_key(&record, &material, &tags)).await?;
        cx.touched(&arn);
        Ok(Response {
            key_metadata: Some(new_key_metadata(&record)),
        })
    }
}

/// The metadata of a key just created; a multi-Region one is a primary with no replica yet.
fn new_key_metadata(record: &KeyRecord) -> trent_api::shapes::KeyMetadata {
    let mut metadata = key_metadata(record);
    if record.multi_region {
        let set = MultiRegionKeys {
            key_id: record.key_id.clone(),
            account: record.account.clone(),
            primary_region: record.region.clone(),
            keys: vec![record.clone()],
        };
        metadata.multi_region_configuration =
            Some(multi_region::configuration(&set, &record.region));
    }
    metadata
}

/// Awaits the store's insert of a new key.
async fn store_key(
    insert: impl std::future::Future<Output = trent_store::Result<()>>,
) -> Result<()> {
    match insert.await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict) => Err(Error::internal("a fresh random key id collided")),
        Err(e) => Err(e.into()),
    }
}

/// The key spec and usage asked for (SYMMETRIC_DEFAULT and ENCRYPT_DECRYPT by default),
/// refusing the pairs AWS refuses.
fn spec_and_usage(req: &Request) -> Result<(KeySpec, KeyUsage)> {
    let spec = match (req.key_spec.as_deref(), req.customer_master_key_spec.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Error::validation(
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.",
            ));
        }
        (Some(s), None) => KeySpec::parse(s),
        (None, Some(s)) => CustomerMasterKeySpec::parse(s).and_then(|c| KeySpec::parse(c.as_str())),
        (None, None) => Some(KeySpec::SymmetricDefault),
    }
    .ok_or_else(|| Error::validation("Invalid KeySpec."))?;
    let usage = req
        .key_usage
        .as_deref()
        .map(|u| KeyUsage::parse(u).ok_or_else(|| Error::validation("Invalid KeyUsage.")))
        .transpose()?
        .unwrap_or(KeyUsage::EncryptDecrypt);
    if !trent_crypto::spec::allows_usage(spec, usage) {
        return Err(Error::validation(format!(
            "KeyUsage {usage} is not compatible with KeySpec {spec}"
        )));
    }
    Ok((spec, usage))
}

/// The policy of a new key (CreateKey, ReplicateKey): the document given, parsed, or AWS's
/// default key policy for `account`.
pub(crate) fn policy_or_default(
    given: Option<String>,
    account: &AccountId,
) -> Result<(String, Policy)> {
    match given {
        Some(text) => {
            let parsed = key_policy(&text)?;
            Ok((text, parsed))
        }
        None => {
            let text = Policy::default_key_policy(account);
            let parsed = Policy::parse_key_policy(&text).map_err(Error::internal)?;
            Ok((text, parsed))
        }
    }
}

/// The policy lockout safety check for a key about to be created with `policy`.
pub(crate) fn new_key_lockout_check(
    cx: &Ctx<'_>,
    policy: &Policy,
    record: &KeyRecord,
    arn: &str,
    tags: &[Tag],
    multi_region_type: Option<MultiRegionKeyType>,
    now: Timestamp,
) -> Result<()> {
    let key = KeyFacts {
        record,
        arn,
        policy: Some(policy),
        tags,
        aliases: Some(&[]),
        grants: &[],
        multi_region_type,
    };
    authz::lockout_check(cx.caller, policy, &key, now)
}

/// A key policy document parsed, or `MalformedPolicyDocumentException` saying what is wrong
/// with it.
/// The first IAM user or role a key policy names that does not exist in this deployment
/// (neither configured nor stored): AWS refuses principals it cannot find. Account roots and
/// session ARNs are taken as written.
pub(crate) async fn unknown_principal(cx: &Ctx<'_>, policy: &Policy) -> Result<Option<String>> {
    for arn in policy.principal_arns() {
        let is_iam_identity = arn
            .strip_prefix("arn:aws:iam::")
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(_, name)| name.starts_with("user/") || name.starts_with("role/"));
        if !is_iam_identity {
            continue;
        }
        let configured = cx
            .svc
            .identities()
            .iter()
            .any(|c| c.principal.arn.as_str() == arn);
        if configured {
            continue;
        }
        let stored = match PrincipalArn::parse(arn) {
            Some(parsed) => cx.svc.store().principal(&parsed).await?.is_some(),
            None => false,
        };
        if !stored {
            return Ok(Some(arn.to_owned()));
        }
    }
    Ok(None)
}

/// MalformedPolicyDocumentException for a principal that does not exist, in AWS's words.
pub(crate) fn invalid_principal(arn: &str) -> Error {
    Error::new(
        ErrorKind::MalformedPolicyDocument,
        format!("Policy contains a statement with one or more invalid principals: {arn}"),
    )
}

pub(crate) fn key_policy(text: &str) -> Result<Policy> {
    Policy::parse_key_policy(text)
        .map_err(|e| Error::new(ErrorKind::MalformedPolicyDocument, e.to_string()))
}
