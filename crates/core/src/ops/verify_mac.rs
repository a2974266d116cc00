//! VerifyMac: checks an HMAC in constant time. A MAC that does not match is
//! `KMSInvalidMacException`.

use serde_json::{Value, json};
use trent_api::ops::verify_mac::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_types::KeyUsage;

use super::generate_mac::{mac_key, prepare};
use super::{Ctx, Handler, OpSpec, dry_run, key_op_error, need};
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::VerifyMac,
        action: "kms:VerifyMac",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::GenerateVerifyMac]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({ "keyId": req.key_id, "macAlgorithm": req.mac_algorithm })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let message = need(req.message, "Message")?;
        let mac = need(req.mac, "Mac")?;
        let (key, algorithm) = prepare(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.mac_algorithm.as_deref(),
        )
        .await?;
        dry_run(req.dry_run)?;
        let valid = mac_key(&key)?
            .verify_mac(algorithm, message.as_bytes(), mac.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        if !valid {
            return Err(Error::new(ErrorKind::KmsInvalidMac, ""));
        }
        Ok(Response {
            key_id: Some(key.arn.clone()),
            mac_algorithm: Some(algorithm),
            mac_valid: Some(true),
        })
    }
}
