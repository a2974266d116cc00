//! VerifyMac: checks an HMAC in constant time. A MAC that does not match is
//! `KMSInvalidMacException`.

use serde_json::{Value, json};
use trent_api::ops::verify_mac::{Request, Response};
use trent_api::{ErrorKind, Operation};
use trent_crypto::PreparedKey;
use trent_types::{KeyUsage, MacAlgorithm};

use super::generate_mac::{dry_run_after_check, not_a_mac_key};
use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
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
        let target = cx
            .svc
            .resolve(cx.caller, need(req.key_id.as_deref(), "KeyId")?)
            .await?;
        let algorithm = enum_member(
            req.mac_algorithm.as_deref(),
            "MacAlgorithm",
            MacAlgorithm::parse,
        )?;
        let message = need(req.message, "Message")?;
        let mac = need(req.mac, "Mac")?;
        let conditions = Conditions::NONE.mac_algorithm(algorithm.as_str());
        let key = cx
            .svc
            .preflight_crypto(cx, &Self::SPEC, &target, &conditions)
            .await?;
        let Some(PreparedKey::Mac(mac_key)) = key.current() else {
            return Err(not_a_mac_key(&key.arn));
        };
        dry_run_after_check(mac_key.generate_mac(algorithm, &[]), &key.arn, algorithm)?;
        dry_run(req.dry_run)?;
        let valid = mac_key
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
