//! GenerateDataKeyPairWithoutPlaintext: GenerateDataKeyPair, answering the public key and the
//! encrypted private key only.

use serde_json::{Value, json};
use trent_api::ops::generate_data_key_pair_without_plaintext::{Request, Response};
use trent_api::{Blob, Operation};
use trent_types::KeyUsage;

use super::generate_data_key_pair::generate;
use super::{Ctx, Handler, OpSpec};
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateDataKeyPairWithoutPlaintext,
        action: "kms:GenerateDataKeyPairWithoutPlaintext",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncryptDecrypt]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "keyPairSpec": req.key_pair_spec,
            "encryptionContext": req.encryption_context,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let pair = generate(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.encryption_context,
            req.key_pair_spec.as_deref(),
            req.dry_run,
        )
        .await?;
        // The plaintext private key is dropped, and zeroized, here.
        Ok(Response {
            key_id: Some(pair.key_arn),
            key_pair_spec: Some(pair.spec),
            public_key: Some(Blob(pair.public_key)),
            private_key_ciphertext_blob: Some(Blob(pair.private_key_ciphertext)),
            key_material_id: Some(pair.material_id),
        })
    }
}
