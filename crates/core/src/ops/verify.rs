//! Verify: checks a signature with the public key of an asymmetric SIGN_VERIFY key.
//! A signature that does not verify is `KMSInvalidSignatureException`.

use serde_json::{Value, json};
use trent_api::ops::verify::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_crypto::PreparedKey;
use trent_types::{KeyUsage, MessageType, SigningAlgorithm};

use super::sign::{check_algorithm, not_a_signing_key};
use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
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
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let algorithm = enum_member(
            req.signing_algorithm.as_deref(),
            "SigningAlgorithm",
            SigningAlgorithm::parse,
        )?;
        let message_type = req
            .message_type
            .as_deref()
            .map_or(Some(MessageType::Raw), MessageType::parse)
            .ok_or_else(|| Error::validation("Invalid MessageType."))?;
        let message = need(req.message, "Message")?;
        let signature = need(req.signature, "Signature")?;
        let conditions = Conditions::NONE
            .signing_algorithm(algorithm.as_str())
            .message_type(message_type.as_str());
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &conditions)
            .await?;
        let Some(PreparedKey::Signing(signer)) = key.current() else {
            return Err(not_a_signing_key(&key.arn));
        };
        check_algorithm(&key.record, algorithm, &key.arn)?;
        trent_crypto::spec::check_signing(
            key.record.key_spec,
            algorithm,
            message_type,
            message.len(),
        )
        .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        dry_run(req.dry_run)?;
        let valid = signer
            .verify(
                algorithm,
                message_type,
                message.as_bytes(),
                signature.as_bytes(),
            )
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        if !valid {
            return Err(Error::new(ErrorKind::KmsInvalidSignature, ""));
        }
        Ok(Response {
            key_id: Some(key.arn.clone()),
            signature_valid: Some(true),
            signing_algorithm: Some(algorithm),
        })
    }
}
