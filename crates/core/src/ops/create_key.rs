//! CreateKey: a new KMS key with fresh material, sealed before it is stored.

use serde_json::{Value, json};
use trent_api::ops::create_key::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_crypto::KeyMaterial;
use trent_store::{KeyRecord, MaterialRecord, MaterialState, Store, StoreError};
use trent_types::{AccountId, CustomerMasterKeySpec, KeyId, KeySpec, KeyState, KeyUsage, Origin};

use super::{Ctx, Handler, MAX_TAGS, OpSpec, key_metadata, tags};
use crate::{Error, Result, authz, keys, state};

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
        authz::authorize(cx.caller, Self::SPEC.action, None)?;
        let (key_spec, key_usage) = spec_and_usage(&req)?;
        if let Some(id) = req.custom_key_store_id.as_deref() {
            return Err(Error::new(
                ErrorKind::CustomKeyStoreNotFound,
                format!("Custom key store '{id}' does not exist."),
            ));
        }
        match req
            .origin
            .as_deref()
            .and_then(Origin::parse)
            .unwrap_or(Origin::AwsKms)
        {
            Origin::AwsKms => {}
            Origin::External => {
                return Err(unsupported("Imported key material (Origin EXTERNAL)"));
            }
            other => {
                return Err(Error::new(
                    ErrorKind::CustomKeyStoreNotFound,
                    format!("Origin {other} needs a custom key store; Trent has none."),
                ));
            }
        }
        if req.multi_region == Some(true) {
            return Err(unsupported("Multi-Region keys"));
        }
        let account = cx.caller.account().clone();
        let policy = match req.policy {
            Some(p) => checked_policy(p)?,
            None => default_policy(&account),
        };
        let tags = tags(req.tags.unwrap_or_default())?;
        if tags.len() > MAX_TAGS {
            return Err(Error::new(
                ErrorKind::Tag,
                format!("A KMS key can have at most {MAX_TAGS} tags."),
            ));
        }

        let now = cx.svc.clock().now();
        let key_id = KeyId::new_random();
        let material_id = trent_crypto::random_material_id().map_err(Error::internal)?;
        let record = KeyRecord {
            region: cx.caller.region.clone(),
            account,
            key_id,
            description: req.description.unwrap_or_default(),
            key_spec,
            key_usage,
            origin: Origin::AwsKms,
            state: KeyState::Enabled,
            creation_date: now,
            deletion_date: None,
            pending_window_days: None,
            policy,
            multi_region: false,
            current_material: Some(material_id),
            rotation: None,
            version: 1,
        };
        let arn = keys::record_arn(&record);
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
        match cx.svc.store().create_key(&record, &material, &tags).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(Error::internal("a fresh random key id collided"));
            }
            Err(e) => return Err(e.into()),
        }
        cx.touched(&arn);
        Ok(Response {
            key_metadata: Some(key_metadata(&record)),
        })
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

fn unsupported(what: &str) -> Error {
    Error::new(
        ErrorKind::UnsupportedOperation,
        format!("{what} is not supported by this Trent server yet."),
    )
}

/// A key policy must be a JSON object to be stored.
pub(crate) fn checked_policy(policy: String) -> Result<String> {
    match serde_json::from_str::<Value>(&policy) {
        Ok(Value::Object(_)) => Ok(policy),
        Ok(_) => Err(Error::new(
            ErrorKind::MalformedPolicyDocument,
            "The key policy must be a JSON object.",
        )),
        Err(e) => Err(Error::new(
            ErrorKind::MalformedPolicyDocument,
            format!("The key policy is not valid JSON: {e}"),
        )),
    }
}

/// AWS's default key policy: the account root may do everything, which hands the decision
/// to the account's identity policies.
pub fn default_policy(account: &AccountId) -> String {
    json!({
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{}:root", account.as_str()) },
            "Action": "kms:*",
            "Resource": "*",
        }],
    })
    .to_string()
}
