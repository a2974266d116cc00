//! GenerateDataKeyWithoutPlaintext: GenerateDataKey, answering only the encrypted copy.

use serde_json::{Value, json};
use trent_api::ops::generate_data_key_without_plaintext::{Request, Response};
use trent_api::{Blob, Operation};
use trent_types::KeyUsage;

use super::generate_data_key::generate;
use super::{Ctx, Handler, OpSpec};
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateDataKeyWithoutPlaintext,
        action: "kms:GenerateDataKeyWithoutPlaintext",
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
        // The plaintext copy is dropped (and zeroized) here, never leaving the process.
        Ok(Response {
            ciphertext_blob: Some(Blob(data_key.ciphertext)),
            key_id: Some(data_key.key_arn),
            key_material_id: Some(data_key.material_id),
        })
    }
}
