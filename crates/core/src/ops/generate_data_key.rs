//! GenerateDataKey: a fresh random data key, returned in plaintext and encrypted under a
//! symmetric key.

use serde_json::{Value, json};
use trent_api::ops::generate_data_key::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation, SecretBlob};
use trent_types::{DataKeySpec, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, need, no_recipient, wrong_key_spec,
};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateDataKey,
        action: "kms:GenerateDataKey",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncryptDecrypt]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "encryptionContext": req.encryption_context,
            "keySpec": req.key_spec,
            "numberOfBytes": req.number_of_bytes,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        no_recipient(req.recipient.as_ref())?;
        let data_key = generate(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.encryption_context,
            req.key_spec.as_deref(),
            req.number_of_bytes,
            req.dry_run,
        )
        .await?;
        Ok(Response {
            ciphertext_blob: Some(Blob(data_key.ciphertext)),
            plaintext: Some(SecretBlob::from(data_key.plaintext.into_inner())),
            key_id: Some(data_key.key_arn),
            key_material_id: Some(data_key.material_id),
            ciphertext_for_recipient: None,
        })
    }
}

/// A data key made for GenerateDataKey and GenerateDataKeyWithoutPlaintext.
pub(crate) struct DataKey {
    pub plaintext: trent_crypto::Plaintext,
    pub ciphertext: Vec<u8>,
    pub key_arn: String,
    pub material_id: String,
}

pub(crate) async fn generate(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    key_ref: Option<&str>,
    context: Option<std::collections::BTreeMap<String, String>>,
    key_spec: Option<&str>,
    number_of_bytes: Option<i64>,
    dry: Option<bool>,
) -> Result<DataKey> {
    let target = cx.svc.resolve(cx.caller, need(key_ref, "KeyId")?).await?;
    let context = encryption_context(context)?;
    let len = data_key_len(key_spec, number_of_bytes)?;
    // Data keys are encrypted with SYMMETRIC_DEFAULT, the one algorithm of the keys they
    // accept.
    let conditions = Conditions::NONE
        .encryption_context(&context)
        .encryption_algorithm("SYMMETRIC_DEFAULT");
    let key = cx
        .svc
        .preflight_crypto(cx, spec, &target, &conditions)
        .await?;
    let current = key
        .current_symmetric()
        .ok_or_else(|| wrong_key_spec(&key.record, &key.arn, spec.operation.name()))?;
    dry_run(dry)?;
    let plaintext = trent_crypto::random_bytes(len).map_err(Error::internal)?;
    let ciphertext = current
        .encrypt(key.record.key_id.as_str(), &context, plaintext.as_bytes())
        .map_err(Error::internal)?;
    Ok(DataKey {
        plaintext,
        ciphertext,
        key_arn: key.arn.clone(),
        material_id: current.material_id().to_hex(),
    })
}

/// Exactly one of `KeySpec` and `NumberOfBytes`, as KMS requires.
fn data_key_len(key_spec: Option<&str>, number_of_bytes: Option<i64>) -> Result<usize> {
    match (key_spec.and_then(DataKeySpec::parse), number_of_bytes) {
        (Some(_), Some(_)) => Err(Error::validation(
            "Please specify either number of bytes or key spec, not both.",
        )),
        (None, None) => Err(Error::validation(
            "Please specify either number of bytes or key spec.",
        )),
        (Some(DataKeySpec::Aes256), None) => Ok(32),
        (Some(DataKeySpec::Aes128), None) => Ok(16),
        (None, Some(n)) => usize::try_from(n)
            .map_err(|_| Error::new(ErrorKind::Validation, "Invalid number of bytes.")),
    }
}
