//! GenerateDataKeyPair: a fresh asymmetric key pair for use outside KMS: the public key, the
//! private key (PKCS#8) in plaintext, and the private key encrypted under a symmetric KMS key
//! as an ordinary Trent ciphertext bound to the encryption context.

use serde_json::{Value, json};
use trent_api::ops::generate_data_key_pair::{Request, Response};
use trent_api::{Blob, Operation, SecretBlob};
use trent_crypto::Plaintext;
use trent_types::{DataKeyPairSpec, KeyUsage};

use super::{
    Ctx, Handler, OpSpec, dry_run, encryption_context, enum_member, need, no_recipient,
    wrong_key_spec,
};
use crate::authz::Conditions;
use crate::{Error, Result, state};

#[derive(Debug)]
pub struct Op;

impl Handler for Op {
    type Request = Request;
    type Response = Response;
    const SPEC: OpSpec = OpSpec {
        operation: Operation::GenerateDataKeyPair,
        action: "kms:GenerateDataKeyPair",
        key_states: state::ENABLED,
        key_usages: Some(&[KeyUsage::EncryptDecrypt]),
        cross_account: true,
    };

    fn audit_params(req: &Request) -> Value {
        json!({
            "keyId": req.key_id,
            "keyPairSpec": req.key_pair_spec,
            "encryptionContext": req.encryption_context,
        })
    }

    async fn run<'a>(cx: &'a Ctx<'a>, req: Request) -> Result<Response> {
        no_recipient(req.recipient.as_ref())?;
        let pair = generate(
            cx,
            &Self::SPEC,
            req.key_id.as_deref(),
            req.encryption_context,
            req.key_pair_spec.as_deref(),
            req.dry_run,
        )
        .await?;
        Ok(Response {
            key_id: Some(pair.key_arn),
            key_pair_spec: Some(pair.spec),
            public_key: Some(Blob(pair.public_key)),
            private_key_plaintext: Some(SecretBlob::from(pair.private_key.into_inner())),
            private_key_ciphertext_blob: Some(Blob(pair.private_key_ciphertext)),
            key_material_id: Some(pair.material_id),
            ciphertext_for_recipient: None,
        })
    }
}

/// A data key pair made for GenerateDataKeyPair and its WithoutPlaintext sibling.
pub(crate) struct DataKeyPair {
    pub spec: DataKeyPairSpec,
    pub public_key: Vec<u8>,
    pub private_key: Plaintext,
    pub private_key_ciphertext: Vec<u8>,
    pub key_arn: String,
    pub material_id: String,
}

pub(crate) async fn generate(
    cx: &Ctx<'_>,
    spec: &OpSpec,
    key_ref: Option<&str>,
    context: Option<std::collections::BTreeMap<String, String>>,
    pair_spec: Option<&str>,
    dry: Option<bool>,
) -> Result<DataKeyPair> {
    let target = cx.svc.resolve(cx.caller, need(key_ref, "KeyId")?).await?;
    let context = encryption_context(context)?;
    let pair_spec = enum_member(pair_spec, "KeyPairSpec", DataKeyPairSpec::parse)?;
    let conditions = Conditions::NONE
        .encryption_context(&context)
        .encryption_algorithm("SYMMETRIC_DEFAULT")
        .data_key_pair_spec(pair_spec.as_str());
    let key = cx
        .svc
        .preflight_crypto(cx, spec, &target, &conditions)
        .await?;
    let wrapping = key
        .current_symmetric()
        .ok_or_else(|| wrong_key_spec(&key.record, &key.arn, spec.operation.name()))?;
    dry_run(dry)?;
    // RSA key generation takes up to a second: keep it off the threads serving requests.
    let pair = tokio::task::spawn_blocking(move || trent_crypto::generate_data_key_pair(pair_spec))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let private_key_ciphertext = wrapping
        .encrypt(
            key.record.key_id.as_str(),
            &context,
            pair.private_key.as_bytes(),
        )
        .map_err(Error::internal)?;
    Ok(DataKeyPair {
        spec: pair_spec,
        public_key: pair.public_key,
        private_key: pair.private_key,
        private_key_ciphertext,
        key_arn: key.arn.clone(),
        material_id: wrapping.material_id().to_hex(),
    })
}
