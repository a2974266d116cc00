//! ReEncrypt: decrypt under one key and encrypt under another (or the same) without the
//! plaintext leaving Trent. Needs kms:ReEncryptFrom on the source and kms:ReEncryptTo on
//! the destination.

use serde_json::{Value, json};
use trent_api::ops::re_encrypt::{Request, Response};
use trent_api::{Blob, Operation};
use trent_types::KeyUsage;

use super::decrypt::{check_key_only, decrypt_blob, ignores_ciphertext, missing};
use super::encrypt::encrypt_under;
use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, key_encryption_algorithm, need,
    requested_algorithm,
};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

/// The destination half's facts.
const DESTINATION: OpSpec = OpSpec {
    operation: Operation::ReEncrypt,
    action: "kms:ReEncryptTo",
    key_states: state::ENABLED,
    key_usages: Some(&[KeyUsage::EncryptDecrypt]),
    cross_account: true,
};

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    /// The source half's facts.
    const SPEC: OpSpec = OpSpec {
        operation: Operation::ReEncrypt,
        action: "kms:ReEncryptFrom",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncryptDecrypt]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "sourceKeyId": req.source_key_id,
            "destinationKeyId": req.destination_key_id,
            "sourceEncryptionContext": req.source_encryption_context,
            "destinationEncryptionContext": req.destination_encryption_context,
            "sourceEncryptionAlgorithm": req.source_encryption_algorithm.as_deref().unwrap_or("SYMMETRIC_DEFAULT"),
            "destinationEncryptionAlgorithm": req.destination_encryption_algorithm.as_deref().unwrap_or("SYMMETRIC_DEFAULT"),
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let source_context = encryption_context(req.source_encryption_context)?;
        let destination_context = encryption_context(req.destination_encryption_context)?;
        let destination_ref = need(req.destination_key_id.as_deref(), "DestinationKeyId")?;
        let source_algorithm = req.source_encryption_algorithm.as_deref();
        let destination_algorithm = req.destination_encryption_algorithm.as_deref();
        // Both halves carry the encryption context and algorithm of the ciphertext they
        // handle, and kms:ReEncryptOnSameKey: whether the other half's key is theirs.
        let source_conditions = Conditions::NONE
            .encryption_context(&source_context)
            .encryption_algorithm(requested_algorithm(source_algorithm));
        let destination_conditions = Conditions::NONE
            .encryption_context(&destination_context)
            .encryption_algorithm(requested_algorithm(destination_algorithm));
        if ignores_ciphertext(req.dry_run, req.dry_run_modifiers.as_deref()) {
            let source_ref = req
                .source_key_id
                .as_deref()
                .ok_or_else(|| missing("sourceKeyId"))?;
            let source_arn = cx.svc.resolve(cx.caller, source_ref).await?.arn();
            let destination_arn = cx.svc.resolve(cx.caller, destination_ref).await?.arn();
            let conditions = source_conditions.re_encrypt_with(&destination_arn);
            check_key_only(cx, &Self::SPEC, source_ref, source_algorithm, &conditions).await?;
            let conditions = destination_conditions.re_encrypt_with(&source_arn);
            check_key_only(
                cx,
                &DESTINATION,
                destination_ref,
                destination_algorithm,
                &conditions,
            )
            .await?;
            // Always an error here: the dry run's answer.
            dry_run(req.dry_run)?;
        }
        let blob = req
            .ciphertext_blob
            .ok_or_else(|| missing("ciphertextBlob"))?;
        let destination_target = cx.svc.resolve(cx.caller, destination_ref).await?;
        let destination_arn = destination_target.arn();
        let source = decrypt_blob(
            cx,
            &Self::SPEC,
            blob.as_bytes(),
            req.source_key_id.as_deref(),
            &source_context,
            source_algorithm,
            &source_conditions.re_encrypt_with(&destination_arn),
        )
        .await?;
        let conditions = destination_conditions.re_encrypt_with(&source.key_arn);
        let destination = cx
            .svc
            .preflight_crypto(cx, &DESTINATION, &destination_target, &conditions)
            .await?;
        let algorithm = key_encryption_algorithm(
            &destination.record,
            req.destination_encryption_algorithm.as_deref(),
            &destination.arn,
        )?;
        dry_run(req.dry_run)?;
        let (out, algorithm) = encrypt_under(
            &destination,
            algorithm,
            &destination_context,
            source.plaintext.as_bytes(),
        )?;
        Ok(Response {
            ciphertext_blob: Some(Blob(out)),
            source_key_id: Some(source.key_arn),
            key_id: Some(destination.arn.clone()),
            source_encryption_algorithm: Some(source.algorithm),
            destination_encryption_algorithm: Some(algorithm),
            source_key_material_id: source.material_id,
            destination_key_material_id: destination
                .current_symmetric()
                .map(|k| k.material_id().to_hex()),
        })
    }
}
