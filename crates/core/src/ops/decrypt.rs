//! Decrypt: a ciphertext back to its plaintext. A symmetric blob names its key, and a
//! `KeyId` in the request must name the same one; an asymmetric (RSA-OAEP, SM2PKE)
//! ciphertext names nothing, so the request must.

use serde_json::{Value, json};
use trent_api::ops::decrypt::{Request, Response};
use trent_api::{ErrorKind, Operation, SecretBlob};
use trent_crypto::{Plaintext, PreparedKey, ciphertext};
use trent_types::{EncryptionAlgorithm, EncryptionContext, KeyId, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, invalid_ciphertext,
    key_encryption_algorithm, no_context, no_recipient, requested_algorithm, symmetric_algorithm,
};
use crate::CachedKey;
use crate::authz::Conditions;
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
        cross_account: true,
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
        let conditions = Conditions::NONE
            .encryption_context(&context)
            .encryption_algorithm(requested_algorithm(algorithm));
        if ignores_ciphertext(req.dry_run, req.dry_run_modifiers.as_deref()) {
            let key_ref = req.key_id.as_deref().ok_or_else(|| missing("keyId"))?;
            check_key_only(cx, &Self::SPEC, key_ref, algorithm, &conditions).await?;
            // Always an error here: the dry run's answer.
            dry_run(req.dry_run)?;
        }
        let blob = req
            .ciphertext_blob
            .ok_or_else(|| missing("ciphertextBlob"))?;
        let decrypted = decrypt_blob(
            cx,
            &Self::SPEC,
            blob.as_bytes(),
            req.key_id.as_deref(),
            &context,
            algorithm,
            &conditions,
        )
        .await?;
        // A dry run checks the ciphertext too (unless told not to, above); the plaintext is
        // dropped, and zeroized, unseen.
        dry_run(req.dry_run)?;
        Ok(Response {
            key_id: Some(decrypted.key_arn),
            plaintext: Some(SecretBlob::from(decrypted.plaintext.into_inner())),
            encryption_algorithm: Some(decrypted.algorithm),
            key_material_id: decrypted.material_id,
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
    conditions: &Conditions<'_>,
) -> Result<()> {
    let (record, arn) = cx
        .svc
        .preflight_record(cx, spec, key_ref, conditions)
        .await?;
    key_encryption_algorithm(&record, algorithm, &arn)?;
    Ok(())
}

/// Decrypts for Decrypt and for the source half of ReEncrypt. A symmetric ciphertext names
/// its key and material; an asymmetric one names nothing, so the request must (`KeyId`).
/// Returns the key ARN, the plaintext, the algorithm and, for symmetric keys, the material id.
/// A dry run is the caller's to answer, after this validated the ciphertext.
pub(crate) async fn decrypt_blob(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    blob: &[u8],
    key_ref: Option<&str>,
    context: &EncryptionContext,
    algorithm: Option<&str>,
    conditions: &Conditions<'_>,
) -> Result<Decrypted> {
    let Some(key_ref) = key_ref else {
        let parsed = ciphertext::parse(blob).map_err(|_| invalid_ciphertext())?;
        let blob_key = KeyId::parse(parsed.key_id).ok_or_else(invalid_ciphertext)?;
        // The key id came from the blob, unauthenticated until the key opens it: a blob
        // that names no key is as invalid as any other tampered blob.
        let not_found = |e: Error| match e.kind() {
            ErrorKind::NotFound => invalid_ciphertext(),
            _ => e,
        };
        let target = cx
            .svc
            .blob_target(&cx.caller.region, blob_key)
            .await
            .map_err(not_found)?;
        let key = cx
            .svc
            .preflight_crypto(cx, spec, &target, conditions)
            .await
            .map_err(not_found)?;
        return decrypt_symmetric(&key, &parsed, context, algorithm);
    };
    let target = cx.svc.resolve(cx.caller, key_ref).await?;
    let key = cx
        .svc
        .preflight_crypto(cx, spec, &target, conditions)
        .await?;
    match key.current() {
        Some(PreparedKey::Decryption(asymmetric)) => {
            let algorithm = key_encryption_algorithm(&key.record, algorithm, &key.arn)?;
            no_context(context)?;
            let plaintext = asymmetric
                .decrypt(algorithm, blob)
                .map_err(|_| invalid_ciphertext())?;
            Ok(Decrypted {
                key_arn: key.arn.clone(),
                plaintext,
                algorithm,
                material_id: None,
            })
        }
        _ => {
            let parsed = ciphertext::parse(blob).map_err(|_| invalid_ciphertext())?;
            if parsed.key_id != key.record.key_id.as_str() {
                return Err(Error::new(
                    ErrorKind::IncorrectKey,
                    "The key ID in the request does not identify a CMK that can perform this operation.",
                ));
            }
            decrypt_symmetric(&key, &parsed, context, algorithm)
        }
    }
}

/// What a decryption produced.
pub(crate) struct Decrypted {
    pub key_arn: String,
    pub plaintext: Plaintext,
    pub algorithm: EncryptionAlgorithm,
    /// The material that opened a symmetric ciphertext.
    pub material_id: Option<String>,
}

fn decrypt_symmetric(
    key: &CachedKey,
    parsed: &ciphertext::Parsed<'_>,
    context: &EncryptionContext,
    algorithm: Option<&str>,
) -> Result<Decrypted> {
    let algorithm = symmetric_algorithm(algorithm, &key.arn)?;
    let material = key
        .symmetric(&parsed.material_id)
        .ok_or_else(invalid_ciphertext)?;
    let plaintext = material
        .decrypt(parsed, context)
        .map_err(|_| invalid_ciphertext())?;
    Ok(Decrypted {
        key_arn: key.arn.clone(),
        plaintext,
        algorithm,
        material_id: Some(parsed.material_id.to_hex()),
    })
}
