//! Helpers of the multi-Region imported key material tests: a symmetric or asymmetric
//! primary of origin EXTERNAL, replicas, and imports into the related key of any region.

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::{Blob, DateTime};
use aws_sdk_kms::types::{
    AlgorithmSpec, ExpirationModelType, ImportType, KeySpec, KeyState, KeyUsageType,
    MultiRegionKeyType, OriginType, WrappingKeySpec,
};
use trent_types::Timestamp;

use super::asymmetric::random;
use super::import::wrap;
use super::{ACCOUNT, describe, fail};

pub const WEST: &str = "eu-west-1";
pub const SOUTH: &str = "ap-south-1";

pub fn arn_in(region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}")
}

/// Creates a multi-Region primary key of origin EXTERNAL in `kms`'s region.
pub async fn external_primary(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    let meta = kms
        .create_key()
        .origin(OriginType::External)
        .multi_region(true)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert!(meta.key_id.starts_with("mrk-"), "{}", meta.key_id);
    assert_eq!(meta.multi_region(), Some(true));
    assert_eq!(meta.origin(), Some(&OriginType::External));
    assert_eq!(meta.key_state(), Some(&KeyState::PendingImport));
    assert_eq!(
        meta.multi_region_configuration()
            .and_then(|c| c.multi_region_key_type()),
        Some(&MultiRegionKeyType::Primary)
    );
    meta.key_id
}

pub async fn symmetric_primary(kms: &Client) -> String {
    external_primary(kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await
}

/// ReplicateKey into `region`: the replica's metadata as the response reports it.
pub async fn replicate(kms: &Client, key: &str, region: &str) -> aws_sdk_kms::types::KeyMetadata {
    kms.replicate_key()
        .key_id(key)
        .replica_region(region)
        .send()
        .await
        .unwrap()
        .replica_key_metadata
        .unwrap()
}

/// GetParametersForImport in `kms`'s region, then ImportKeyMaterial of `material` wrapped
/// with `alg`: the KeyMaterialId, or the error.
pub async fn try_import(
    kms: &Client,
    region: &str,
    key: &str,
    alg: AlgorithmSpec,
    material: &[u8],
    valid_to: Option<Timestamp>,
    import_type: Option<ImportType>,
) -> Result<String, aws_sdk_kms::operation::import_key_material::ImportKeyMaterialError> {
    let params = kms
        .get_parameters_for_import()
        .key_id(key)
        .wrapping_algorithm(alg.clone())
        .wrapping_key_spec(WrappingKeySpec::Rsa2048)
        .send()
        .await
        .unwrap();
    assert_eq!(params.key_id(), Some(arn_in(region, key).as_str()));
    let wrapped = wrap(&alg, params.public_key().unwrap().as_ref(), material);
    let model = if valid_to.is_some() {
        ExpirationModelType::KeyMaterialExpires
    } else {
        ExpirationModelType::KeyMaterialDoesNotExpire
    };
    kms.import_key_material()
        .key_id(key)
        .import_token(params.import_token.unwrap())
        .encrypted_key_material(Blob::new(wrapped))
        .expiration_model(model)
        .set_valid_to(valid_to.map(|t| DateTime::from_millis(t.millis())))
        .set_import_type(import_type)
        .send()
        .await
        .map(|out| {
            assert_eq!(out.key_id(), Some(arn_in(region, key).as_str()));
            out.key_material_id.unwrap()
        })
        .map_err(|e| e.into_service_error())
}

/// Imports symmetric `material` without expiry: its KeyMaterialId.
pub async fn import_in(kms: &Client, region: &str, key: &str, material: &[u8]) -> String {
    let alg = AlgorithmSpec::RsaesOaepSha256;
    try_import(kms, region, key, alg, material, None, None)
        .await
        .unwrap()
}

/// Asserts that fresh random material is refused with IncorrectKeyMaterialException.
pub async fn assert_other_material_refused(
    kms: &Client,
    region: &str,
    key: &str,
    import_type: Option<ImportType>,
) {
    let alg = AlgorithmSpec::RsaesOaepSha1;
    let e = try_import(kms, region, key, alg, &random(32), None, import_type)
        .await
        .unwrap_err();
    assert!(e.is_incorrect_key_material_exception(), "{e:?}");
}

pub async fn state_in(kms: &Client, key: &str) -> KeyState {
    describe(kms, key).await.key_state().unwrap().clone()
}

pub async fn decrypt_fails_with_invalid_state(kms: &Client, blob: &[u8]) {
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.to_vec()))
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
}
