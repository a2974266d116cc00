//! GenerateMac: an HMAC of a message with a GENERATE_VERIFY_MAC key.

use serde_json::{Value, json};
use std::sync::Arc;
use trent_api::ops::generate_mac::{Request, Response};
use trent_api::{Blob, ErrorKind, Operation};

use trent_crypto::{MacKey, PreparedKey};
use trent_types::{KeyUsage, MacAlgorithm};

use super::{Ctx, Handler, OpSpec, dry_run, enum_member, key_op_error, need};
use crate::authz::Conditions;
use crate::{CachedKey, Error, Result, state};

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
        let message = need(req.message, "Message")?;
        let (key, algorithm) = prepare(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.mac_algorithm.as_deref(),
        )
        .await?;
        dry_run(req.dry_run)?;
        let mac = mac_key(&key)?
            .generate_mac(algorithm, message.as_bytes())
            .map_err(|e| key_op_error(e, &key.arn, algorithm.as_str()))?;
        Ok(Response {
            key_id: Some(key.arn.clone()),
            mac: Some(Blob(mac)),
            mac_algorithm: Some(algorithm),
        })
    }
}

/// The shared pre-flight of GenerateMac and VerifyMac: resolve and authorize the key, and
/// check that it is an HMAC key whose spec takes the algorithm.
pub(crate) async fn prepare(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    key_ref: Option<&str>,
    algorithm: Option<&str>,
) -> Result<(Arc<CachedKey>, MacAlgorithm)> {
    let target = cx.svc.resolve(cx.caller, need(key_ref, "KeyId")?).await?;
    let algorithm = enum_member(algorithm, "MacAlgorithm", MacAlgorithm::parse)?;
    let conditions = Conditions::NONE.mac_algorithm(algorithm.as_str());
    let key = cx
        .svc
        .preflight_crypto(cx, spec, &target, &conditions)
        .await?;
    mac_key(&key)?;
    let allowed = trent_crypto::spec::algorithms(key.record.key_spec, key.record.key_usage)
        .map_or(&[][..], |a| a.mac);
    if !allowed.contains(&algorithm) {
        return Err(key_op_error(
            trent_crypto::KeyOpError::UnsupportedAlgorithm,
            &key.arn,
            algorithm.as_str(),
        ));
    }
    Ok((key, algorithm))
}

/// The HMAC key of a key that passed [`prepare`].
pub(crate) fn mac_key(key: &CachedKey) -> Result<&MacKey> {
    match key.current() {
        Some(PreparedKey::Mac(k)) => Ok(k),
        _ => Err(not_a_mac_key(&key.arn)),
    }
}

pub(crate) fn not_a_mac_key(arn: &str) -> Error {
    Error::new(
        ErrorKind::InvalidKeyUsage,
        format!("{arn} key usage is not GENERATE_VERIFY_MAC."),
    )
}
