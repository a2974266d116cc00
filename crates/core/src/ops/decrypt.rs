//! Decrypt: a symmetric ciphertext blob back to its plaintext. The blob names its key;
//! a `KeyId` in the request must name the same one.

use serde_json::{Value, json};
use trent_api::ops::decrypt::{Request, Response};
use trent_api::{ErrorKind, Operation, SecretBlob};
use trent_crypto::ciphertext;
use trent_types::{KeyId, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, invalid_ciphertext, no_recipient,
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
        let context = encryption_context(req.encryption_context)?;
        let algorithm = req.encryption_algorithm.as_deref();
        if ignores_ciphertext(req.dry_run, req.dry_run_modifiers.as_deref()) {
            let key_ref = req.key_id.as_deref().ok_or_else(|| missing("keyId"))?;
            check_key_only(cx, &Self::SPEC, key_ref, algorithm).await?;
            // Always an error here: the dry run's answer.
            dry_run(req.dry_run)?;
        }
        let blob = req
            .ciphertext_blob
            .ok_or_else(|| missing("ciphertextBlob"))?;
        let (key, plaintext, material_id) = decrypt_blob(
            cx,
            &Self::SPEC,
            blob.as_bytes(),
            req.key_id.as_deref(),
            &context,
            algorithm,
        )
        .await?;
        // A dry run checks the ciphertext too (unless told not to, above); the plaintext is
        // dropped, and zeroized, unseen.
        dry_run(req.dry_run)?;
        Ok(Response {
            key_id: Some(key),
            plaintext: Some(SecretBlob::from(plaintext.into_inner())),
            encryption_algorithm: Some(trent_types::EncryptionAlgorithm::SymmetricDefault),
            key_material_id: Some(material_id),
            ciphertext_for_recipient: None,
        })
    }
}

/// Whether a dry run is to skip the ciphertext (`DryRunModifiers: [IGNORE_CIPHERTEXT]`) and
/// check only that the key could be used.
pub(crate) fn ignores_ciphertext(dry: Option<bool>, modifiers: Option<&[String]>) -> bool {
    dry == Some(true) && modifiers.is_some_and(|m| m.iter().any(|m| m == "IGNORE_CIPHERTEXT"))
}

/// A member the model leaves optional (a dry run with IGNORE_CIPHERTEXT needs no
/// ciphertext, and names its key instead) but this request needs, refused as AWS refuses a
/// missing required member.
pub(crate) fn missing(member: &str) -> Error {
    Error::validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// The checks a dry run with IGNORE_CIPHERTEXT makes: the key exists and the caller may use
/// it for this operation in its state and usage. Unseals nothing.
pub(crate) async fn check_key_only(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    key_ref: &str,
    algorithm: Option<&str>,
) -> Result<()> {
    let (_, arn) = cx.svc.preflight_record(cx, spec, key_ref).await?;
    cx.touched(&arn);
    symmetric_algorithm(algorithm, &arn)?;
    Ok(())
}

/// Decrypts a version 1 blob for Decrypt and for the source half of ReEncrypt. Returns the
/// key ARN, the plaintext and the material id. A dry run is the caller's to answer, after
/// this validated the ciphertext.
pub(crate) async fn decrypt_blob(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    blob: &[u8],
    key_ref: Option<&str>,
    context: &trent_types::EncryptionContext,
    algorithm: Option<&str>,
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
    let key = match cx.svc.preflight_crypto(cx, spec, &target).await {
        // The key id came from the blob, unauthenticated until the key opens it: a blob that
        // names no key is as invalid as any other tampered blob.
        Err(e) if key_ref.is_none() && e.kind() == ErrorKind::NotFound => {
            return Err(invalid_ciphertext());
        }
        other => other?,
    };
    cx.touched(&key.arn);
    symmetric_algorithm(algorithm, &key.arn)?;
    let material = key
        .material(&parsed.material_id)
        .ok_or_else(invalid_ciphertext)?;
    let plaintext = material
        .decrypt(&parsed, context)
        .map_err(|_| invalid_ciphertext())?;
    Ok((key.arn.clone(), plaintext, parsed.material_id.to_hex()))
}
