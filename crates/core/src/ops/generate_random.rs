//! GenerateRandom: random bytes from the CSPRNG. Uses no key.

use serde_json::{Value, json};
use trent_api::ops::generate_random::{Request, Response};
use trent_api::{ErrorKind, Operation, SecretBlob};

use super::{Ctx, Handler, OpSpec, no_recipient};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateRandom,
        action: "kms:GenerateRandom",
        key_states: state::ANY,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "numberOfBytes": req.number_of_bytes })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        cx.svc
            .authorize_without_key(cx, Self::SPEC.action, &Conditions::NONE)?;
        if let Some(id) = &req.custom_key_store_id {
            return Err(Error::new(
                ErrorKind::CustomKeyStoreNotFound,
                format!("Custom key store '{id}' does not exist."),
            ));
        }
        no_recipient(req.recipient.as_ref())?;
        let n = req.number_of_bytes.ok_or_else(|| {
            Error::validation(
                "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
            )
        })?;
        let n = usize::try_from(n).map_err(|_| Error::validation("Invalid number of bytes."))?;
        let bytes = trent_crypto::random_bytes(n).map_err(Error::internal)?;
        Ok(Response {
            plaintext: Some(SecretBlob::from(bytes.into_inner())),
            ciphertext_for_recipient: None,
        })
    }
}
