//! Encrypt: up to 4 KiB of plaintext under a symmetric key, bound to an encryption context,
//! or a little plaintext under an RSA or SM2 public key (RSAES_OAEP_*, SM2PKE).

use serde_json::{Value, json};
use trent_api::Blob;
use trent_api::Operation;
use trent_api::ops::encrypt::{Request, Response};
use trent_crypto::{KeyOpError, PreparedKey};
use trent_types::{EncryptionAlgorithm, EncryptionContext, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, key_encryption_algorithm, need, no_context,
    requested_algorithm,
};
use crate::authz::Conditions;
use crate::{CachedKey, Error, Result, state};

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
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let context = encryption_context(req.encryption_context)?;
        let conditions = Conditions::NONE
            .encryption_context(&context)
            .encryption_algorithm(requested_algorithm(req.encryption_algorithm.as_deref()));
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &conditions)
            .await?;
        let algorithm =
            key_encryption_algorithm(&key.record, req.encryption_algorithm.as_deref(), &key.arn)?;
        dry_run(req.dry_run)?;
        let plaintext = need(req.plaintext, "Plaintext")?;
        let (blob, algorithm) = encrypt_under(&key, algorithm, &context, plaintext.as_bytes())?;
        Ok(Response {
            ciphertext_blob: Some(Blob(blob)),
            key_id: Some(key.arn.clone()),
            encryption_algorithm: Some(algorithm),
        })
    }
}

/// Encrypts under a key's current material with an algorithm [`key_encryption_algorithm`]
/// accepted for it: a version 1 blob for a symmetric key, a raw OAEP or SM2 ciphertext for an
/// asymmetric one (which takes no encryption context).
pub(crate) fn encrypt_under(
    key: &CachedKey,
    algorithm: EncryptionAlgorithm,
    context: &EncryptionContext,
    plaintext: &[u8],
) -> Result<(Vec<u8>, EncryptionAlgorithm)> {
    match key.current() {
        Some(PreparedKey::Symmetric(k)) => {
            let blob = k
                .encrypt(key.record.key_id.as_str(), context, plaintext)
                .map_err(Error::internal)?;
            Ok((blob, algorithm))
        }
        Some(PreparedKey::Decryption(k)) => {
            no_context(context)?;
            let blob = k.encrypt(algorithm, plaintext).map_err(|e| match e {
                KeyOpError::PlaintextTooLarge => Error::validation(format!(
                    "The plaintext is too long for {algorithm} with a {} key.",
                    key.record.key_spec
                )),
                KeyOpError::UnsupportedAlgorithm => Error::new(
                    trent_api::ErrorKind::InvalidKeyUsage,
                    format!(
                        "The encryption algorithm {algorithm} is not compatible with KMS key {}.",
                        key.arn
                    ),
                ),
                other => Error::internal(other),
            })?;
            Ok((blob, algorithm))
        }
        Some(_) => Err(Error::new(
            trent_api::ErrorKind::InvalidKeyUsage,
            format!("{} cannot encrypt.", key.arn),
        )),
        None => Err(Error::internal(format!(
            "{} has no current material",
            key.arn
        ))),
    }
}
