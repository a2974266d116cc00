//! Verify: checks a signature with the public key of an asymmetric SIGN_VERIFY key.
//! A signature that does not verify is `KMSInvalidSignatureException`.

use serde_json::{Value, json};
use trent_api::ops::verify::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_types::KeyUsage;

use super::sign::prepare;
use super::{Ctx, Handler, OpSpec, dry_run, need};
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Verify,
        action: "kms:Verify",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::SignVerify]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "messageType": req.message_type.as_deref().unwrap_or("RAW"),
            "signingAlgorithm": req.signing_algorithm,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let message = need(req.message, "Message")?;
        let signature = need(req.signature, "Signature")?;
        let signing = prepare(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.signing_algorithm.as_deref(),
            req.message_type.as_deref(),
            message.len(),
        )
        .await?;
        dry_run(req.dry_run)?;
        if !signing.verify(message.as_bytes(), signature.as_bytes())? {
            return Err(Error::new(ErrorKind::KmsInvalidSignature, ""));
        }
        Ok(Response {
            key_id: Some(signing.key.arn.clone()),
            signature_valid: Some(true),
            signing_algorithm: Some(signing.algorithm),
        })
    }
}
