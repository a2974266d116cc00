//! Encrypt: up to 4 KiB of plaintext under a symmetric key, bound to an encryption context.

use serde_json::{Value, json};
use trent_api::Blob;
use trent_api::Operation;
use trent_api::ops::encrypt::{Request, Response};
use trent_types::KeyUsage;

use super::{Ctx, Handler, OpSpec, dry_run, encryption_context, need, symmetric_algorithm};
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Encrypt,
        action: "kms:Encrypt",
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
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let context = encryption_context(req.encryption_context)?;
        let key = cx.svc.preflight_crypto(cx, &Self::SPEC, &target).await?;
        cx.touched(&key.arn);
        let algorithm = symmetric_algorithm(req.encryption_algorithm.as_deref(), &key.arn)?;
        dry_run(req.dry_run)?;
        let plaintext = need(req.plaintext, "Plaintext")?;
        let current = key
            .current()
            .ok_or_else(|| Error::internal(format!("{} has no current material", key.arn)))?;
        let blob = current
            .encrypt(key.record.key_id.as_str(), &context, plaintext.as_bytes())
            .map_err(Error::internal)?;
        Ok(Response {
            ciphertext_blob: Some(Blob(blob)),
            key_id: Some(key.arn.clone()),
            encryption_algorithm: Some(algorithm),
        })
    }
}
