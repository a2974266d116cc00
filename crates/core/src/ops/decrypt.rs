//! Decrypt: a symmetric ciphertext blob back to its plaintext. The blob names its key;
//! a `KeyId` in the request must name the same one.

use serde_json::{Value, json};
use trent_api::ops::decrypt::{Request, Response};
use trent_api::{ErrorKind, Operation, SecretBlob};
use trent_crypto::ciphertext;
use trent_types::{KeyId, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, invalid_ciphertext, need, no_recipient,
    symmetric_algorithm,
};
use crate::keys::Target;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Decrypt,
        action: "kms:Decrypt",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncryptDecrypt]),
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "encryptionContext": req.encryption_context,
            "encryptionAlgorithm": req.encryption_algorithm.as_deref().unwrap_or("SYMMETRIC_DEFAULT"),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        no_recipient(req.recipient.as_ref())?;
        let blob = need(req.ciphertext_blob, "CiphertextBlob")?;
        let context = encryption_context(req.encryption_context)?;
        let (key, plaintext, material_id) = decrypt_blob(
            cx,
            &Self::SPEC,
            blob.as_bytes(),
            req.key_id.as_deref(),
            &context,
            req.encryption_algorithm.as_deref(),
            req.dry_run,
        )
        .await?;
        Ok(Response {
            key_id: Some(key),
            plaintext: Some(SecretBlob::from(plaintext.into_inner())),
            encryption_algorithm: Some(trent_types::EncryptionAlgorithm::SymmetricDefault),
            key_material_id: Some(material_id),
            ciphertext_for_recipient: None,
        })
    }
}

/// Decrypts a version 1 blob for Decrypt and for the source half of ReEncrypt. Returns the
/// key ARN, the plaintext and the material id.
pub(crate) async fn decrypt_blob(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    blob: &[u8],
    key_ref: Option<&str>,
    context: &trent_types::EncryptionContext,
    algorithm: Option<&str>,
    dry: Option<bool>,
) -> Result<(String, trent_crypto::Plaintext, String)> {
    let parsed = ciphertext::parse(blob).map_err(|_| invalid_ciphertext())?;
    let blob_key = KeyId::parse(parsed.key_id).ok_or_else(invalid_ciphertext)?;
    let target = match key_ref {
        Some(r) => {
            let t = cx.svc.resolve(cx.caller, r).await?;
            if t.key_id != blob_key {
                return Err(Error::new(
                    ErrorKind::IncorrectKey,
                    "The key ID in the request does not identify a CMK that can perform this operation.",
                ));
            }
            t
        }
        None => Target {
            region: cx.caller.region.clone(),
            account: cx.caller.account().clone(),
            key_id: blob_key,
        },
    };
    let key = cx.svc.preflight_crypto(cx.caller, spec, &target).await?;
    cx.touched(&key.arn);
    symmetric_algorithm(algorithm, &key.arn)?;
    dry_run(dry)?;
    let material = key
        .material(&parsed.material_id)
        .ok_or_else(invalid_ciphertext)?;
    let plaintext = material
        .decrypt(&parsed, context)
        .map_err(|_| invalid_ciphertext())?;
    Ok((key.arn.clone(), plaintext, parsed.material_id.to_hex()))
}
