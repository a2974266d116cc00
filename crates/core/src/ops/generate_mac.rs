//! GenerateMac: an HMAC of a message with a GENERATE_VERIFY_MAC key.

use serde_json::{Value, json};
use trent_api::ops::generate_mac::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation};
use trent_crypto::PreparedKey;
use trent_types::{KeyUsage, MacAlgorithm};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateMac,
        action: "kms:GenerateMac",
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
        let mac = mac_key
            .generate_mac(algorithm, message.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            mac: Some(Blob(mac)),
            mac_algorithm: Some(algorithm),
        })
    }
}

/// Refuses an algorithm the key does not support before a dry run answers.
pub(crate) fn dry_run_after_check<T>(
    probe: std::result::Result<T, trent_crypto::KeyOpError>,
    arn: &str,
    algorithm: MacAlgorithm,
) -> Result<()> {
    match probe {
        Err(trent_crypto::KeyOpError::UnsupportedAlgorithm) => Err(key_op_error(
            trent_crypto::KeyOpError::UnsupportedAlgorithm,
            arn,
            algorithm.as_str(),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn not_a_mac_key(arn: &str) -> Error {
    Error::new(
        ErrorKind::InvalidKeyUsage,
        format!("{arn} key usage is not GENERATE_VERIFY_MAC."),
    )
}
