//! Material wrapped outside Trent (with aws-lc-rs, as a client would) unwraps inside it.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPublicEncryptingKey,
    PublicEncryptingKey,
};
use aws_lc_rs::signature::{self as sig, EcdsaKeyPair};

use super::*;
use crate::sm2::Sm2Public;

fn oaep_wrap(spki: &[u8], alg: &'static OaepAlgorithm, plaintext: &[u8]) -> Vec<u8> {
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(spki).unwrap()).unwrap();
    let mut out = vec![0u8; public.ciphertext_size()];
    public
        .encrypt(alg, plaintext, &mut out, None)
        .unwrap()
        .to_vec()
}

/// RSA_AES_KEY_WRAP as AWS documents it: OAEP of an ephemeral AES-256 key, then KWP.
fn rsa_aes_wrap(spki: &[u8], alg: &'static OaepAlgorithm, plaintext: &[u8]) -> Vec<u8> {
    let aes_key = [0x42u8; 32];
    let mut wrapped = oaep_wrap(spki, alg, &aes_key);
    let kek = AesKek::new(&AES_256, &aes_key).unwrap();
    let mut out = vec![0u8; plaintext.len() + 16];
    wrapped.extend_from_slice(kek.wrap_with_padding(plaintext, &mut out).unwrap());
    wrapped
}

#[test]
fn oaep_wrapped_symmetric_material_unwraps_with_both_hashes() {
    let wrapping = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
    let material = [7u8; 32];
    for (alg, oaep) in [
        (AlgorithmSpec::RsaesOaepSha1, &OAEP_SHA1_MGF1SHA1),
        (AlgorithmSpec::RsaesOaepSha256, &OAEP_SHA256_MGF1SHA256),
    ] {
        let wrapped = oaep_wrap(wrapping.public_key_der(), oaep, &material);
        let out = wrapping.unwrap(alg, &wrapped).unwrap();
        assert_eq!(out.as_bytes(), material);
        // The other hash does not open it.
        let other = if alg == AlgorithmSpec::RsaesOaepSha1 {
            AlgorithmSpec::RsaesOaepSha256
        } else {
            AlgorithmSpec::RsaesOaepSha1
        };
        assert!(wrapping.unwrap(other, &wrapped).is_err());
        let m = imported_material(
            KeySpec::SymmetricDefault,
            KeyUsage::EncryptDecrypt,
            out.as_bytes(),
        )
        .unwrap();
        assert_eq!(m.expose_secret(), material);
    }
}

#[test]
fn rsa_aes_key_wrapped_private_keys_unwrap_and_normalise() {
    let wrapping = WrappingKey::generate(WrappingKeySpec::Rsa3072).unwrap();
    let pair = EcdsaKeyPair::generate(&sig::ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let v1 = pair.to_pkcs8v1().unwrap();
    for (alg, oaep) in [
        (AlgorithmSpec::RsaAesKeyWrapSha1, &OAEP_SHA1_MGF1SHA1),
        (AlgorithmSpec::RsaAesKeyWrapSha256, &OAEP_SHA256_MGF1SHA256),
    ] {
        let wrapped = rsa_aes_wrap(wrapping.public_key_der(), oaep, v1.as_ref());
        let out = wrapping.unwrap(alg, &wrapped).unwrap();
        assert_eq!(out.as_bytes(), v1.as_ref());
        let m =
            imported_material(KeySpec::EccNistP384, KeyUsage::SignVerify, out.as_bytes()).unwrap();
        assert_eq!(m.expose_secret(), v1.as_ref());
        // A changed byte of the wrapped key fails without detail.
        let mut bad = wrapped.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(wrapping.unwrap(alg, &bad).unwrap_err(), CryptoError);
    }
    // An RSA private key of the right size imports; of another size it does not.
    let rsa = KeyMaterial::generate(KeySpec::Rsa2048).unwrap();
    let wrapped = rsa_aes_wrap(
        wrapping.public_key_der(),
        &OAEP_SHA256_MGF1SHA256,
        rsa.expose_secret(),
    );
    let out = wrapping
        .unwrap(AlgorithmSpec::RsaAesKeyWrapSha256, &wrapped)
        .unwrap();
    assert!(imported_material(KeySpec::Rsa2048, KeyUsage::SignVerify, out.as_bytes()).is_ok());
    assert!(imported_material(KeySpec::Rsa2048, KeyUsage::EncryptDecrypt, out.as_bytes()).is_ok());
    assert!(imported_material(KeySpec::Rsa3072, KeyUsage::SignVerify, out.as_bytes()).is_err());
}

#[test]
fn sm2pke_wrapped_material_unwraps() {
    let wrapping = WrappingKey::generate(WrappingKeySpec::Sm2).unwrap();
    let public = Sm2Public::from_spki(wrapping.public_key_der()).unwrap();
    let material = [9u8; 32];
    let wrapped = public.encrypt(&material).unwrap();
    let out = wrapping.unwrap(AlgorithmSpec::Sm2pke, &wrapped).unwrap();
    assert_eq!(out.as_bytes(), material);
    // SM2PKE only with an SM2 wrapping key, and an SM2 key only with SM2PKE.
    assert!(
        wrapping
            .unwrap(AlgorithmSpec::RsaesOaepSha256, &wrapped)
            .is_err()
    );
    assert!(!wrapping_pair_allowed(
        AlgorithmSpec::Sm2pke,
        WrappingKeySpec::Rsa2048
    ));
    assert!(!wrapping_pair_allowed(
        AlgorithmSpec::RsaesPkcs1V15,
        WrappingKeySpec::Rsa4096
    ));
}

#[test]
fn the_wrapping_key_survives_its_pkcs8() {
    for spec in [WrappingKeySpec::Rsa2048, WrappingKeySpec::Sm2] {
        let key = WrappingKey::generate(spec).unwrap();
        let again = WrappingKey::from_pkcs8(spec, Zeroizing::new(key.pkcs8().to_vec())).unwrap();
        assert_eq!(again.public_key_der(), key.public_key_der());
        assert_eq!(
            format!("{key:?}"),
            format!("WrappingKey {{ spec: {spec:?}, .. }}")
        );
    }
    let rsa = WrappingKey::generate(WrappingKeySpec::Rsa2048).unwrap();
    assert!(
        WrappingKey::from_pkcs8(
            WrappingKeySpec::Rsa4096,
            Zeroizing::new(rsa.pkcs8().to_vec())
        )
        .is_err()
    );
}

#[test]
fn material_of_the_wrong_kind_is_refused() {
    let sym = KeySpec::SymmetricDefault;
    let ed = KeyUsage::EncryptDecrypt;
    assert!(imported_material(sym, ed, &[1u8; 31]).is_err());
    assert!(imported_material(sym, ed, &[1u8; 33]).is_err());
    let mac = KeyUsage::GenerateVerifyMac;
    assert!(imported_material(KeySpec::Hmac256, mac, &[1u8; 31]).is_err());
    assert!(imported_material(KeySpec::Hmac256, mac, &[1u8; 64]).is_ok());
    assert!(imported_material(KeySpec::Hmac256, mac, &[1u8; 65]).is_err());
    assert!(imported_material(KeySpec::Hmac512, mac, &[1u8; 128]).is_ok());
    // A P-256 key is no P-384 key, and garbage is no key.
    let p256 = KeyMaterial::generate(KeySpec::EccNistP256).unwrap();
    let sv = KeyUsage::SignVerify;
    assert!(imported_material(KeySpec::EccNistP384, sv, p256.expose_secret()).is_err());
    assert!(imported_material(KeySpec::EccNistP256, sv, p256.expose_secret()).is_ok());
    assert!(imported_material(KeySpec::EccNistP256, sv, b"not a key").is_err());
    let sm2 = KeyMaterial::generate(KeySpec::Sm2).unwrap();
    let m = imported_material(KeySpec::Sm2, sv, sm2.expose_secret()).unwrap();
    assert_eq!(m.expose_secret(), sm2.expose_secret());
    assert!(imported_material(KeySpec::MlDsa44, sv, &[0u8; 32]).is_err());
}

#[test]
fn material_ids_depend_on_material_and_key() {
    let a = KeyMaterial::from_unsealed(Zeroizing::new(vec![1u8; 32]));
    let b = KeyMaterial::from_unsealed(Zeroizing::new(vec![2u8; 32]));
    assert_eq!(
        imported_material_id("k1", &a),
        imported_material_id("k1", &a)
    );
    assert_ne!(
        imported_material_id("k1", &a),
        imported_material_id("k1", &b)
    );
    assert_ne!(
        imported_material_id("k1", &a),
        imported_material_id("k2", &a)
    );
}

#[test]
fn which_algorithms_carry_which_material() {
    use AlgorithmSpec as A;
    assert!(wraps_material_of(
        A::RsaesOaepSha256,
        KeySpec::SymmetricDefault
    ));
    assert!(!wraps_material_of(
        A::RsaAesKeyWrapSha256,
        KeySpec::SymmetricDefault
    ));
    assert!(!wraps_material_of(A::RsaesOaepSha1, KeySpec::Rsa2048));
    assert!(wraps_material_of(A::RsaAesKeyWrapSha1, KeySpec::Rsa4096));
    assert!(wraps_material_of(
        A::RsaAesKeyWrapSha1,
        KeySpec::EccNistP521
    ));
    assert!(wraps_material_of(A::RsaesOaepSha1, KeySpec::EccNistP256));
    assert!(!importable(KeySpec::MlKem768));
    assert!(importable(KeySpec::Sm2));
    // RSA-2048 cannot be a wrapping key for the RSA key spec check above to be exercised.
    let der = KeyMaterial::generate(KeySpec::Rsa2048).unwrap();
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(der.expose_secret()).unwrap();
    assert_eq!(pair.as_der().unwrap().as_ref(), der.expose_secret());
}
