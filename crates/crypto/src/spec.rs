//! The facts AWS KMS publishes about key specs, as pure tables.
//!
//! Which key usages a key spec allows, the algorithm lists `CreateKey`, `DescribeKey` and
//! `GetPublicKey` report for a (spec, usage) pair, the message types and digest lengths of each
//! signing algorithm, the RSA-OAEP plaintext limits, HMAC key lengths and the data key pair
//! specs. Nothing here touches key material; the service reads these tables to refuse a request
//! before it unseals anything, and the prepared keys read them to refuse it again.

use trent_types::{
    CustomerMasterKeySpec, DataKeyPairSpec, EncapsulationAlgorithm, EncryptionAlgorithm,
    KeyAgreementAlgorithm, KeySpec, KeyUsage, MacAlgorithm, MessageType, SigningAlgorithm,
};

use crate::KeyOpError;

/// The key usages AWS KMS allows for `spec`, in the model's order.
pub const fn key_usages(spec: KeySpec) -> &'static [KeyUsage] {
    use KeySpec as S;
    use KeyUsage as U;
    match spec {
        S::SymmetricDefault => &[U::EncryptDecrypt],
        S::Rsa2048 | S::Rsa3072 | S::Rsa4096 => &[U::SignVerify, U::EncryptDecrypt],
        S::EccNistP256 | S::EccNistP384 | S::EccNistP521 => &[U::SignVerify, U::KeyAgreement],
        S::EccSecgP256k1 | S::EccNistEdwards25519 => &[U::SignVerify],
        S::MlDsa44 | S::MlDsa65 | S::MlDsa87 => &[U::SignVerify],
        S::MlKem512 | S::MlKem768 | S::MlKem1024 => &[U::EncapsulateDecapsulate],
        S::Hmac224 | S::Hmac256 | S::Hmac384 | S::Hmac512 => &[U::GenerateVerifyMac],
        S::Sm2 => &[U::SignVerify, U::EncryptDecrypt, U::KeyAgreement],
    }
}

/// Whether AWS KMS lets a key of `spec` have `usage`.
pub fn allows_usage(spec: KeySpec, usage: KeyUsage) -> bool {
    key_usages(spec).contains(&usage)
}

/// The algorithm lists of a key, exactly as `DescribeKey` reports them. Lists that do not apply
/// to the key are empty (AWS leaves those members out of the response).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Algorithms {
    pub encryption: &'static [EncryptionAlgorithm],
    pub signing: &'static [SigningAlgorithm],
    pub mac: &'static [MacAlgorithm],
    pub key_agreement: &'static [KeyAgreementAlgorithm],
    pub encapsulation: &'static [EncapsulationAlgorithm],
}

const NONE: Algorithms = Algorithms {
    encryption: &[],
    signing: &[],
    mac: &[],
    key_agreement: &[],
    encapsulation: &[],
};

const fn encryption(list: &'static [EncryptionAlgorithm]) -> Algorithms {
    Algorithms {
        encryption: list,
        ..NONE
    }
}

const fn signing(list: &'static [SigningAlgorithm]) -> Algorithms {
    Algorithms {
        signing: list,
        ..NONE
    }
}

const fn mac(list: &'static [MacAlgorithm]) -> Algorithms {
    Algorithms { mac: list, ..NONE }
}

const ECDH: Algorithms = Algorithms {
    key_agreement: &[KeyAgreementAlgorithm::Ecdh],
    ..NONE
};

const ML_KEM: Algorithms = Algorithms {
    encapsulation: &[EncapsulationAlgorithm::MlKem],
    ..NONE
};

/// The algorithm lists for a key of `spec` and `usage`; `None` when AWS refuses the pair.
pub const fn algorithms(spec: KeySpec, usage: KeyUsage) -> Option<Algorithms> {
    use EncryptionAlgorithm as E;
    use KeySpec as S;
    use KeyUsage as U;
    use SigningAlgorithm as A;
    Some(match (spec, usage) {
        (S::SymmetricDefault, U::EncryptDecrypt) => encryption(&[E::SymmetricDefault]),
        (S::Rsa2048 | S::Rsa3072 | S::Rsa4096, U::EncryptDecrypt) => {
            encryption(&[E::RsaesOaepSha1, E::RsaesOaepSha256])
        }
        (S::Rsa2048 | S::Rsa3072 | S::Rsa4096, U::SignVerify) => signing(&[
            A::RsassaPkcs1V15Sha256,
            A::RsassaPkcs1V15Sha384,
            A::RsassaPkcs1V15Sha512,
            A::RsassaPssSha256,
            A::RsassaPssSha384,
            A::RsassaPssSha512,
        ]),
        (S::EccNistP256 | S::EccSecgP256k1, U::SignVerify) => signing(&[A::EcdsaSha256]),
        (S::EccNistP384, U::SignVerify) => signing(&[A::EcdsaSha384]),
        (S::EccNistP521, U::SignVerify) => signing(&[A::EcdsaSha512]),
        (S::EccNistP256 | S::EccNistP384 | S::EccNistP521 | S::Sm2, U::KeyAgreement) => ECDH,
        (S::EccNistEdwards25519, U::SignVerify) => signing(&[A::Ed25519Sha512, A::Ed25519PhSha512]),
        (S::MlDsa44 | S::MlDsa65 | S::MlDsa87, U::SignVerify) => signing(&[A::MlDsaShake256]),
        (S::MlKem512 | S::MlKem768 | S::MlKem1024, U::EncapsulateDecapsulate) => ML_KEM,
        (S::Hmac224, U::GenerateVerifyMac) => mac(&[MacAlgorithm::HmacSha224]),
        (S::Hmac256, U::GenerateVerifyMac) => mac(&[MacAlgorithm::HmacSha256]),
        (S::Hmac384, U::GenerateVerifyMac) => mac(&[MacAlgorithm::HmacSha384]),
        (S::Hmac512, U::GenerateVerifyMac) => mac(&[MacAlgorithm::HmacSha512]),
        (S::Sm2, U::SignVerify) => signing(&[A::Sm2dsa]),
        (S::Sm2, U::EncryptDecrypt) => encryption(&[E::Sm2pke]),
        _ => return None,
    })
}

/// The deprecated `CustomerMasterKeySpec` AWS still reports beside `KeySpec`; `None` for the
/// specs that came after it was deprecated (AWS leaves the member out for those).
pub const fn customer_master_key_spec(spec: KeySpec) -> Option<CustomerMasterKeySpec> {
    use CustomerMasterKeySpec as C;
    use KeySpec as S;
    Some(match spec {
        S::Rsa2048 => C::Rsa2048,
        S::Rsa3072 => C::Rsa3072,
        S::Rsa4096 => C::Rsa4096,
        S::EccNistP256 => C::EccNistP256,
        S::EccNistP384 => C::EccNistP384,
        S::EccNistP521 => C::EccNistP521,
        S::EccSecgP256k1 => C::EccSecgP256k1,
        S::SymmetricDefault => C::SymmetricDefault,
        S::Hmac224 => C::Hmac224,
        S::Hmac256 => C::Hmac256,
        S::Hmac384 => C::Hmac384,
        S::Hmac512 => C::Hmac512,
        S::Sm2 => C::Sm2,
        S::MlDsa44
        | S::MlDsa65
        | S::MlDsa87
        | S::EccNistEdwards25519
        | S::MlKem512
        | S::MlKem768
        | S::MlKem1024 => return None,
    })
}

/// The message types `Sign` and `Verify` accept with `alg`: RAW and DIGEST for RSA, ECDSA and
/// SM2DSA; RAW and EXTERNAL_MU for ML-DSA; RAW only for ED25519_SHA_512 and DIGEST only for
/// ED25519_PH_SHA_512.
pub const fn message_types(alg: SigningAlgorithm) -> &'static [MessageType] {
    use MessageType as M;
    use SigningAlgorithm as A;
    match alg {
        A::MlDsaShake256 => &[M::Raw, M::ExternalMu],
        A::Ed25519Sha512 => &[M::Raw],
        A::Ed25519PhSha512 => &[M::Digest],
        A::RsassaPssSha256
        | A::RsassaPssSha384
        | A::RsassaPssSha512
        | A::RsassaPkcs1V15Sha256
        | A::RsassaPkcs1V15Sha384
        | A::RsassaPkcs1V15Sha512
        | A::EcdsaSha256
        | A::EcdsaSha384
        | A::EcdsaSha512
        | A::Sm2dsa => &[M::Raw, M::Digest],
    }
}

/// The length of a DIGEST message for `alg` (the output of its hash: SHA-256, SHA-384,
/// SHA-512, or SM3 for SM2DSA); `None` for the algorithms that take no DIGEST.
pub const fn digest_len(alg: SigningAlgorithm) -> Option<usize> {
    use SigningAlgorithm as A;
    match alg {
        A::RsassaPssSha256 | A::RsassaPkcs1V15Sha256 | A::EcdsaSha256 | A::Sm2dsa => Some(32),
        A::RsassaPssSha384 | A::RsassaPkcs1V15Sha384 | A::EcdsaSha384 => Some(48),
        A::RsassaPssSha512 | A::RsassaPkcs1V15Sha512 | A::EcdsaSha512 => Some(64),
        A::Ed25519PhSha512 => Some(64),
        A::MlDsaShake256 | A::Ed25519Sha512 => None,
    }
}

/// The length of an EXTERNAL_MU message: ML-DSA's μ (FIPS 204), 64 bytes for every level.
pub const ML_DSA_MU_LEN: usize = 64;

/// The longest RAW message `Sign` and `Verify` accept (the API model's limit, repeated here so
/// the crypto layer never hashes an unbounded input it was not meant to get).
pub const MAX_RAW_MESSAGE_LEN: usize = 4096;

/// Checks a `Sign` or `Verify` request against the tables: the algorithm must be one the key's
/// spec supports for SIGN_VERIFY, the message type one the algorithm accepts, and a DIGEST or
/// EXTERNAL_MU message exactly as long as the algorithm's digest or μ.
pub fn check_signing(
    spec: KeySpec,
    alg: SigningAlgorithm,
    message_type: MessageType,
    message_len: usize,
) -> Result<(), KeyOpError> {
    let supported = algorithms(spec, KeyUsage::SignVerify).map_or(&[][..], |a| a.signing);
    if !supported.contains(&alg) {
        return Err(KeyOpError::UnsupportedAlgorithm);
    }
    if !message_types(alg).contains(&message_type) {
        return Err(KeyOpError::UnsupportedMessageType);
    }
    let expected = match message_type {
        MessageType::Raw if message_len <= MAX_RAW_MESSAGE_LEN => return Ok(()),
        MessageType::Raw => return Err(KeyOpError::MessageTooLong),
        MessageType::Digest => digest_len(alg),
        MessageType::ExternalMu => Some(ML_DSA_MU_LEN),
    };
    if expected == Some(message_len) {
        Ok(())
    } else {
        Err(KeyOpError::DigestLength)
    }
}

/// The modulus length in bytes of an RSA spec.
pub const fn rsa_modulus_len(spec: KeySpec) -> Option<usize> {
    match spec {
        KeySpec::Rsa2048 => Some(256),
        KeySpec::Rsa3072 => Some(384),
        KeySpec::Rsa4096 => Some(512),
        _ => None,
    }
}

/// The longest plaintext `Encrypt` takes with a key of `spec` and `alg`, as AWS documents it:
/// for RSA-OAEP, `k - 2·hLen - 2` (RSA_2048: 214 bytes with SHA-1, 190 with SHA-256;
/// RSA_3072: 342 / 318; RSA_4096: 470 / 446); for SM2PKE, 1024 bytes. `None` when the pair
/// is not an asymmetric encryption pair.
pub const fn max_plaintext_len(spec: KeySpec, alg: EncryptionAlgorithm) -> Option<usize> {
    match (rsa_modulus_len(spec), alg) {
        (Some(k), EncryptionAlgorithm::RsaesOaepSha1) => Some(k - 2 * 20 - 2),
        (Some(k), EncryptionAlgorithm::RsaesOaepSha256) => Some(k - 2 * 32 - 2),
        (None, EncryptionAlgorithm::Sm2pke) if matches!(spec, KeySpec::Sm2) => Some(1024),
        _ => None,
    }
}

/// The HMAC key length of an HMAC spec, in bytes: AWS's HMAC_224 key has 224 bits, and so on.
pub const fn hmac_key_len(spec: KeySpec) -> Option<usize> {
    match spec {
        KeySpec::Hmac224 => Some(28),
        KeySpec::Hmac256 => Some(32),
        KeySpec::Hmac384 => Some(48),
        KeySpec::Hmac512 => Some(64),
        _ => None,
    }
}

/// The length of a MAC tag of `alg`, in bytes.
pub const fn mac_len(alg: MacAlgorithm) -> usize {
    match alg {
        MacAlgorithm::HmacSha224 => 28,
        MacAlgorithm::HmacSha256 => 32,
        MacAlgorithm::HmacSha384 => 48,
        MacAlgorithm::HmacSha512 => 64,
    }
}

/// The length of an ML-KEM ciphertext for `spec` (FIPS 203): 768, 1088 or 1568 bytes.
pub const fn ml_kem_ciphertext_len(spec: KeySpec) -> Option<usize> {
    match spec {
        KeySpec::MlKem512 => Some(768),
        KeySpec::MlKem768 => Some(1088),
        KeySpec::MlKem1024 => Some(1568),
        _ => None,
    }
}

/// Every data key pair spec `GenerateDataKeyPair` accepts: all of the model's (SM2 is
/// China-Regions-only in AWS; Trent offers it everywhere).
pub const DATA_KEY_PAIR_SPECS: &[DataKeyPairSpec] = DataKeyPairSpec::VALUES;

/// The key spec whose key pair a data key pair of `spec` is: the same curve, modulus or
/// parameter set, generated and encoded the same way.
pub const fn data_key_pair_key_spec(spec: DataKeyPairSpec) -> KeySpec {
    use DataKeyPairSpec as D;
    use KeySpec as S;
    match spec {
        D::Rsa2048 => S::Rsa2048,
        D::Rsa3072 => S::Rsa3072,
        D::Rsa4096 => S::Rsa4096,
        D::EccNistP256 => S::EccNistP256,
        D::EccNistP384 => S::EccNistP384,
        D::EccNistP521 => S::EccNistP521,
        D::EccSecgP256k1 => S::EccSecgP256k1,
        D::Sm2 => S::Sm2,
        D::EccNistEdwards25519 => S::EccNistEdwards25519,
        D::MlKem512 => S::MlKem512,
        D::MlKem768 => S::MlKem768,
        D::MlKem1024 => S::MlKem1024,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EncryptionAlgorithm as E;
    use SigningAlgorithm as A;

    fn names<T: Copy>(list: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
        list.iter().map(|v| name(*v)).collect()
    }

    #[test]
    fn usages_per_spec_are_awss() {
        use KeyUsage as U;
        let expect: &[(KeySpec, &[KeyUsage])] = &[
            (KeySpec::SymmetricDefault, &[U::EncryptDecrypt]),
            (KeySpec::Rsa2048, &[U::SignVerify, U::EncryptDecrypt]),
            (KeySpec::Rsa3072, &[U::SignVerify, U::EncryptDecrypt]),
            (KeySpec::Rsa4096, &[U::SignVerify, U::EncryptDecrypt]),
            (KeySpec::EccNistP256, &[U::SignVerify, U::KeyAgreement]),
            (KeySpec::EccNistP384, &[U::SignVerify, U::KeyAgreement]),
            (KeySpec::EccNistP521, &[U::SignVerify, U::KeyAgreement]),
            (KeySpec::EccSecgP256k1, &[U::SignVerify]),
            (KeySpec::EccNistEdwards25519, &[U::SignVerify]),
            (KeySpec::MlDsa44, &[U::SignVerify]),
            (KeySpec::MlDsa65, &[U::SignVerify]),
            (KeySpec::MlDsa87, &[U::SignVerify]),
            (KeySpec::MlKem512, &[U::EncapsulateDecapsulate]),
            (KeySpec::MlKem768, &[U::EncapsulateDecapsulate]),
            (KeySpec::MlKem1024, &[U::EncapsulateDecapsulate]),
            (KeySpec::Hmac224, &[U::GenerateVerifyMac]),
            (KeySpec::Hmac256, &[U::GenerateVerifyMac]),
            (KeySpec::Hmac384, &[U::GenerateVerifyMac]),
            (KeySpec::Hmac512, &[U::GenerateVerifyMac]),
            (
                KeySpec::Sm2,
                &[U::SignVerify, U::EncryptDecrypt, U::KeyAgreement],
            ),
        ];
        assert_eq!(expect.len(), KeySpec::VALUES.len(), "every spec is listed");
        for (spec, usages) in expect {
            assert_eq!(key_usages(*spec), *usages, "{spec}");
            for usage in KeyUsage::VALUES {
                let allowed = usages.contains(usage);
                assert_eq!(allows_usage(*spec, *usage), allowed, "{spec} {usage}");
                assert_eq!(
                    algorithms(*spec, *usage).is_some(),
                    allowed,
                    "{spec} {usage}"
                );
            }
        }
    }

    #[test]
    fn algorithm_lists_are_awss() {
        use KeyUsage as U;
        let rsa_enc = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];
        let rsa_sig = [
            "RSASSA_PKCS1_V1_5_SHA_256",
            "RSASSA_PKCS1_V1_5_SHA_384",
            "RSASSA_PKCS1_V1_5_SHA_512",
            "RSASSA_PSS_SHA_256",
            "RSASSA_PSS_SHA_384",
            "RSASSA_PSS_SHA_512",
        ];
        for spec in [KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096] {
            let enc = algorithms(spec, U::EncryptDecrypt).unwrap();
            assert_eq!(names(enc.encryption, E::as_str), rsa_enc);
            assert!(enc.signing.is_empty() && enc.mac.is_empty());
            let sig = algorithms(spec, U::SignVerify).unwrap();
            assert_eq!(names(sig.signing, A::as_str), rsa_sig);
            assert!(sig.encryption.is_empty());
        }
        let signing_of = |spec| names(algorithms(spec, U::SignVerify).unwrap().signing, A::as_str);
        assert_eq!(signing_of(KeySpec::EccNistP256), ["ECDSA_SHA_256"]);
        assert_eq!(signing_of(KeySpec::EccNistP384), ["ECDSA_SHA_384"]);
        assert_eq!(signing_of(KeySpec::EccNistP521), ["ECDSA_SHA_512"]);
        assert_eq!(signing_of(KeySpec::EccSecgP256k1), ["ECDSA_SHA_256"]);
        assert_eq!(
            signing_of(KeySpec::EccNistEdwards25519),
            ["ED25519_SHA_512", "ED25519_PH_SHA_512"]
        );
        for spec in [KeySpec::MlDsa44, KeySpec::MlDsa65, KeySpec::MlDsa87] {
            assert_eq!(signing_of(spec), ["ML_DSA_SHAKE_256"]);
        }
        assert_eq!(signing_of(KeySpec::Sm2), ["SM2DSA"]);
        let sm2_enc = algorithms(KeySpec::Sm2, U::EncryptDecrypt).unwrap();
        assert_eq!(names(sm2_enc.encryption, E::as_str), ["SM2PKE"]);
        for spec in [
            KeySpec::EccNistP256,
            KeySpec::EccNistP384,
            KeySpec::EccNistP521,
            KeySpec::Sm2,
        ] {
            let a = algorithms(spec, U::KeyAgreement).unwrap();
            assert_eq!(
                names(a.key_agreement, KeyAgreementAlgorithm::as_str),
                ["ECDH"]
            );
            assert!(a.signing.is_empty() && a.encryption.is_empty());
        }
        for spec in [KeySpec::MlKem512, KeySpec::MlKem768, KeySpec::MlKem1024] {
            let a = algorithms(spec, U::EncapsulateDecapsulate).unwrap();
            assert_eq!(
                names(a.encapsulation, EncapsulationAlgorithm::as_str),
                ["ML_KEM"]
            );
        }
        let mac_of = |spec| {
            names(algorithms(spec, U::GenerateVerifyMac).unwrap().mac, |m| {
                m.as_str()
            })
        };
        assert_eq!(mac_of(KeySpec::Hmac224), ["HMAC_SHA_224"]);
        assert_eq!(mac_of(KeySpec::Hmac256), ["HMAC_SHA_256"]);
        assert_eq!(mac_of(KeySpec::Hmac384), ["HMAC_SHA_384"]);
        assert_eq!(mac_of(KeySpec::Hmac512), ["HMAC_SHA_512"]);
        let sym = algorithms(KeySpec::SymmetricDefault, U::EncryptDecrypt).unwrap();
        assert_eq!(names(sym.encryption, E::as_str), ["SYMMETRIC_DEFAULT"]);
    }

    #[test]
    fn refused_pairs() {
        use KeyUsage as U;
        assert!(algorithms(KeySpec::EccSecgP256k1, U::KeyAgreement).is_none());
        assert!(algorithms(KeySpec::EccNistEdwards25519, U::KeyAgreement).is_none());
        assert!(algorithms(KeySpec::Rsa2048, U::KeyAgreement).is_none());
        assert!(algorithms(KeySpec::SymmetricDefault, U::SignVerify).is_none());
        assert!(algorithms(KeySpec::Hmac256, U::SignVerify).is_none());
        assert!(algorithms(KeySpec::MlDsa65, U::EncapsulateDecapsulate).is_none());
        assert!(algorithms(KeySpec::MlKem768, U::EncryptDecrypt).is_none());
        assert!(algorithms(KeySpec::EccNistP256, U::EncryptDecrypt).is_none());
    }

    #[test]
    fn oaep_limits_are_awss() {
        let limits = [
            (KeySpec::Rsa2048, 214, 190),
            (KeySpec::Rsa3072, 342, 318),
            (KeySpec::Rsa4096, 470, 446),
        ];
        for (spec, sha1, sha256) in limits {
            assert_eq!(max_plaintext_len(spec, E::RsaesOaepSha1), Some(sha1));
            assert_eq!(max_plaintext_len(spec, E::RsaesOaepSha256), Some(sha256));
            assert_eq!(max_plaintext_len(spec, E::Sm2pke), None);
            assert_eq!(max_plaintext_len(spec, E::SymmetricDefault), None);
        }
        assert_eq!(max_plaintext_len(KeySpec::Sm2, E::Sm2pke), Some(1024));
        assert_eq!(max_plaintext_len(KeySpec::Sm2, E::RsaesOaepSha1), None);
        assert_eq!(max_plaintext_len(KeySpec::EccNistP256, E::Sm2pke), None);
    }

    #[test]
    fn digest_lengths_and_message_types() {
        use MessageType as M;
        for alg in SigningAlgorithm::VALUES {
            let types = message_types(*alg);
            assert_eq!(
                digest_len(*alg).is_some(),
                types.contains(&M::Digest),
                "{alg}"
            );
        }
        assert_eq!(digest_len(A::RsassaPssSha256), Some(32));
        assert_eq!(digest_len(A::RsassaPkcs1V15Sha384), Some(48));
        assert_eq!(digest_len(A::RsassaPssSha512), Some(64));
        assert_eq!(digest_len(A::EcdsaSha256), Some(32));
        assert_eq!(digest_len(A::EcdsaSha384), Some(48));
        assert_eq!(digest_len(A::EcdsaSha512), Some(64));
        assert_eq!(digest_len(A::Sm2dsa), Some(32));
        assert_eq!(digest_len(A::Ed25519PhSha512), Some(64));
        assert_eq!(digest_len(A::Ed25519Sha512), None);
        assert_eq!(digest_len(A::MlDsaShake256), None);
        assert_eq!(message_types(A::Ed25519Sha512), [M::Raw]);
        assert_eq!(message_types(A::Ed25519PhSha512), [M::Digest]);
        assert_eq!(message_types(A::MlDsaShake256), [M::Raw, M::ExternalMu]);
    }

    #[test]
    fn check_signing_says_what_is_wrong() {
        use MessageType as M;
        let p256 = KeySpec::EccNistP256;
        assert_eq!(check_signing(p256, A::EcdsaSha256, M::Raw, 5), Ok(()));
        assert_eq!(check_signing(p256, A::EcdsaSha256, M::Raw, 4096), Ok(()));
        assert_eq!(
            check_signing(p256, A::EcdsaSha256, M::Raw, 4097),
            Err(KeyOpError::MessageTooLong)
        );
        assert_eq!(check_signing(p256, A::EcdsaSha256, M::Digest, 32), Ok(()));
        assert_eq!(
            check_signing(p256, A::EcdsaSha256, M::Digest, 48),
            Err(KeyOpError::DigestLength)
        );
        assert_eq!(
            check_signing(p256, A::EcdsaSha384, M::Digest, 48),
            Err(KeyOpError::UnsupportedAlgorithm)
        );
        assert_eq!(
            check_signing(p256, A::EcdsaSha256, M::ExternalMu, 64),
            Err(KeyOpError::UnsupportedMessageType)
        );
        let ed = KeySpec::EccNistEdwards25519;
        assert_eq!(
            check_signing(ed, A::Ed25519Sha512, M::Digest, 64),
            Err(KeyOpError::UnsupportedMessageType)
        );
        assert_eq!(
            check_signing(ed, A::Ed25519PhSha512, M::Raw, 3),
            Err(KeyOpError::UnsupportedMessageType)
        );
        assert_eq!(check_signing(ed, A::Ed25519PhSha512, M::Digest, 64), Ok(()));
        let ml = KeySpec::MlDsa65;
        assert_eq!(
            check_signing(ml, A::MlDsaShake256, M::ExternalMu, 64),
            Ok(())
        );
        assert_eq!(
            check_signing(ml, A::MlDsaShake256, M::ExternalMu, 32),
            Err(KeyOpError::DigestLength)
        );
        assert_eq!(
            check_signing(ml, A::MlDsaShake256, M::Digest, 64),
            Err(KeyOpError::UnsupportedMessageType)
        );
        assert_eq!(
            check_signing(KeySpec::SymmetricDefault, A::EcdsaSha256, M::Raw, 1),
            Err(KeyOpError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn hmac_and_kem_sizes() {
        assert_eq!(hmac_key_len(KeySpec::Hmac224), Some(28));
        assert_eq!(hmac_key_len(KeySpec::Hmac256), Some(32));
        assert_eq!(hmac_key_len(KeySpec::Hmac384), Some(48));
        assert_eq!(hmac_key_len(KeySpec::Hmac512), Some(64));
        assert_eq!(hmac_key_len(KeySpec::Rsa2048), None);
        assert_eq!(mac_len(MacAlgorithm::HmacSha224), 28);
        assert_eq!(mac_len(MacAlgorithm::HmacSha512), 64);
        assert_eq!(ml_kem_ciphertext_len(KeySpec::MlKem512), Some(768));
        assert_eq!(ml_kem_ciphertext_len(KeySpec::MlKem768), Some(1088));
        assert_eq!(ml_kem_ciphertext_len(KeySpec::MlKem1024), Some(1568));
    }

    #[test]
    fn data_key_pairs_and_legacy_spec() {
        assert_eq!(DATA_KEY_PAIR_SPECS.len(), 12);
        for spec in DATA_KEY_PAIR_SPECS {
            let key_spec = data_key_pair_key_spec(*spec);
            assert_eq!(key_spec.as_str(), spec.as_str());
        }
        for spec in KeySpec::VALUES {
            if let Some(cmk) = customer_master_key_spec(*spec) {
                assert_eq!(cmk.as_str(), spec.as_str());
            }
        }
        assert_eq!(customer_master_key_spec(KeySpec::MlDsa44), None);
        assert_eq!(customer_master_key_spec(KeySpec::EccNistEdwards25519), None);
        assert_eq!(
            customer_master_key_spec(KeySpec::Hmac384),
            Some(CustomerMasterKeySpec::Hmac384)
        );
    }
}
