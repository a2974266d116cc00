//! Prepares a data directory for comparing Encrypt on a key rotated 100 times with Encrypt on
//! a key never rotated: it creates both, rotates one 25 times on demand (AWS's limit) and 75
//! times automatically (a manual clock moved 90 days at a time instead of waiting), and
//! prints both key ids. Then serve the directory and drive each key:
//!
//! ```text
//! cargo run --release -p trent-core --example rotated_key -- ./bench-data
//! trent serve --data-dir ./bench-data &
//! trent bench --operation Encrypt --key-id <id>
//! ```

// A tool that cannot do its one job stops with the reason.
#![allow(clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use trent_api::Operation;
use trent_core::{Caller, DEFAULT_PRINCIPAL, Service, ServiceOptions};
use trent_types::{ManualClock, PrincipalArn, Region};

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::main]
async fn main() {
    let data_dir = std::env::args()
        .nth(1)
        .expect("usage: rotated_key <data directory>");
    let clock = ManualClock::starting_now();
    let mut opts = ServiceOptions::new(&data_dir);
    opts.clock = Arc::new(clock.clone());
    // The job ticks once at startup; the rotations below are driven by hand.
    opts.job_interval = Duration::from_secs(3600);
    let (svc, background) = Service::start(opts).await.expect("service starts");
    let identity = svc
        .identities()
        .credential("test")
        .expect("the default identity")
        .principal
        .clone();
    let caller = Caller {
        principal: PrincipalArn::parse(DEFAULT_PRINCIPAL).expect("the default principal"),
        identity,
        access_key_id: "test".into(),
        region: Region::parse("us-east-1").expect("a region"),
        source_ip: std::net::Ipv4Addr::LOCALHOST.into(),
        user_agent: "trent-core/examples/rotated_key".into(),
        secure_transport: false,
        request_id: "rotated-key-example".into(),
    };
    let call = |operation: Operation, body: Value| {
        let svc = svc.clone();
        let caller = caller.clone();
        async move {
            let out = svc
                .call(&caller, operation, body.to_string().as_bytes())
                .await
                .unwrap_or_else(|e| panic!("{}: {}", operation.name(), e.message));
            serde_json::from_slice::<Value>(&out).expect("a JSON response")
        }
    };

    let create = |description: &'static str| {
        let call = &call;
        async move {
            call(Operation::CreateKey, json!({ "Description": description })).await["KeyMetadata"]
                ["KeyId"]
                .as_str()
                .expect("a key id")
                .to_owned()
        }
    };
    let plain = create("never rotated").await;
    let rotated = create("rotated 100 times").await;
    call(
        Operation::EnableKeyRotation,
        json!({ "KeyId": rotated, "RotationPeriodInDays": 90 }),
    )
    .await;
    for _ in 0..25 {
        call(Operation::RotateKeyOnDemand, json!({ "KeyId": rotated })).await;
    }
    for _ in 0..75 {
        clock.advance(90 * DAY);
        let n = svc.rotate_due_keys().await.expect("rotation");
        assert_eq!(n, 1, "one key is due each time");
    }
    let listed = call(
        Operation::ListKeyRotations,
        json!({ "KeyId": rotated, "Limit": 1000 }),
    )
    .await;
    let count = listed["Rotations"].as_array().map_or(0, Vec::len);
    assert_eq!(count, 100, "rotations listed");

    drop(svc);
    background.shutdown().await;
    println!("never rotated:     {plain}");
    println!("rotated 100 times: {rotated}");
}
