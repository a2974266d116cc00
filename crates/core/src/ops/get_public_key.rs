//! GetPublicKey: the public key of an asymmetric key as a DER SubjectPublicKeyInfo, with
//! the facts a client needs to use it outside KMS.

use serde_json::{Value, json};
use trent_api::ops::get_public_key::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation};

use super::{Ctx, Handler, OpSpec, need, non_empty};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GetPublicKey,
        action: "kms:GetPublicKey",
        key_states: state::ENABLED,
        key_usages: None,
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &Conditions::NONE)
            .await?;
        let public_key = key
            .current()
            .and_then(|k| k.public_key_der())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedOperation,
                    format!(
                        "{} is a {} key, which has no public key.",
                        key.arn, key.record.key_spec
                    ),
                )
            })?;
        let record = &key.record;
        let algorithms = trent_crypto::spec::algorithms(record.key_spec, record.key_usage);
        Ok(Response {
            key_id: Some(key.arn.clone()),
            public_key: Some(Blob(public_key.to_vec())),
            customer_master_key_spec: trent_crypto::spec::customer_master_key_spec(record.key_spec),
            key_spec: Some(record.key_spec),
            key_usage: Some(record.key_usage),
            encryption_algorithms: algorithms.and_then(|a| non_empty(a.encryption)),
            signing_algorithms: algorithms.and_then(|a| non_empty(a.signing)),
            key_agreement_algorithms: algorithms.and_then(|a| non_empty(a.key_agreement)),
            encapsulation_algorithms: algorithms.and_then(|a| non_empty(a.encapsulation)),
        })
    }
}
