//! Decapsulate: the shared secret in an ML-KEM ciphertext. A wrong ciphertext of the right
//! length yields a pseudo-random secret (implicit rejection); only a wrong length is an error.

use serde_json::{Value, json};
use trent_api::ops::decapsulate::{Request, Response};
use trent_api::{Operation, SecretBlob};
use trent_crypto::PreparedKey;
use trent_types::{EncapsulationAlgorithm, KeyUsage};

use super::encapsulate::not_a_kem_key;
use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
use crate::{Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Decapsulate,
        action: "kms:Decapsulate",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncapsulateDecapsulate]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "encapsulationAlgorithm": req.encapsulation_algorithm })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let algorithm = enum_member(
            req.encapsulation_algorithm.as_deref(),
            "EncapsulationAlgorithm",
            EncapsulationAlgorithm::parse,
        )?;
        let ciphertext = need(
            req.shared_secret_ciphertext_blob,
            "SharedSecretCiphertextBlob",
        )?;
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &Conditions::NONE)
            .await?;
        let Some(PreparedKey::Kem(kem)) = key.current() else {
            return Err(not_a_kem_key(&key.arn));
        };
        if Some(ciphertext.len()) != trent_crypto::spec::ml_kem_ciphertext_len(key.record.key_spec)
        {
            return Err(super::invalid_ciphertext());
        }
        dry_run(req.dry_run)?;
        let secret = kem
            .decapsulate(algorithm, ciphertext.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            shared_secret: Some(SecretBlob::from(secret.into_inner())),
            encapsulation_algorithm: Some(algorithm),
        })
    }
}
