//! DeriveSharedSecret: ECDH between a KEY_AGREEMENT key's private key and a peer's public
//! key (a DER SubjectPublicKeyInfo); the raw shared secret, as AWS returns it.

use serde_json::{Value, json};
use trent_api::ops::derive_shared_secret::{Request, Response};
use trent_api::{ErrorKind, Operation, SecretBlob};
use trent_crypto::PreparedKey;
use trent_types::{KeyAgreementAlgorithm, KeyUsage};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need, no_recipient};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::DeriveSharedSecret,
        action: "kms:DeriveSharedSecret",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::KeyAgreement]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "keyAgreementAlgorithm": req.key_agreement_algorithm })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        no_recipient(req.recipient.as_ref())?;
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let algorithm = enum_member(
            req.key_agreement_algorithm.as_deref(),
            "KeyAgreementAlgorithm",
            KeyAgreementAlgorithm::parse,
        )?;
        let peer = need(req.public_key, "PublicKey")?;
        let conditions = Conditions::NONE.key_agreement_algorithm(algorithm.as_str());
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &conditions)
            .await?;
        let Some(PreparedKey::Agreement(agreement)) = key.current() else {
            return Err(Error::new(
                ErrorKind::InvalidKeyUsage,
                format!("{} key usage is not KEY_AGREEMENT.", key.arn),
            ));
        };
        dry_run(req.dry_run)?;
        let secret = agreement
            .derive_shared_secret(algorithm, peer.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            shared_secret: Some(SecretBlob::from(secret.into_inner())),
            key_agreement_algorithm: Some(algorithm),
            key_origin: Some(key.record.origin),
            ciphertext_for_recipient: None,
        })
    }
}
