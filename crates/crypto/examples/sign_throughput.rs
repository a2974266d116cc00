//! Signatures per second of the crypto crate alone, on every core at once: the figure the
//! server's `trent bench --operation Sign` is compared with.
//!
//! `cargo run --release -p trent-crypto --example sign_throughput -- RSA_2048 10`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use trent_crypto::{KeyMaterial, SigningKey, spec};
use trent_types::{KeySpec, KeyUsage, MessageType};

fn main() {
    let mut args = std::env::args().skip(1);
    let key_spec = args
        .next()
        .and_then(|s| KeySpec::parse(&s))
        .unwrap_or(KeySpec::Rsa2048);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let Some(algorithm) = spec::algorithms(key_spec, KeyUsage::SignVerify).and_then(|a| {
        a.signing.iter().copied().find(|a| {
            a.as_str().contains("256")
                || a.as_str().starts_with("ED25519_SHA")
                || a.as_str().starts_with("ML_DSA")
        })
    }) else {
        eprintln!("{key_spec} does not sign");
        return;
    };
    let Ok(material) = KeyMaterial::generate(key_spec) else {
        eprintln!("key generation failed");
        return;
    };
    let Ok(key) = SigningKey::new(key_spec, &material) else {
        eprintln!("key preparation failed");
        return;
    };
    let key = Arc::new(key);
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let message = vec![0x5a_u8; 1024];
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (key, count, message) = (key.clone(), count.clone(), &message);
            s.spawn(move || {
                while Instant::now() < deadline {
                    if key.sign(algorithm, MessageType::Raw, message).is_ok() {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let n = count.load(Ordering::Relaxed);
    println!(
        "{key_spec} {algorithm} on {threads} threads: {:.0} signatures/s",
        n as f64 / started.elapsed().as_secs_f64()
    );
}
