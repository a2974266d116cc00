//! GetParametersForImport: a fresh wrapping key pair for importing material into a key of
//! origin EXTERNAL — its public key, and an import token sealing its private key for 24 hours.

use serde_json::{Value, json};
use trent_api::ops::get_parameters_for_import::{Request, Response};
use trent_api::{Blob, Operation, SecretBlob};
use trent_types::{AlgorithmSpec, WrappingKeySpec};

use super::{Ctx, Handler, OpSpec, enum_member, need};
use crate::authz::Conditions;
use crate::import::require_external;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GetParametersForImport,
        action: "kms:GetParametersForImport",
        key_states: state::IMPORTABLE,
        key_usages: None,
        cross_account: false,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "wrappingAlgorithm": req.wrapping_algorithm,
            "wrappingKeySpec": req.wrapping_key_spec,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        let key_ref = need(req.key_id.as_deref(), "KeyId")?;
        let algorithm = enum_member(
            req.wrapping_algorithm.as_deref(),
            "WrappingAlgorithm",
            AlgorithmSpec::parse,
        )?;
        let spec = enum_member(
            req.wrapping_key_spec.as_deref(),
            "WrappingKeySpec",
            WrappingKeySpec::parse,
        )?;
        let conditions = Conditions::NONE.wrapping(algorithm.as_str(), spec.as_str());
        let (record, arn) = cx
            .svc
            .preflight_record(cx, &Self::SPEC, key_ref, &conditions)
            .await?;
        require_external(&record, &arn)?;
        if !trent_crypto::import::wrapping_pair_allowed(algorithm, spec) {
            return Err(Error::validation(format!(
                "The wrapping algorithm {algorithm} is not supported with the wrapping key spec {spec}."
            )));
        }
        if !trent_crypto::import::wraps_material_of(algorithm, record.key_spec) {
            return Err(Error::validation(format!(
                "The wrapping algorithm {algorithm} cannot wrap key material for a KMS key with key spec {}.",
                record.key_spec
            )));
        }
        let params = cx.svc.import_parameters(&arn, algorithm, spec).await?;
        Ok(Response {
            key_id: Some(arn),
            import_token: Some(Blob(params.token)),
            public_key: Some(SecretBlob::new(params.public_key)),
            parameters_valid_to: Some(params.valid_to),
        })
    }
}
