//! Sign: a digital signature with the private key of an asymmetric SIGN_VERIFY key.

use serde_json::{Value, json};
use std::sync::Arc;
use trent_api::ops::sign::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation};

use trent_crypto::{PreparedKey, SigningKey};
use trent_types::{KeyUsage, MessageType, SigningAlgorithm};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
use crate::{CachedKey, Error, Result, state};

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
        let message = need(req.message, "Message")?;
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
        let signature = signing.sign(message.as_bytes())?;
        Ok(Response {
            key_id: Some(signing.key.arn.clone()),
            signature: Some(Blob(signature)),
            signing_algorithm: Some(signing.algorithm),
        })
    }
}

/// A signing key checked for one Sign or Verify request: every check AWS makes before it
/// touches the message has passed.
pub(crate) struct Signing {
    pub key: Arc<CachedKey>,
    pub algorithm: SigningAlgorithm,
    pub message_type: MessageType,
}

impl Signing {
    fn signer(&self) -> Result<&SigningKey> {
        match self.key.current() {
            Some(PreparedKey::Signing(signer)) => Ok(signer),
            _ => Err(not_a_signing_key(&self.key.arn)),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.signer()?
            .sign(self.algorithm, self.message_type, message)
            .map_err(|e| key_op_error(e, &self.key.arn, self.algorithm.as_str()))
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<bool> {
        self.signer()?
            .verify(self.algorithm, self.message_type, message, signature)
            .map_err(|e| key_op_error(e, &self.key.arn, self.algorithm.as_str()))
    }
}

/// The shared pre-flight of Sign and Verify: resolve and authorize the key, and check that
/// it signs, that the algorithm is one of its spec's, and that the message type and length
/// suit the algorithm.
pub(crate) async fn prepare(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    key_ref: Option<&str>,
    algorithm: Option<&str>,
    message_type: Option<&str>,
    message_len: usize,
) -> Result<Signing> {
    let target = cx.svc.resolve(cx.caller, need(key_ref, "KeyId")?).await?;
    let algorithm = enum_member(algorithm, "SigningAlgorithm", SigningAlgorithm::parse)?;
    let message_type = message_type
        .map_or(Some(MessageType::Raw), MessageType::parse)
        .ok_or_else(|| Error::validation("Invalid MessageType."))?;
    let conditions = Conditions::NONE
        .signing_algorithm(algorithm.as_str())
        .message_type(message_type.as_str());
    let key = cx
        .svc
        .preflight_crypto(cx, spec, &target, &conditions)
        .await?;
    let signing = Signing {
        key,
        algorithm,
        message_type,
    };
    signing.signer()?;
    check_algorithm(&signing.key.record, algorithm, &signing.key.arn)?;
    trent_crypto::spec::check_signing(
        signing.key.record.key_spec,
        algorithm,
        message_type,
        message_len,
    )
    .map_err(|e| key_op_error(e, &signing.key.arn, algorithm.as_str()))?;
    Ok(signing)
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
