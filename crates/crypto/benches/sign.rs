//! The cost of one `Sign` in the crypto layer alone, for every key spec and signing algorithm
//! (a RAW 256-byte message: hashing is part of the cost), and of one symmetric `Encrypt` of
//! 1 KiB. These are the ceilings the whole server is measured against.
//!
//! `cargo bench -p trent-crypto --bench sign`; add a filter such as `RSA_2048` to run a few.

// Bench setup: a key that fails to generate or sign should stop the bench loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use trent_crypto::{KeyMaterial, SigningKey, SymmetricKey, spec};
use trent_types::{EncryptionContext, KeySpec, KeyUsage, MaterialId, MessageType};

fn signing(c: &mut Criterion) {
    let message = [0x42u8; 256];
    let mut group = c.benchmark_group("sign");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for key_spec in KeySpec::VALUES {
        let Some(algorithms) = spec::algorithms(*key_spec, KeyUsage::SignVerify) else {
            continue;
        };
        let material = KeyMaterial::generate(*key_spec).expect("generate");
        let key = SigningKey::new(*key_spec, &material).expect("prepare");
        for alg in algorithms.signing {
            let (message_type, input): (MessageType, Vec<u8>) =
                if spec::message_types(*alg).contains(&MessageType::Raw) {
                    (MessageType::Raw, message.to_vec())
                } else {
                    // ED25519_PH_SHA_512 signs a SHA-512 digest only.
                    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, &message);
                    (MessageType::Digest, digest.as_ref().to_vec())
                };
            key.sign(*alg, message_type, &input).expect("sign");
            group.bench_function(format!("{key_spec}/{alg}"), |b| {
                b.iter(|| key.sign(*alg, message_type, black_box(&input)))
            });
        }
    }
    group.finish();
}

fn symmetric(c: &mut Criterion) {
    let material = KeyMaterial::generate(KeySpec::SymmetricDefault).expect("generate");
    let key = SymmetricKey::new(MaterialId([7; 32]), &material).expect("prepare");
    let context = EncryptionContext::from_pairs([("purpose".to_string(), "bench".to_string())])
        .expect("context");
    let plaintext = [0x17u8; 1024];
    let key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut group = c.benchmark_group("symmetric");
    group.throughput(Throughput::Bytes(plaintext.len() as u64));
    group.bench_function("encrypt 1 KiB", |b| {
        b.iter(|| key.encrypt(key_id, &context, black_box(&plaintext)))
    });
    group.finish();
}

criterion_group!(benches, signing, symmetric);
criterion_main!(benches);
