//! Sign: a digital signature with the private key of an asymmetric SIGN_VERIFY key.

use serde_json::{Value, json};
use trent_api::ops::sign::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation};
use trent_crypto::PreparedKey;
use trent_types::{KeyUsage, MessageType, SigningAlgorithm};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::Sign,
        action: "kms:Sign",
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
        let signature = signer
            .sign(algorithm, message_type, message.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            signature: Some(Blob(signature)),
            signing_algorithm: Some(algorithm),
        })
    }
}

pub(crate) fn not_a_signing_key(arn: &str) -> Error {
    Error::new(
        ErrorKind::InvalidKeyUsage,
        format!("{arn} key usage is not SIGN_VERIFY."),
    )
}

/// The algorithm must be one of the key spec's signing algorithms.
pub(crate) fn check_algorithm(
    record: &trent_store::KeyRecord,
    algorithm: SigningAlgorithm,
    arn: &str,
) -> Result<()> {
    let allowed = trent_crypto::spec::algorithms(record.key_spec, record.key_usage)
        .map_or(&[][..], |a| a.signing);
    if allowed.contains(&algorithm) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidKeyUsage,
        format!(
            "Signing algorithm {algorithm} is not compatible with KMS key {arn} of key spec {}.",
            record.key_spec
        ),
    ))
}
