//! Helpers of the imported key material tests: keys of origin EXTERNAL, wrapping material
//! outside Trent exactly as AWS documents it (with aws-lc-rs), importing it, and opening
//! Trent's ciphertexts with the raw material.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPublicEncryptingKey,
    PublicEncryptingKey,
};
use aws_sdk_kms::Client;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::get_parameters_for_import::{
    GetParametersForImportError, GetParametersForImportOutput,
};
use aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError;
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportType, IncludeKeyMaterial, KeySpec, KeyState,
    KeyUsageType, MessageType, OriginType, RotationsListEntry, SigningAlgorithmSpec,
    WrappingKeySpec,
};
use trent_types::Timestamp;

use super::asymmetric::random;
use super::{describe, key_arn};

/// Creates a key of origin EXTERNAL and returns its id.
pub async fn external_key(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let meta = kms
        .create_key()
        .origin(OriginType::External)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(meta.origin(), Some(&OriginType::External));
    assert_eq!(meta.key_state(), Some(&KeyState::PendingImport));
    assert!(!meta.enabled());
    meta.key_id
}

/// GetParametersForImport: the wrapping public key (SPKI DER) and the import token.
pub async fn parameters(
    kms: &Client,
    key: &str,
    alg: AlgorithmSpec,
    spec: WrappingKeySpec,
) -> (Vec<u8>, Vec<u8>) {
    let out = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(alg)
        .wrapping_key_spec(spec)
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    (
        out.public_key.unwrap().into_inner(),
        out.import_token.unwrap().into_inner(),
    )
}

pub fn oaep_wrap(spki: &[u8], alg: &'static OaepAlgorithm, plaintext: &[u8]) -> Vec<u8> {
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(spki).unwrap()).unwrap();
    let mut out = vec![0u8; public.ciphertext_size()];
    public
        .encrypt(alg, plaintext, &mut out, None)
        .unwrap()
        .to_vec()
}

/// Wraps `material` as AWS documents each algorithm: RSAES-OAEP directly, or RSAES-OAEP of
/// a fresh AES-256 key followed by AES key wrap with padding (RFC 5649) of the material.
pub fn wrap(alg: &AlgorithmSpec, spki: &[u8], material: &[u8]) -> Vec<u8> {
    match alg {
        AlgorithmSpec::RsaesOaepSha1 => oaep_wrap(spki, &OAEP_SHA1_MGF1SHA1, material),
        AlgorithmSpec::RsaesOaepSha256 => oaep_wrap(spki, &OAEP_SHA256_MGF1SHA256, material),
        AlgorithmSpec::RsaAesKeyWrapSha1 | AlgorithmSpec::RsaAesKeyWrapSha256 => {
            let oaep = if *alg == AlgorithmSpec::RsaAesKeyWrapSha1 {
                &OAEP_SHA1_MGF1SHA1
            } else {
                &OAEP_SHA256_MGF1SHA256
            };
            let aes_key = random(32);
            let mut wrapped = oaep_wrap(spki, oaep, &aes_key);
            let kek = AesKek::new(&AES_256, &aes_key).unwrap();
            let mut out = vec![0u8; material.len() + 16];
            wrapped.extend_from_slice(kek.wrap_with_padding(material, &mut out).unwrap());
            wrapped
        }
        other => panic!("no wrapping for {other}"),
    }
}

/// Gets parameters, wraps `material` and imports it, with `valid_to` or without expiry.
pub async fn import(
    kms: &Client,
    key: &str,
    alg: AlgorithmSpec,
    material: &[u8],
    valid_to: Option<Timestamp>,
) -> String {
    let (token, wrapped) = wrapped_for(kms, key, alg, WrappingKeySpec::Rsa2048, material).await;
    send_import(kms, key, &token, &wrapped, valid_to, None)
        .await
        .unwrap()
}

/// Gets parameters and wraps `material` under them: the token and the wrapped material.
pub async fn wrapped_for(
    kms: &Client,
    key: &str,
    alg: AlgorithmSpec,
    spec: WrappingKeySpec,
    material: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let (spki, token) = parameters(kms, key, alg.clone(), spec).await;
    let wrapped = wrap(&alg, &spki, material);
    (token, wrapped)
}

pub async fn send_import(
    kms: &Client,
    key: &str,
    token: &[u8],
    wrapped: &[u8],
    valid_to: Option<Timestamp>,
    import_type: Option<ImportType>,
) -> Result<String, aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError> {
    let model = if valid_to.is_some() {
        ExpirationModelType::KeyMaterialExpires
    } else {
        ExpirationModelType::KeyMaterialDoesNotExpire
    };
    kms.import_key_material()
        .key_id(key)
        .import_token(Blob::new(token))
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(model)
        .set_valid_to(valid_to.map(|t| DateTime::from_millis(t.millis())))
        .set_import_type(import_type)
        .send()
        .await
        .map(|out| {
            assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
            out.key_material_id.unwrap()
        })
        .map_err(|e| e.into_service_error())
}

/// Opens a symmetric ciphertext of Trent's with the raw material, as anyone holding the
/// material could: the blob's layout is Trent's, the AES-256-GCM is standard.
pub fn open_outside(material: &[u8], blob: &[u8]) -> Vec<u8> {
    let id_len = usize::from(blob[1]);
    let header = 2 + id_len + 32;
    let nonce = Nonce::try_assume_unique_for_key(&blob[header..header + 12]).unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, material).unwrap());
    let mut in_out = blob[header + 12..].to_vec();
    let aad = Aad::from(blob[..header + 12].to_vec());
    key.open_in_place(nonce, aad, &mut in_out).unwrap().to_vec()
}

pub async fn sign(kms: &Client, key: &str, alg: SigningAlgorithmSpec, message: &[u8]) -> Vec<u8> {
    kms.sign()
        .key_id(key)
        .signing_algorithm(alg)
        .message_type(MessageType::Raw)
        .message(Blob::new(message))
        .send()
        .await
        .unwrap()
        .signature
        .unwrap()
        .into_inner()
}

/// A symmetric encryption key of origin EXTERNAL.
pub async fn symmetric_external(kms: &Client) -> String {
    external_key(kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await
}

/// The state DescribeKey shows.
pub async fn state_of(kms: &Client, key: &str) -> KeyState {
    describe(kms, key).await.key_state().unwrap().clone()
}

/// GetParametersForImport as sent, for its errors.
pub async fn try_parameters(
    kms: &Client,
    key: &str,
    alg: AlgorithmSpec,
    spec: WrappingKeySpec,
) -> Result<GetParametersForImportOutput, SdkError<GetParametersForImportError, HttpResponse>> {
    kms.get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(alg)
        .wrapping_key_spec(spec)
        .send()
        .await
}

/// Imports `material` as new material (ImportType NEW_KEY_MATERIAL) with RSAES_OAEP_SHA_256.
pub async fn import_new(
    kms: &Client,
    key: &str,
    material: &[u8],
) -> Result<String, ImportKeyMaterialError> {
    let (token, wrapped) = wrapped_for(
        kms,
        key,
        AlgorithmSpec::RsaesOaepSha256,
        WrappingKeySpec::Rsa3072,
        material,
    )
    .await;
    send_import(
        kms,
        key,
        &token,
        &wrapped,
        None,
        Some(ImportType::NewKeyMaterial),
    )
    .await
}

/// Every material of a key, as ListKeyRotations with ALL_KEY_MATERIAL lists them.
pub async fn all_materials(kms: &Client, key: &str) -> Vec<RotationsListEntry> {
    kms.list_key_rotations()
        .key_id(key)
        .include_key_material(IncludeKeyMaterial::AllKeyMaterial)
        .send()
        .await
        .unwrap()
        .rotations
        .unwrap_or_default()
}
