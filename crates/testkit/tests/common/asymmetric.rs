//! Helpers for the asymmetric end-to-end tests: what AWS documents about each key spec and
//! usage, creating keys, signing and verifying, asymmetric encryption, key agreement, hashing,
//! reading a DER SubjectPublicKeyInfo, and reading a key's material from a data directory.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self as sig, VerificationAlgorithm};
use aws_sdk_kms::Client;
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::verify::{VerifyError, VerifyOutput};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    EncryptionAlgorithmSpec, KeyAgreementAlgorithmSpec, KeyMetadata, KeySpec, KeyUsageType,
    MessageType, SigningAlgorithmSpec,
};

use super::{REGION, key_arn};

/// Every KeySpec and KeyUsage pair AWS KMS allows, in the API reference's order.
pub const ALLOWED: &[(&str, &[&str])] = &[
    ("SYMMETRIC_DEFAULT", &["ENCRYPT_DECRYPT"]),
    ("RSA_2048", &["ENCRYPT_DECRYPT", "SIGN_VERIFY"]),
    ("RSA_3072", &["ENCRYPT_DECRYPT", "SIGN_VERIFY"]),
    ("RSA_4096", &["ENCRYPT_DECRYPT", "SIGN_VERIFY"]),
    ("ECC_NIST_P256", &["SIGN_VERIFY", "KEY_AGREEMENT"]),
    ("ECC_NIST_P384", &["SIGN_VERIFY", "KEY_AGREEMENT"]),
    ("ECC_NIST_P521", &["SIGN_VERIFY", "KEY_AGREEMENT"]),
    ("ECC_SECG_P256K1", &["SIGN_VERIFY"]),
    ("ECC_NIST_EDWARDS25519", &["SIGN_VERIFY"]),
    ("ML_DSA_44", &["SIGN_VERIFY"]),
    ("ML_DSA_65", &["SIGN_VERIFY"]),
    ("ML_DSA_87", &["SIGN_VERIFY"]),
    ("ML_KEM_512", &["ENCAPSULATE_DECAPSULATE"]),
    ("ML_KEM_768", &["ENCAPSULATE_DECAPSULATE"]),
    ("ML_KEM_1024", &["ENCAPSULATE_DECAPSULATE"]),
    ("HMAC_224", &["GENERATE_VERIFY_MAC"]),
    ("HMAC_256", &["GENERATE_VERIFY_MAC"]),
    ("HMAC_384", &["GENERATE_VERIFY_MAC"]),
    ("HMAC_512", &["GENERATE_VERIFY_MAC"]),
    ("SM2", &["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"]),
];

/// The algorithm lists AWS reports for a key (DescribeKey, CreateKey, GetPublicKey): only the
/// list that applies to the key's usage is present.
#[derive(Debug, Default, PartialEq)]
pub struct Algorithms {
    pub encryption: Vec<String>,
    pub signing: Vec<String>,
    pub mac: Vec<String>,
    pub key_agreement: Vec<String>,
    pub encapsulation: Vec<String>,
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// What the AWS KMS Developer Guide ("Key spec reference") lists for `spec` with `usage`.
pub fn aws_algorithms(spec: &str, usage: &str) -> Algorithms {
    let mut a = Algorithms::default();
    match (spec, usage) {
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT") => a.encryption = v(&["SYMMETRIC_DEFAULT"]),
        (s, "ENCRYPT_DECRYPT") if s.starts_with("RSA_") => {
            a.encryption = v(&["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]);
        }
        (s, "SIGN_VERIFY") if s.starts_with("RSA_") => {
            a.signing = v(&[
                "RSASSA_PKCS1_V1_5_SHA_256",
                "RSASSA_PKCS1_V1_5_SHA_384",
                "RSASSA_PKCS1_V1_5_SHA_512",
                "RSASSA_PSS_SHA_256",
                "RSASSA_PSS_SHA_384",
                "RSASSA_PSS_SHA_512",
            ]);
        }
        ("ECC_NIST_P256" | "ECC_SECG_P256K1", "SIGN_VERIFY") => a.signing = v(&["ECDSA_SHA_256"]),
        ("ECC_NIST_P384", "SIGN_VERIFY") => a.signing = v(&["ECDSA_SHA_384"]),
        ("ECC_NIST_P521", "SIGN_VERIFY") => a.signing = v(&["ECDSA_SHA_512"]),
        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY") => {
            a.signing = v(&["ED25519_SHA_512", "ED25519_PH_SHA_512"]);
        }
        (s, "SIGN_VERIFY") if s.starts_with("ML_DSA_") => a.signing = v(&["ML_DSA_SHAKE_256"]),
        ("SM2", "SIGN_VERIFY") => a.signing = v(&["SM2DSA"]),
        ("SM2", "ENCRYPT_DECRYPT") => a.encryption = v(&["SM2PKE"]),
        (_, "KEY_AGREEMENT") => a.key_agreement = v(&["ECDH"]),
        (_, "ENCAPSULATE_DECAPSULATE") => a.encapsulation = v(&["ML_KEM"]),
        ("HMAC_224", _) => a.mac = v(&["HMAC_SHA_224"]),
        ("HMAC_256", _) => a.mac = v(&["HMAC_SHA_256"]),
        ("HMAC_384", _) => a.mac = v(&["HMAC_SHA_384"]),
        ("HMAC_512", _) => a.mac = v(&["HMAC_SHA_512"]),
        other => panic!("no documented algorithms for {other:?}"),
    }
    a
}

/// The deprecated CustomerMasterKeySpec has a value only for the specs that existed when it
/// was deprecated (its enum in the API model); for the others the member is absent.
pub fn has_customer_master_key_spec(spec: &str) -> bool {
    !(spec.starts_with("ML_") || spec == "ECC_NIST_EDWARDS25519")
}

fn names<T: AsRef<str>>(list: Option<&[T]>) -> Vec<String> {
    list.unwrap_or_default()
        .iter()
        .map(|n| n.as_ref().to_owned())
        .collect()
}

/// Asserts a key's metadata says what AWS says for a key of `spec` and `usage`.
#[allow(deprecated)] // CustomerMasterKeySpec: AWS still answers it.
pub fn assert_metadata(meta: &KeyMetadata, spec: &str, usage: &str) {
    let what = format!("{spec}/{usage}");
    assert_eq!(meta.key_spec().map(KeySpec::as_str), Some(spec), "{what}");
    assert_eq!(
        meta.key_usage().map(KeyUsageType::as_str),
        Some(usage),
        "{what}"
    );
    let cmk = meta.customer_master_key_spec().map(|c| c.as_str());
    let expected_cmk = has_customer_master_key_spec(spec).then_some(spec);
    assert_eq!(cmk, expected_cmk, "{what}: CustomerMasterKeySpec");
    let expected = aws_algorithms(spec, usage);
    let actual = Algorithms {
        encryption: names(meta.encryption_algorithms.as_deref()),
        signing: names(meta.signing_algorithms.as_deref()),
        mac: names(meta.mac_algorithms.as_deref()),
        key_agreement: names(meta.key_agreement_algorithms.as_deref()),
        encapsulation: names(meta.encapsulation_algorithms.as_deref()),
    };
    assert_eq!(actual, expected, "{what}");
    // AWS leaves a list that does not apply out rather than sending it empty.
    let empty = [
        meta.encryption_algorithms.as_ref().map(Vec::is_empty),
        meta.signing_algorithms.as_ref().map(Vec::is_empty),
        meta.mac_algorithms.as_ref().map(Vec::is_empty),
        meta.key_agreement_algorithms.as_ref().map(Vec::is_empty),
        meta.encapsulation_algorithms.as_ref().map(Vec::is_empty),
    ];
    assert!(!empty.contains(&Some(true)), "{what}: an empty list");
}

/// Asserts GetPublicKey answers for a key of `spec` and `usage` as AWS does: the key's ARN,
/// spec, usage and algorithm lists, and the standard SubjectPublicKeyInfo. Returns the latter.
#[allow(deprecated)] // CustomerMasterKeySpec: AWS still answers it.
pub async fn checked_public_key(kms: &Client, key: &str, spec: &str, usage: &str) -> Vec<u8> {
    let out = kms.get_public_key().key_id(key).send().await.unwrap();
    let what = format!("GetPublicKey {spec}/{usage}");
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()), "{what}");
    assert_eq!(out.key_spec().map(KeySpec::as_str), Some(spec), "{what}");
    assert_eq!(
        out.key_usage().map(KeyUsageType::as_str),
        Some(usage),
        "{what}"
    );
    assert_eq!(
        out.customer_master_key_spec().map(|c| c.as_str()),
        has_customer_master_key_spec(spec).then_some(spec),
        "{what}"
    );
    let expected = aws_algorithms(spec, usage);
    let actual = Algorithms {
        encryption: names(out.encryption_algorithms.as_deref()),
        signing: names(out.signing_algorithms.as_deref()),
        // GetPublicKey has no MacAlgorithms: HMAC keys have no public key.
        mac: Vec::new(),
        key_agreement: names(out.key_agreement_algorithms.as_deref()),
        encapsulation: names(out.encapsulation_algorithms.as_deref()),
    };
    assert_eq!(actual, expected, "{what}");
    let empty = [
        out.encryption_algorithms.as_ref().map(Vec::is_empty),
        out.signing_algorithms.as_ref().map(Vec::is_empty),
        out.key_agreement_algorithms.as_ref().map(Vec::is_empty),
        out.encapsulation_algorithms.as_ref().map(Vec::is_empty),
    ];
    assert!(!empty.contains(&Some(true)), "{what}: an empty list");
    let spki = out.public_key.unwrap().into_inner();
    assert_standard_spki(spec, &spki);
    spki
}

/// Creates a key of `spec` and `usage`, checks what CreateKey and DescribeKey report for it
/// against AWS's documentation, and returns its id.
pub async fn create_checked(kms: &Client, spec: &str, usage: &str) -> String {
    let created = kms
        .create_key()
        .key_spec(KeySpec::from(spec))
        .key_usage(KeyUsageType::from(usage))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateKey {spec}/{usage}: {e:?}"))
        .key_metadata
        .unwrap();
    assert_metadata(&created, spec, usage);
    let described = super::describe(kms, created.key_id()).await;
    assert_metadata(&described, spec, usage);
    assert_eq!(
        described.current_key_material_id().is_some(),
        spec == "SYMMETRIC_DEFAULT",
        "only symmetric encryption keys name their current material"
    );
    created.key_id
}

/// The public key of a key, as GetPublicKey returns it.
pub async fn public_key(kms: &Client, key: &str) -> Vec<u8> {
    kms.get_public_key()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .public_key
        .unwrap()
        .into_inner()
}

/// Signs and checks the response names the key and the algorithm.
pub async fn sign(
    kms: &Client,
    key: &str,
    alg: &SigningAlgorithmSpec,
    message_type: MessageType,
    message: &[u8],
) -> Vec<u8> {
    let out = kms
        .sign()
        .key_id(key)
        .signing_algorithm(alg.clone())
        .message_type(message_type.clone())
        .message(Blob::new(message))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Sign {alg} {message_type}: {e:?}"));
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    assert_eq!(out.signing_algorithm(), Some(alg));
    out.signature.unwrap().into_inner()
}

pub async fn verify(
    kms: &Client,
    key: &str,
    alg: &SigningAlgorithmSpec,
    message_type: MessageType,
    message: &[u8],
    signature: &[u8],
) -> Result<VerifyOutput, SdkError<VerifyError, aws_sdk_kms::config::http::HttpResponse>> {
    kms.verify()
        .key_id(key)
        .signing_algorithm(alg.clone())
        .message_type(message_type)
        .message(Blob::new(message))
        .signature(Blob::new(signature))
        .send()
        .await
}

/// Asserts Trent says the signature is valid.
pub async fn assert_verifies(
    kms: &Client,
    key: &str,
    alg: &SigningAlgorithmSpec,
    message_type: MessageType,
    message: &[u8],
    signature: &[u8],
) {
    let out = verify(kms, key, alg, message_type.clone(), message, signature)
        .await
        .unwrap_or_else(|e| panic!("Verify {alg} {message_type}: {e:?}"));
    assert!(out.signature_valid());
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    assert_eq!(out.signing_algorithm(), Some(alg));
}

/// Asserts Trent refuses the signature with KMSInvalidSignatureException.
pub async fn assert_invalid_signature(
    kms: &Client,
    key: &str,
    alg: &SigningAlgorithmSpec,
    message_type: MessageType,
    message: &[u8],
    signature: &[u8],
) {
    let e = super::fail(verify(kms, key, alg, message_type, message, signature).await);
    assert!(e.is_kms_invalid_signature_exception(), "{alg}: {e:?}");
}

/// The hash a DIGEST message of `alg` is made with.
pub fn hash_of(alg: &SigningAlgorithmSpec) -> &'static digest::Algorithm {
    use SigningAlgorithmSpec as A;
    match alg {
        A::RsassaPkcs1V15Sha256 | A::RsassaPssSha256 | A::EcdsaSha256 => &digest::SHA256,
        A::RsassaPkcs1V15Sha384 | A::RsassaPssSha384 | A::EcdsaSha384 => &digest::SHA384,
        A::RsassaPkcs1V15Sha512 | A::RsassaPssSha512 | A::EcdsaSha512 => &digest::SHA512,
        A::Ed25519PhSha512 => &digest::SHA512,
        other => panic!("{other} takes no DIGEST made with SHA-2"),
    }
}

/// The DIGEST message of `message` for `alg`.
pub fn digest_for(alg: &SigningAlgorithmSpec, message: &[u8]) -> Vec<u8> {
    digest::digest(hash_of(alg), message).as_ref().to_vec()
}

/// aws-lc-rs's verification algorithm for a signature Trent made with `alg` on a key of
/// `spec`; `None` where aws-lc-rs has no safe API for it (Ed25519ph, SM2DSA).
pub fn independent_verifier(
    spec: &str,
    alg: &SigningAlgorithmSpec,
) -> Option<&'static dyn VerificationAlgorithm> {
    use SigningAlgorithmSpec as A;
    Some(match (spec, alg) {
        (_, A::RsassaPkcs1V15Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (_, A::RsassaPkcs1V15Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (_, A::RsassaPkcs1V15Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        // Salt length = hash length, as AWS KMS uses (and aws-lc-rs insists on).
        (_, A::RsassaPssSha256) => &sig::RSA_PSS_2048_8192_SHA256,
        (_, A::RsassaPssSha384) => &sig::RSA_PSS_2048_8192_SHA384,
        (_, A::RsassaPssSha512) => &sig::RSA_PSS_2048_8192_SHA512,
        ("ECC_NIST_P256", A::EcdsaSha256) => &sig::ECDSA_P256_SHA256_ASN1,
        ("ECC_SECG_P256K1", A::EcdsaSha256) => &sig::ECDSA_P256K1_SHA256_ASN1,
        ("ECC_NIST_P384", A::EcdsaSha384) => &sig::ECDSA_P384_SHA384_ASN1,
        ("ECC_NIST_P521", A::EcdsaSha512) => &sig::ECDSA_P521_SHA512_ASN1,
        (_, A::Ed25519Sha512) => &sig::ED25519,
        ("ML_DSA_44", A::MlDsaShake256) => &sig::ML_DSA_44,
        ("ML_DSA_65", A::MlDsaShake256) => &sig::ML_DSA_65,
        ("ML_DSA_87", A::MlDsaShake256) => &sig::ML_DSA_87,
        _ => return None,
    })
}

/// Asserts aws-lc-rs, given only the public key from GetPublicKey, accepts the signature.
pub fn assert_verifies_outside(
    spec: &str,
    alg: &SigningAlgorithmSpec,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
) {
    let verifier = independent_verifier(spec, alg).expect("aws-lc-rs verifies this algorithm");
    sig::UnparsedPublicKey::new(verifier, spki)
        .verify(message, signature)
        .unwrap_or_else(|_| panic!("aws-lc-rs rejects Trent's {spec} {alg} signature"));
}

/// Encrypts under an asymmetric key and checks the response.
pub async fn encrypt_asymmetric(
    kms: &Client,
    key: &str,
    alg: EncryptionAlgorithmSpec,
    plaintext: &[u8],
) -> Vec<u8> {
    let out = kms
        .encrypt()
        .key_id(key)
        .encryption_algorithm(alg.clone())
        .plaintext(Blob::new(plaintext))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Encrypt {alg} {} bytes: {e:?}", plaintext.len()));
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    assert_eq!(out.encryption_algorithm(), Some(&alg));
    out.ciphertext_blob.unwrap().into_inner()
}

/// Decrypts under an asymmetric key (which the request must name) and checks the response.
pub async fn decrypt_asymmetric(
    kms: &Client,
    key: &str,
    alg: EncryptionAlgorithmSpec,
    blob: &[u8],
) -> Vec<u8> {
    let out = kms
        .decrypt()
        .key_id(key)
        .encryption_algorithm(alg.clone())
        .ciphertext_blob(Blob::new(blob))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Decrypt {alg}: {e:?}"));
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    assert_eq!(out.encryption_algorithm(), Some(&alg));
    assert_eq!(out.key_material_id(), None, "only symmetric keys name it");
    out.plaintext.unwrap().into_inner()
}

/// The (single) key material of key `key_id`, unsealed from a stopped server's data directory.
pub async fn key_material(data_dir: &std::path::Path, key_id: &str) -> Vec<u8> {
    use trent_store::Store as _;
    let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db"))
        .await
        .unwrap();
    let wrapped = store.setting("seal.wrapped_dek").await.unwrap().unwrap();
    let root = trent_seal::FileRoot::open(&data_dir.join("root.key")).unwrap();
    let sealer = trent_seal::Sealer::new(&root, &wrapped).unwrap();
    let region = trent_types::Region::parse(REGION).unwrap();
    let materials = store
        .materials(&region, &trent_types::KeyId::parse(key_id).unwrap())
        .await
        .unwrap();
    assert_eq!(materials.len(), 1);
    let m = &materials[0];
    sealer
        .unseal(&key_arn(key_id), &m.material_id, &m.sealed)
        .unwrap()
        .expose_secret()
        .to_vec()
}

/// DeriveSharedSecret with ECDH, checking the response.
pub async fn derive(kms: &Client, key: &str, peer_spki: &[u8]) -> Vec<u8> {
    let out = kms
        .derive_shared_secret()
        .key_id(key)
        .key_agreement_algorithm(KeyAgreementAlgorithmSpec::Ecdh)
        .public_key(Blob::new(peer_spki))
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(key_arn(key).as_str()));
    assert_eq!(
        out.key_agreement_algorithm(),
        Some(&KeyAgreementAlgorithmSpec::Ecdh)
    );
    assert_eq!(
        out.key_origin(),
        Some(&aws_sdk_kms::types::OriginType::AwsKms)
    );
    out.shared_secret.unwrap().into_inner()
}

/// DER object identifiers (the contents octets) a SubjectPublicKeyInfo may name.
pub mod oid {
    pub const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    pub const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    pub const P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    pub const P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
    pub const P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
    pub const SECP256K1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x0a];
    pub const SM2: &[u8] = &[0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
    pub const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
    const NIST_ALGS: [u8; 7] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04];
    pub const ML_DSA_44: &[u8] = &concat(NIST_ALGS, [0x03, 0x11]);
    pub const ML_DSA_65: &[u8] = &concat(NIST_ALGS, [0x03, 0x12]);
    pub const ML_DSA_87: &[u8] = &concat(NIST_ALGS, [0x03, 0x13]);
    pub const ML_KEM_512: &[u8] = &concat(NIST_ALGS, [0x04, 0x01]);
    pub const ML_KEM_768: &[u8] = &concat(NIST_ALGS, [0x04, 0x02]);
    pub const ML_KEM_1024: &[u8] = &concat(NIST_ALGS, [0x04, 0x03]);

    const fn concat(a: [u8; 7], b: [u8; 2]) -> [u8; 9] {
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], b[0], b[1]]
    }
}

/// The standard SubjectPublicKeyInfo of a key spec: its algorithm OID, its parameters (an
/// OID, NULL for RSA, or none) and the length of the key in the BIT STRING (`None` for RSA,
/// whose key is a DER `RSAPublicKey`).
pub fn standard_spki(spec: &str) -> (&'static [u8], Option<Vec<u8>>, Option<usize>) {
    let curve = |c: &[u8]| Some(der(0x06, c));
    match spec {
        s if s.starts_with("RSA_") => (oid::RSA, Some(vec![0x05, 0x00]), None),
        "ECC_NIST_P256" => (oid::EC_PUBLIC_KEY, curve(oid::P256), Some(65)),
        "ECC_NIST_P384" => (oid::EC_PUBLIC_KEY, curve(oid::P384), Some(97)),
        "ECC_NIST_P521" => (oid::EC_PUBLIC_KEY, curve(oid::P521), Some(133)),
        "ECC_SECG_P256K1" => (oid::EC_PUBLIC_KEY, curve(oid::SECP256K1), Some(65)),
        "SM2" => (oid::EC_PUBLIC_KEY, curve(oid::SM2), Some(65)),
        "ECC_NIST_EDWARDS25519" => (oid::ED25519, None, Some(32)),
        "ML_DSA_44" => (oid::ML_DSA_44, None, Some(1312)),
        "ML_DSA_65" => (oid::ML_DSA_65, None, Some(1952)),
        "ML_DSA_87" => (oid::ML_DSA_87, None, Some(2592)),
        "ML_KEM_512" => (oid::ML_KEM_512, None, Some(800)),
        "ML_KEM_768" => (oid::ML_KEM_768, None, Some(1184)),
        "ML_KEM_1024" => (oid::ML_KEM_1024, None, Some(1568)),
        other => panic!("{other} has no public key"),
    }
}

/// A parsed SubjectPublicKeyInfo.
#[derive(Debug)]
pub struct Spki {
    pub algorithm: Vec<u8>,
    /// The whole DER encoding of the parameters, if any.
    pub parameters: Option<Vec<u8>>,
    /// The BIT STRING's contents after its unused-bits octet.
    pub key: Vec<u8>,
}

/// Parses a DER SubjectPublicKeyInfo strictly (no trailing bytes anywhere); panics on
/// anything else.
pub fn parse_spki(bytes: &[u8]) -> Spki {
    let (tag, outer, rest) = tlv(bytes);
    assert_eq!((tag, rest.len()), (0x30, 0), "SPKI is one SEQUENCE");
    let (tag, algorithm_id, rest) = tlv(outer);
    assert_eq!(tag, 0x30, "AlgorithmIdentifier");
    let (tag, bits, end) = tlv(rest);
    assert_eq!(
        (tag, end.len()),
        (0x03, 0),
        "subjectPublicKey BIT STRING last"
    );
    assert_eq!(bits[0], 0, "no unused bits");
    let (tag, algorithm, params) = tlv(algorithm_id);
    assert_eq!(tag, 0x06, "algorithm OID");
    let parameters = (!params.is_empty()).then(|| {
        let (_, _, after) = tlv(params);
        assert!(after.is_empty(), "one parameters element");
        params.to_vec()
    });
    Spki {
        algorithm: algorithm.to_vec(),
        parameters,
        key: bits[1..].to_vec(),
    }
}

/// Asserts `spki` is the standard SubjectPublicKeyInfo of a key of `spec`.
pub fn assert_standard_spki(spec: &str, spki: &[u8]) -> Spki {
    let parsed = parse_spki(spki);
    let (algorithm, parameters, key_len) = standard_spki(spec);
    assert_eq!(parsed.algorithm, algorithm, "{spec}: algorithm OID");
    assert_eq!(parsed.parameters, parameters, "{spec}: parameters");
    match key_len {
        Some(len) => assert_eq!(parsed.key.len(), len, "{spec}: key length"),
        None => {
            // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }, e = 65537.
            let (tag, body, rest) = tlv(&parsed.key);
            assert_eq!((tag, rest.len()), (0x30, 0));
            let (_, modulus, rest) = tlv(body);
            let bits = spec.trim_start_matches("RSA_").parse::<usize>().unwrap();
            assert_eq!(
                modulus.len(),
                bits / 8 + 1,
                "{spec}: modulus with a leading 0"
            );
            let (_, exponent, rest) = tlv(rest);
            assert_eq!((exponent, rest.len()), (&[1, 0, 1][..], 0));
        }
    }
    if parsed.algorithm == oid::EC_PUBLIC_KEY {
        assert_eq!(parsed.key[0], 0x04, "{spec}: an uncompressed point");
    }
    parsed
}

/// One DER TLV: tag, contents, what follows. Definite lengths only.
pub fn tlv(bytes: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = bytes[0];
    let (len, at) = match bytes[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(bytes[2]), 3),
        0x82 => (usize::from(bytes[2]) << 8 | usize::from(bytes[3]), 4),
        other => panic!("unexpected DER length octet {other:#x}"),
    };
    (tag, &bytes[at..at + len], &bytes[at + len..])
}

/// A DER TLV with a short or long length.
pub fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match contents.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(contents);
    out
}

/// Random bytes from aws-lc-rs.
pub fn random(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    aws_lc_rs::rand::fill(&mut out).unwrap();
    out
}
