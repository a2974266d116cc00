//! Published test vectors through Trent's own signing and verifying keys: RFC 8032 (Ed25519
//! and Ed25519ph) and RFC 6979 (ECDSA P-256 signatures, verified).

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{hex, material_from};
use trent_crypto::{SigningKey, VerifyingKey};
use trent_types::{KeySpec, MessageType, SigningAlgorithm};

/// PKCS#8 v1 of an Ed25519 seed (RFC 8410 §7).
fn ed25519_pkcs8(seed: &[u8]) -> Vec<u8> {
    [&hex("302e020100300506032b657004220420")[..], seed].concat()
}

fn ed25519_spki(public: &[u8]) -> Vec<u8> {
    [&hex("302a300506032b6570032100")[..], public].concat()
}

struct Rfc8032 {
    secret: &'static str,
    public: &'static str,
    message: &'static str,
    signature: &'static str,
}

/// RFC 8032 §7.1, tests 1–3.
const ED25519: &[Rfc8032] = &[
    Rfc8032 {
        secret: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        public: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        message: "",
        signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                    5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    },
    Rfc8032 {
        secret: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        public: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        message: "72",
        signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da\
                    085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    },
    Rfc8032 {
        secret: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        public: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        message: "af82",
        signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac\
                    18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    },
];

#[test]
fn rfc8032_ed25519() {
    for v in ED25519 {
        let key = SigningKey::new(
            KeySpec::EccNistEdwards25519,
            &material_from(&ed25519_pkcs8(&hex(v.secret))),
        )
        .unwrap();
        assert_eq!(key.public_key_der(), ed25519_spki(&hex(v.public)));
        let message = hex(v.message);
        let alg = SigningAlgorithm::Ed25519Sha512;
        // Ed25519 is deterministic: the signature is the published one.
        assert_eq!(
            key.sign(alg, MessageType::Raw, &message).unwrap(),
            hex(v.signature)
        );
        let public =
            VerifyingKey::from_spki(KeySpec::EccNistEdwards25519, &ed25519_spki(&hex(v.public)))
                .unwrap();
        assert_eq!(
            public.verify(alg, MessageType::Raw, &message, &hex(v.signature)),
            Ok(true)
        );
        let mut bad = hex(v.signature);
        bad[63] ^= 0x01;
        assert_eq!(
            public.verify(alg, MessageType::Raw, &message, &bad),
            Ok(false)
        );
    }
}

/// RFC 8032 §7.3, "TEST abc": Ed25519ph of "abc", through ED25519_PH_SHA_512 with the
/// SHA-512 of the message as a DIGEST.
#[test]
fn rfc8032_ed25519ph() {
    let secret = hex("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42");
    let public = hex("ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf");
    let signature = hex(
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
         31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    );
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, b"abc");
    let alg = SigningAlgorithm::Ed25519PhSha512;
    let key = SigningKey::new(
        KeySpec::EccNistEdwards25519,
        &material_from(&ed25519_pkcs8(&secret)),
    )
    .unwrap();
    assert_eq!(key.public_key_der(), ed25519_spki(&public));
    assert_eq!(
        key.sign(alg, MessageType::Digest, digest.as_ref()).unwrap(),
        signature
    );
    let verifying =
        VerifyingKey::from_spki(KeySpec::EccNistEdwards25519, &ed25519_spki(&public)).unwrap();
    assert_eq!(
        verifying.verify(alg, MessageType::Digest, digest.as_ref(), &signature),
        Ok(true)
    );
    // Not a plain Ed25519 signature of the message or of the digest.
    assert_eq!(
        verifying.verify(
            SigningAlgorithm::Ed25519Sha512,
            MessageType::Raw,
            b"abc",
            &signature
        ),
        Ok(false)
    );
    let other = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, b"abd");
    assert_eq!(
        verifying.verify(alg, MessageType::Digest, other.as_ref(), &signature),
        Ok(false)
    );
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` of two unsigned big-endian integers.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn integer(v: &[u8]) -> Vec<u8> {
        let mut v = v.to_vec();
        while v.len() > 1 && v[0] == 0 && v[1] < 0x80 {
            v.remove(0);
        }
        if v[0] >= 0x80 {
            v.insert(0, 0);
        }
        [&[0x02, v.len() as u8][..], &v].concat()
    }
    let body = [integer(r), integer(s)].concat();
    [&[0x30, body.len() as u8][..], &body].concat()
}

/// RFC 6979 §A.2.5: P-256 with SHA-256, messages "sample" and "test". The signatures are
/// deterministic there and random in Trent, so they are verified, not reproduced.
#[test]
fn rfc6979_p256_signatures_verify() {
    let spki = hex("3059301306072a8648ce3d020106082a8648ce3d030107034200\
         04 60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6\
         7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    let key = VerifyingKey::from_spki(KeySpec::EccNistP256, &spki).unwrap();
    let alg = SigningAlgorithm::EcdsaSha256;
    let cases: &[(&[u8], &str, &str)] = &[
        (
            b"sample",
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            b"test",
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ];
    for (message, r, s) in cases {
        let signature = der_signature(&hex(r), &hex(s));
        assert_eq!(
            key.verify(alg, MessageType::Raw, message, &signature),
            Ok(true)
        );
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
        assert_eq!(
            key.verify(alg, MessageType::Digest, digest.as_ref(), &signature),
            Ok(true)
        );
        // (r, s) swapped, or s with its last bit flipped: both invalid.
        let swapped = der_signature(&hex(s), &hex(r));
        assert_eq!(
            key.verify(alg, MessageType::Raw, message, &swapped),
            Ok(false)
        );
        let mut s_plus_one = hex(s);
        *s_plus_one.last_mut().unwrap() ^= 1;
        let tweaked = der_signature(&hex(r), &s_plus_one);
        assert_eq!(
            key.verify(alg, MessageType::Raw, message, &tweaked),
            Ok(false)
        );
    }
}
