//! Encapsulate: a fresh 32-byte shared secret and its ML-KEM ciphertext under the public
//! key of an ENCAPSULATE_DECAPSULATE key.

use serde_json::{Value, json};
use trent_api::ops::encapsulate::{Request, Response};
use trent_api::{Blob, Operation, SecretBlob};
use trent_crypto::PreparedKey;
use trent_types::{EncapsulationAlgorithm, KeyUsage};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, need};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Encapsulate,
        action: "kms:Encapsulate",
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
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &Conditions::NONE)
            .await?;
        let Some(PreparedKey::Kem(kem)) = key.current() else {
            return Err(not_a_kem_key(&key.arn));
        };
        dry_run(req.dry_run)?;
        let (ciphertext, secret) = kem.encapsulate(algorithm).map_err(Error::internal)?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            shared_secret: Some(SecretBlob::from(secret.into_inner())),
            shared_secret_ciphertext_blob: Some(Blob(ciphertext)),
            encapsulation_algorithm: Some(algorithm),
        })
    }
}

pub(crate) fn not_a_kem_key(arn: &str) -> Error {
    Error::new(
        trent_api::ErrorKind::InvalidKeyUsage,
        format!("{arn} key usage is not ENCAPSULATE_DECAPSULATE."),
    )
}
