//! Helpers shared by the integration tests: hex, hashes, SHAKE256 for ML-DSA's μ, and keys
//! generated once per test binary (RSA-4096 generation is slow).
// Not every test binary uses every helper; helpers unwrap as tests do.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use aws_lc_rs::digest;
use trent_crypto::KeyMaterial;
use trent_types::{KeySpec, SigningAlgorithm};
use zeroize::Zeroizing;

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Material generated once per spec and test binary, shared between tests.
pub fn material(spec: KeySpec) -> Arc<KeyMaterial> {
    static CACHE: OnceLock<Mutex<HashMap<KeySpec, Arc<KeyMaterial>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(m) = cache.lock().unwrap().get(&spec) {
        return Arc::clone(m);
    }
    let m = Arc::new(KeyMaterial::generate(spec).unwrap());
    cache.lock().unwrap().entry(spec).or_insert(m).clone()
}

pub fn material_from(bytes: &[u8]) -> KeyMaterial {
    KeyMaterial::from_unsealed(Zeroizing::new(bytes.to_vec()))
}

/// The hash a DIGEST message of `alg` is made with (`None` for SM2DSA, whose digest needs Z_A,
/// and for the algorithms that take no DIGEST).
pub fn digest_of(alg: SigningAlgorithm, message: &[u8]) -> Option<Vec<u8>> {
    use SigningAlgorithm as A;
    let hash = match alg {
        A::RsassaPssSha256 | A::RsassaPkcs1V15Sha256 | A::EcdsaSha256 => &digest::SHA256,
        A::RsassaPssSha384 | A::RsassaPkcs1V15Sha384 | A::EcdsaSha384 => &digest::SHA384,
        A::RsassaPssSha512 | A::RsassaPkcs1V15Sha512 | A::EcdsaSha512 | A::Ed25519PhSha512 => {
            &digest::SHA512
        }
        A::Sm2dsa | A::MlDsaShake256 | A::Ed25519Sha512 => return None,
    };
    Some(digest::digest(hash, message).as_ref().to_vec())
}

/// SHAKE256 (FIPS 202), written out so the tests can compute ML-DSA's μ independently of the
/// code under test.
pub fn shake256(input: &[u8], out_len: usize) -> Vec<u8> {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let mut padded = input.to_vec();
    padded.push(0x1f);
    while !padded.len().is_multiple_of(RATE) {
        padded.push(0);
    }
    *padded.last_mut().unwrap() |= 0x80;
    for block in padded.chunks(RATE) {
        for (i, lane) in block.chunks(8).enumerate() {
            state[i] ^= u64::from_le_bytes(lane.try_into().unwrap());
        }
        keccak_f(&mut state);
    }
    let mut out = Vec::with_capacity(out_len);
    loop {
        for lane in &state[..RATE / 8] {
            out.extend_from_slice(&lane.to_le_bytes());
        }
        if out.len() >= out_len {
            out.truncate(out_len);
            return out;
        }
        keccak_f(&mut state);
    }
}

fn keccak_f(a: &mut [u64; 25]) {
    const RC: [u64; 24] = [
        0x0000000000000001,
        0x0000000000008082,
        0x800000000000808a,
        0x8000000080008000,
        0x000000000000808b,
        0x0000000080000001,
        0x8000000080008081,
        0x8000000000008009,
        0x000000000000008a,
        0x0000000000000088,
        0x0000000080008009,
        0x000000008000000a,
        0x000000008000808b,
        0x800000000000008b,
        0x8000000000008089,
        0x8000000000008003,
        0x8000000000008002,
        0x8000000000000080,
        0x000000000000800a,
        0x800000008000000a,
        0x8000000080008081,
        0x8000000000008080,
        0x0000000080000001,
        0x8000000080008008,
    ];
    const ROTC: [u32; 24] = [
        1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
    ];
    const PILN: [usize; 24] = [
        10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
    ];
    for rc in RC {
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        let mut t = a[1];
        for i in 0..24 {
            let j = PILN[i];
            let next = a[j];
            a[j] = t.rotate_left(ROTC[i]);
            t = next;
        }
        for y in 0..5 {
            let row = [
                a[5 * y],
                a[5 * y + 1],
                a[5 * y + 2],
                a[5 * y + 3],
                a[5 * y + 4],
            ];
            for x in 0..5 {
                a[5 * y + x] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        a[0] ^= rc;
    }
}

/// ML-DSA's μ for pure signing with an empty context (FIPS 204, Algorithm 7 line 6):
/// `SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64)`.
pub fn ml_dsa_mu(raw_public_key: &[u8], message: &[u8]) -> Vec<u8> {
    let tr = shake256(raw_public_key, 64);
    let mut input = tr;
    input.extend_from_slice(&[0, 0]);
    input.extend_from_slice(message);
    shake256(&input, 64)
}

/// The BIT STRING contents of a SubjectPublicKeyInfo (the raw public key), found by walking
/// the two outer SEQUENCEs.
pub fn spki_key_bits(spki: &[u8]) -> Vec<u8> {
    fn tlv(input: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = input[0];
        let (len, header) = if input[1] < 0x80 {
            (input[1] as usize, 2)
        } else {
            let n = (input[1] & 0x7f) as usize;
            let len = input[2..2 + n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, 2 + n)
        };
        (tag, &input[header..header + len], &input[header + len..])
    }
    let (_, body, _) = tlv(spki);
    let (_, _algorithm, rest) = tlv(body);
    let (tag, bits, _) = tlv(rest);
    assert_eq!(tag, 0x03);
    bits[1..].to_vec()
}

#[test]
fn shake256_known_answers() {
    // FIPS 202 examples: SHAKE256("") and SHAKE256("abc"), first 32 bytes.
    assert_eq!(
        shake256(b"", 32),
        hex("46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f")
    );
    assert_eq!(
        shake256(b"abc", 32),
        hex("483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739")
    );
    // A message longer than one block.
    assert_eq!(shake256(&[0xa3; 200], 300).len(), 300);
}
