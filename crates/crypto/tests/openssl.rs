//! Interoperability with an independent implementation, the OpenSSL command line, using only
//! what a client of Trent gets: public keys (SubjectPublicKeyInfo DER), signatures,
//! ciphertexts, shared secrets, and data key pair private keys (PKCS#8 DER).
//!
//! Skipped, with a notice, when `openssl` is not installed. ML-DSA and ML-KEM need OpenSSL
//! 3.5 or later; with an older one their SubjectPublicKeyInfo is only parsed as ASN.1 and
//! their signatures are covered by the Wycheproof and known-answer tests instead.

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{digest_of, material};
use trent_crypto::spec;
use trent_crypto::{
    AgreementKey, DecryptionKey, EncryptionKey, KeyMaterial, SigningKey, generate_data_key_pair,
};
use trent_types::{
    DataKeyPairSpec, EncryptionAlgorithm, KeyAgreementAlgorithm, KeySpec, KeyUsage, MessageType,
    SigningAlgorithm,
};

/// The installed OpenSSL's version as (major, minor), or `None` (with a notice) if absent.
fn openssl_version() -> Option<(u32, u32)> {
    let out = Command::new("openssl").arg("version").output().ok();
    let Some(out) = out.filter(|o| o.status.success()) else {
        eprintln!("NOTICE: openssl not found; skipping the OpenSSL interoperability test");
        return None;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    Some((parts.next()?, parts.next()?))
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

/// Runs `openssl args...`; returns stdout, panicking with stderr on failure.
fn openssl(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {:?} failed: {}",
        args.iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl_ok(args: &[&dyn AsRef<std::ffi::OsStr>]) -> bool {
    Command::new("openssl")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The OpenSSL digest name and padding options of a signing algorithm.
fn openssl_options(alg: SigningAlgorithm) -> (Option<&'static str>, &'static [&'static str]) {
    use SigningAlgorithm as A;
    const PSS: &[&str] = &[
        "-pkeyopt",
        "rsa_padding_mode:pss",
        "-pkeyopt",
        "rsa_pss_saltlen:digest",
    ];
    const SM2: &[&str] = &["-pkeyopt", "distid:1234567812345678"];
    match alg {
        A::RsassaPssSha256 => (Some("sha256"), PSS),
        A::RsassaPssSha384 => (Some("sha384"), PSS),
        A::RsassaPssSha512 => (Some("sha512"), PSS),
        A::RsassaPkcs1V15Sha256 | A::EcdsaSha256 => (Some("sha256"), &[]),
        A::RsassaPkcs1V15Sha384 | A::EcdsaSha384 => (Some("sha384"), &[]),
        A::RsassaPkcs1V15Sha512 | A::EcdsaSha512 => (Some("sha512"), &[]),
        A::Sm2dsa => (Some("sm3"), SM2),
        A::Ed25519Sha512 | A::Ed25519PhSha512 | A::MlDsaShake256 => (None, &[]),
    }
}

/// `openssl pkeyutl -verify` of `signature` over `input` (the message with `-rawin`, or the
/// digest without it).
fn openssl_verifies(
    dir: &Dir,
    public: &Path,
    alg: SigningAlgorithm,
    raw: bool,
    input: &[u8],
    signature: &[u8],
) -> bool {
    let input = dir.write("input", input);
    let sig = dir.write("sig", signature);
    let (digest, options) = openssl_options(alg);
    let mut args: Vec<String> = ["pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(public.display().to_string());
    if raw {
        args.push("-rawin".into());
        if let Some(d) = digest {
            args.extend(["-digest".into(), d.into()]);
        }
    } else if let Some(d) = digest {
        args.extend(["-pkeyopt".into(), format!("digest:{d}")]);
    }
    args.extend(options.iter().map(|s| s.to_string()));
    args.extend(["-in".into(), input.display().to_string()]);
    args.extend(["-sigfile".into(), sig.display().to_string()]);
    let refs: Vec<&dyn AsRef<std::ffi::OsStr>> = args
        .iter()
        .map(|a| a as &dyn AsRef<std::ffi::OsStr>)
        .collect();
    openssl_ok(&refs)
}

#[test]
fn openssl_verifies_trents_signatures() {
    let Some(version) = openssl_version() else {
        return;
    };
    let dir = Dir::new();
    let mut specs = vec![
        KeySpec::Rsa2048,
        KeySpec::Rsa3072,
        KeySpec::Rsa4096,
        KeySpec::EccNistP256,
        KeySpec::EccNistP384,
        KeySpec::EccNistP521,
        KeySpec::EccSecgP256k1,
        KeySpec::EccNistEdwards25519,
        KeySpec::Sm2,
    ];
    if version >= (3, 5) {
        specs.extend([KeySpec::MlDsa44, KeySpec::MlDsa65, KeySpec::MlDsa87]);
    } else {
        eprintln!("NOTICE: OpenSSL {version:?} has no ML-DSA; ML-DSA interop not run");
    }
    let text = b"Trent signs, OpenSSL verifies";
    for spec in specs {
        let key = SigningKey::new(spec, &material(spec)).unwrap();
        let public = dir.write("public.der", key.public_key_der());
        for alg in spec::algorithms(spec, KeyUsage::SignVerify)
            .unwrap()
            .signing
        {
            if *alg == SigningAlgorithm::Ed25519PhSha512 {
                continue; // OpenSSL 3.0's pkeyutl cannot select Ed25519ph; see the RFC 8032 test
            }
            let types = spec::message_types(*alg);
            if types.contains(&MessageType::Raw) {
                let sig = key.sign(*alg, MessageType::Raw, text).unwrap();
                assert!(
                    openssl_verifies(&dir, &public, *alg, true, text, &sig),
                    "{spec} {alg} RAW"
                );
                let mut bad = sig.clone();
                let last = bad.len() - 1;
                bad[last] ^= 1;
                assert!(
                    !openssl_verifies(&dir, &public, *alg, true, text, &bad),
                    "{spec} {alg}"
                );
            }
            if let (true, Some(digest)) =
                (types.contains(&MessageType::Digest), digest_of(*alg, text))
            {
                let sig = key.sign(*alg, MessageType::Digest, &digest).unwrap();
                assert!(
                    openssl_verifies(&dir, &public, *alg, true, text, &sig),
                    "{spec} {alg} DIGEST"
                );
                assert!(
                    openssl_verifies(&dir, &public, *alg, false, &digest, &sig),
                    "{spec} {alg} DIGEST over the digest"
                );
            }
        }
    }
}

#[test]
fn trent_decrypts_what_openssl_encrypts() {
    if openssl_version().is_none() {
        return;
    }
    let dir = Dir::new();
    let plaintext = b"OpenSSL encrypts, Trent decrypts";
    let input = dir.write("plaintext", plaintext);
    for spec in [KeySpec::Rsa2048, KeySpec::Rsa3072, KeySpec::Rsa4096] {
        let key = DecryptionKey::new(spec, &material(spec)).unwrap();
        let public = dir.write("public.der", key.public_key_der());
        for (alg, md) in [
            (EncryptionAlgorithm::RsaesOaepSha1, "sha1"),
            (EncryptionAlgorithm::RsaesOaepSha256, "sha256"),
        ] {
            let out = dir.path("ciphertext");
            openssl(&[
                &"pkeyutl",
                &"-encrypt",
                &"-pubin",
                &"-keyform",
                &"DER",
                &"-inkey",
                &public,
                &"-pkeyopt",
                &"rsa_padding_mode:oaep",
                &"-pkeyopt",
                &format!("rsa_oaep_md:{md}"),
                &"-pkeyopt",
                &format!("rsa_mgf1_md:{md}"),
                &"-in",
                &input,
                &"-out",
                &out,
            ]);
            let ciphertext = std::fs::read(&out).unwrap();
            assert_eq!(
                key.decrypt(alg, &ciphertext).unwrap().as_bytes(),
                plaintext,
                "{spec} {alg}"
            );
        }
    }
    // SM2PKE both ways: OpenSSL's ASN.1 C1C3C2 ciphertexts are Trent's.
    let sm2 = DecryptionKey::new(KeySpec::Sm2, &material(KeySpec::Sm2)).unwrap();
    let public = dir.write("sm2-public.der", sm2.public_key_der());
    let out = dir.path("sm2-ciphertext");
    openssl(&[
        &"pkeyutl",
        &"-encrypt",
        &"-pubin",
        &"-keyform",
        &"DER",
        &"-inkey",
        &public,
        &"-in",
        &input,
        &"-out",
        &out,
    ]);
    let ciphertext = std::fs::read(&out).unwrap();
    assert_eq!(
        sm2.decrypt(EncryptionAlgorithm::Sm2pke, &ciphertext)
            .unwrap()
            .as_bytes(),
        plaintext
    );
    let private = dir.write("sm2-private.der", material(KeySpec::Sm2).expose_secret());
    let encrypted = EncryptionKey::from_spki(KeySpec::Sm2, sm2.public_key_der())
        .unwrap()
        .encrypt(EncryptionAlgorithm::Sm2pke, plaintext)
        .unwrap();
    let ct = dir.write("trent-ciphertext", &encrypted);
    let decrypted = openssl(&[
        &"pkeyutl",
        &"-decrypt",
        &"-keyform",
        &"DER",
        &"-inkey",
        &private,
        &"-in",
        &ct,
    ]);
    assert_eq!(decrypted, plaintext);
}

#[test]
fn ecdh_matches_openssl_derive() {
    if openssl_version().is_none() {
        return;
    }
    let dir = Dir::new();
    for (spec, curve) in [
        (KeySpec::EccNistP256, "P-256"),
        (KeySpec::EccNistP384, "P-384"),
        (KeySpec::EccNistP521, "P-521"),
    ] {
        // (OpenSSL cannot derive with SM2 keys; SM2 ECDH is covered by the agreement tests.)
        // The peer's key pair is OpenSSL's own.
        let peer_private = dir.path("peer.der");
        openssl(&[
            &"genpkey",
            &"-algorithm",
            &"EC",
            &"-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            &"-outform",
            &"DER",
            &"-out",
            &peer_private,
        ]);
        let peer_public = openssl(&[
            &"pkey",
            &"-inform",
            &"DER",
            &"-in",
            &peer_private,
            &"-pubout",
            &"-outform",
            &"DER",
        ]);
        let key = AgreementKey::new(spec, &material(spec)).unwrap();
        let trent_public = dir.write("trent.der", key.public_key_der());
        let expected = openssl(&[
            &"pkeyutl",
            &"-derive",
            &"-keyform",
            &"DER",
            &"-inkey",
            &peer_private,
            &"-peerform",
            &"DER",
            &"-peerkey",
            &trent_public,
        ]);
        let secret = key
            .derive_shared_secret(KeyAgreementAlgorithm::Ecdh, &peer_public)
            .unwrap();
        assert_eq!(secret.as_bytes(), &expected[..], "{spec}");
    }
}

#[test]
fn openssl_loads_data_key_pairs_and_agrees_on_their_public_keys() {
    let Some(version) = openssl_version() else {
        return;
    };
    let dir = Dir::new();
    for spec in DataKeyPairSpec::VALUES {
        let ml_kem = matches!(
            spec,
            DataKeyPairSpec::MlKem512 | DataKeyPairSpec::MlKem768 | DataKeyPairSpec::MlKem1024
        );
        if matches!(spec, DataKeyPairSpec::Rsa3072 | DataKeyPairSpec::Rsa4096)
            || (ml_kem && version < (3, 5))
        {
            continue;
        }
        let pair = generate_data_key_pair(*spec).unwrap();
        let private = dir.write("private.der", pair.private_key.as_bytes());
        let public = openssl(&[
            &"pkey",
            &"-inform",
            &"DER",
            &"-in",
            &private,
            &"-pubout",
            &"-outform",
            &"DER",
        ]);
        assert_eq!(public, pair.public_key, "{spec}");
    }
}

#[test]
fn post_quantum_public_keys_are_well_formed_asn1() {
    if openssl_version().is_none() {
        return;
    }
    let dir = Dir::new();
    for (spec, oid, name) in [
        (KeySpec::MlDsa44, "2.16.840.1.101.3.4.3.17", "ML-DSA-44"),
        (KeySpec::MlDsa65, "2.16.840.1.101.3.4.3.18", "ML-DSA-65"),
        (KeySpec::MlDsa87, "2.16.840.1.101.3.4.3.19", "ML-DSA-87"),
        (KeySpec::MlKem512, "2.16.840.1.101.3.4.4.1", "ML-KEM-512"),
        (KeySpec::MlKem768, "2.16.840.1.101.3.4.4.2", "ML-KEM-768"),
        (KeySpec::MlKem1024, "2.16.840.1.101.3.4.4.3", "ML-KEM-1024"),
    ] {
        let der =
            trent_crypto::public_key_der(spec, &KeyMaterial::generate(spec).unwrap()).unwrap();
        let path = dir.write("spki.der", &der);
        let parsed =
            String::from_utf8(openssl(&[&"asn1parse", &"-inform", &"DER", &"-in", &path])).unwrap();
        // OpenSSL 3.5+ names these OIDs; older versions print them as numbers.
        assert!(
            parsed.contains(oid) || parsed.contains(name),
            "{spec}: {parsed}"
        );
        assert!(parsed.contains("BIT STRING"), "{spec}: {parsed}");
    }
}
