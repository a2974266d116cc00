//! Multi-Region keys end to end through `aws-sdk-kms`, with clients in two regions of one
//! server: creating a primary, replicating it, DescribeKey on both sides, ciphertexts,
//! signatures and MACs made in one region and checked in the other, independent policies and
//! tags, and every refusal of ReplicateKey and CreateKey.

// Test code: a failed unwrap is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    KeySpec, KeyState, KeyUsageType, MacAlgorithmSpec, MessageType, MultiRegionKeyType,
    SigningAlgorithmSpec,
};
use common::*;
use trent_core::{ADMINISTRATOR_ACCESS, Identities, Principal};
use trent_testkit::TestServer;
use trent_types::PrincipalArn;

const WEST: &str = "eu-west-1";
const SOUTH: &str = "ap-south-1";

fn arn_in(region: &str, key_id: &str) -> String {
    format!("arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}")
}

/// Creates a multi-Region primary key of `spec` and `usage` in `kms`'s region.
async fn create_primary(kms: &Client, spec: KeySpec, usage: KeyUsageType) -> String {
    kms.create_key()
        .multi_region(true)
        .key_spec(spec)
        .key_usage(usage)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id
}

/// A server and clients of it in us-east-1 and eu-west-1.
async fn two_regions() -> (TestServer, Client, Client) {
    let server = TestServer::start().await;
    let east = server.client();
    let west = server.client_with("test", "test", WEST);
    (server, east, west)
}

async fn symmetric_primary(kms: &Client) -> String {
    create_primary(kms, KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt).await
}

async fn replicate(kms: &Client, key: &str, region: &str) {
    kms.replicate_key()
        .key_id(key)
        .replica_region(region)
        .send()
        .await
        .unwrap();
}

/// The MultiRegionConfiguration DescribeKey reports: type, primary ARN, replica ARNs.
async fn roles(kms: &Client, key: &str) -> (MultiRegionKeyType, String, Vec<String>) {
    let meta = describe(kms, key).await;
    let config = meta.multi_region_configuration.unwrap();
    let primary = config.primary_key.unwrap();
    let replicas = config.replica_keys.unwrap_or_default();
    for r in replicas.iter().chain(std::iter::once(&primary)) {
        let region = r.region.as_deref().unwrap();
        assert!(
            r.arn
                .as_deref()
                .unwrap()
                .starts_with(&format!("arn:aws:kms:{region}:"))
        );
    }
    (
        config.multi_region_key_type.unwrap(),
        primary.arn.unwrap(),
        replicas.into_iter().map(|r| r.arn.unwrap()).collect(),
    )
}

#[tokio::test]
async fn a_primary_and_its_replica_describe_each_other() {
    let (_server, east, west) = two_regions().await;

    let created = east
        .create_key()
        .multi_region(true)
        .description("primary")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let id = created.key_id.clone();
    assert!(id.starts_with("mrk-") && id.len() == 36, "{id}");
    assert_eq!(created.multi_region(), Some(true));
    let config = created.multi_region_configuration().unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Primary)
    );
    assert_eq!(
        config.primary_key().unwrap().arn(),
        Some(key_arn(&id).as_str())
    );
    assert_eq!(config.primary_key().unwrap().region(), Some(REGION));
    assert!(config.replica_keys().is_empty());

    let out = east
        .replicate_key()
        .key_id(&id)
        .replica_region(WEST)
        .description("replica")
        .tags(tag("copy", "west"))
        .send()
        .await
        .unwrap();
    let meta = out.replica_key_metadata().unwrap();
    assert_eq!(meta.key_id(), id);
    assert_eq!(meta.arn(), Some(arn_in(WEST, &id).as_str()));
    assert_eq!(meta.description(), Some("replica"));
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert_eq!(meta.multi_region(), Some(true));
    assert_eq!(meta.key_spec(), created.key_spec());
    assert_eq!(
        meta.current_key_material_id(),
        created.current_key_material_id()
    );
    let config = meta.multi_region_configuration().unwrap();
    assert_eq!(
        config.multi_region_key_type(),
        Some(&MultiRegionKeyType::Replica)
    );
    assert_eq!(
        config.primary_key().unwrap().arn(),
        Some(key_arn(&id).as_str())
    );
    assert_eq!(config.replica_keys()[0].region(), Some(WEST));
    // The default key policy, and the tags given.
    let policy = out.replica_policy().unwrap();
    assert!(
        policy.contains("arn:aws:iam::111122223333:root"),
        "{policy}"
    );
    assert_eq!(out.replica_tags()[0].tag_key(), "copy");

    let (kind, primary, replicas) = roles(&east, &id).await;
    assert_eq!(kind, MultiRegionKeyType::Primary);
    assert_eq!(primary, key_arn(&id));
    assert_eq!(replicas, vec![arn_in(WEST, &id)]);
    let (kind, primary, replicas) = roles(&west, &id).await;
    assert_eq!(kind, MultiRegionKeyType::Replica);
    assert_eq!(primary, key_arn(&id));
    assert_eq!(replicas, vec![arn_in(WEST, &id)]);
    assert_eq!(describe(&east, &id).await.description(), Some("primary"));

    // A second replica is listed on every related key.
    replicate(&east, &id, SOUTH).await;
    let (_, _, replicas) = roles(&west, &id).await;
    assert_eq!(replicas, vec![arn_in(SOUTH, &id), arn_in(WEST, &id)]);

    // Each related key lives in its region: listed there, its own tags and policy.
    let west_keys = all_keys(&west, 100).await;
    assert_eq!(west_keys, vec![id.clone()]);
    assert!(tags_of(&east, &id).await.is_empty());
    assert_eq!(
        tags_of(&west, &id).await,
        vec![("copy".into(), "west".into())]
    );
    let narrow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Sid":"west only"}]}"#;
    west.put_key_policy()
        .key_id(&id)
        .policy(narrow)
        .send()
        .await
        .unwrap();
    let policy_of = |kms: Client| {
        let id = id.clone();
        async move {
            kms.get_key_policy()
                .key_id(id)
                .send()
                .await
                .unwrap()
                .policy
                .unwrap()
        }
    };
    assert_eq!(policy_of(west.clone()).await, narrow);
    assert_ne!(policy_of(east.clone()).await, narrow);
    // A single-Region key says so, with no configuration.
    let single = create_key(&east).await;
    assert_eq!(single.multi_region(), Some(false));
    assert!(single.multi_region_configuration().is_none());
}

#[tokio::test]
async fn ciphertexts_decrypt_in_either_region() {
    let (server, east, west) = two_regions().await;
    let id = symmetric_primary(&east).await;
    let before = encrypt(&east, &id, b"made before the replica", &[("at", "east")]).await;
    replicate(&east, &id, WEST).await;

    assert_eq!(
        decrypt(&west, &before, &[("at", "east")]).await,
        b"made before the replica"
    );
    let from_west = encrypt(&west, &id, b"made in the west", &[]).await;
    assert_eq!(decrypt(&east, &from_west, &[]).await, b"made in the west");
    // Naming the key in the other region works as well; a wrong context still fails.
    let out = west
        .decrypt()
        .key_id(arn_in(WEST, &id))
        .ciphertext_blob(Blob::new(before.clone()))
        .encryption_context("at", "east")
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_id(), Some(arn_in(WEST, &id).as_str()));
    let e = fail(
        west.decrypt()
            .ciphertext_blob(Blob::new(before))
            .encryption_context("at", "west")
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    // A region with no related key cannot decrypt it.
    let south = server.client_with("test", "test", SOUTH);
    let e = fail(
        south
            .decrypt()
            .ciphertext_blob(Blob::new(from_west))
            .send()
            .await,
    );
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
}

#[tokio::test]
async fn signatures_and_macs_verify_in_either_region() {
    let (_server, east, west) = two_regions().await;
    for (spec, alg) in [
        (KeySpec::EccNistP256, SigningAlgorithmSpec::EcdsaSha256),
        (KeySpec::Rsa2048, SigningAlgorithmSpec::RsassaPssSha256),
    ] {
        let id = create_primary(&east, spec.clone(), KeyUsageType::SignVerify).await;
        replicate(&east, &id, WEST).await;
        for (signer, verifier) in [(&east, &west), (&west, &east)] {
            let signature = signer
                .sign()
                .key_id(&id)
                .message(Blob::new(b"signed in one region".as_slice()))
                .message_type(MessageType::Raw)
                .signing_algorithm(alg.clone())
                .send()
                .await
                .unwrap()
                .signature
                .unwrap();
            let valid = verifier
                .verify()
                .key_id(&id)
                .message(Blob::new(b"signed in one region".as_slice()))
                .message_type(MessageType::Raw)
                .signing_algorithm(alg.clone())
                .signature(signature)
                .send()
                .await
                .unwrap();
            assert!(valid.signature_valid(), "{spec:?}");
        }
        let public = |kms: Client| {
            let id = id.clone();
            async move {
                kms.get_public_key()
                    .key_id(id)
                    .send()
                    .await
                    .unwrap()
                    .public_key
            }
        };
        assert_eq!(public(east.clone()).await, public(west.clone()).await);
    }

    let id = create_primary(&east, KeySpec::Hmac256, KeyUsageType::GenerateVerifyMac).await;
    replicate(&east, &id, WEST).await;
    let mac = east
        .generate_mac()
        .key_id(&id)
        .message(Blob::new(b"mac".as_slice()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .send()
        .await
        .unwrap()
        .mac
        .unwrap();
    let verified = west
        .verify_mac()
        .key_id(&id)
        .message(Blob::new(b"mac".as_slice()))
        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
        .mac(mac)
        .send()
        .await
        .unwrap();
    assert!(verified.mac_valid());
}

#[tokio::test]
async fn replicate_key_refuses_what_aws_refuses_and_changes_nothing() {
    let (server, east, west) = two_regions().await;
    let id = symmetric_primary(&east).await;
    replicate(&east, &id, WEST).await;
    let try_replicate = |kms: &Client, key: &str, region: &str| {
        kms.replicate_key().key_id(key).replica_region(region)
    };

    let single = key_id(&east).await;
    let e = fail(try_replicate(&east, &single, WEST).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("{} is not a multi-Region key.", key_arn(&single))
    );
    // A replica is no source of replicas.
    let e = fail(try_replicate(&west, &id, SOUTH).send().await);
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
    // One replica per region, and none in the primary's own.
    let e = fail(try_replicate(&east, &id, WEST).send().await);
    assert!(e.is_already_exists_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Key {} already exists.", arn_in(WEST, &id))
    );
    let e = fail(try_replicate(&east, &id, REGION).send().await);
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    let e = fail(try_replicate(&east, &id, "mars").send().await);
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    let e = fail(
        try_replicate(&east, "mrk-0123456789abcdef0123456789abcdef", SOUTH)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    // A bad policy or tag: nothing is created.
    let e = fail(
        try_replicate(&east, &id, SOUTH)
            .policy("{not json")
            .send()
            .await,
    );
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");
    let e = fail(
        try_replicate(&east, &id, SOUTH)
            .tags(tag("aws:reserved", "x"))
            .send()
            .await,
    );
    assert!(e.is_tag_exception(), "{e:?}");
    let lockout = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}"#;
    let e = fail(
        try_replicate(&east, &id, SOUTH)
            .policy(lockout)
            .send()
            .await,
    );
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");
    let south = server.client_with("test", "test", SOUTH);
    let e = fail(south.describe_key().key_id(&id).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert!(all_keys(&south, 100).await.is_empty());
    let too_many: Vec<_> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let e = fail(
        try_replicate(&east, &id, SOUTH)
            .set_tags(Some(too_many))
            .send()
            .await,
    );
    assert!(e.is_tag_exception(), "{e:?}");
    assert!(all_keys(&south, 100).await.is_empty());
    // The lockout check can be bypassed, as in CreateKey; the replica keeps the policy given.
    let out = try_replicate(&east, &id, SOUTH)
        .policy(lockout)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    assert_eq!(out.replica_policy(), Some(lockout));
    assert!(out.replica_tags().is_empty());

    // A primary pending deletion cannot be replicated.
    let other = symmetric_primary(&east).await;
    east.schedule_key_deletion()
        .key_id(&other)
        .send()
        .await
        .unwrap();
    let e = fail(try_replicate(&east, &other, WEST).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    // No multi-Region key in a custom key store.
    let e = fail(
        east.create_key()
            .multi_region(true)
            .custom_key_store_id("cks-1234567890abcdef0")
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");
}

/// `alice` may do anything but CreateKey, which ReplicateKey needs in the replica region;
/// `bob` may do anything but create multi-Region keys.
fn identities() -> Identities {
    let deny = |action: &str, condition: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"{action}","Resource":"*"{condition}}}]}}"#
        )
    };
    let mut ids = Identities::default();
    for (name, extra) in [
        ("alice", deny("kms:CreateKey", "")),
        (
            "bob",
            deny(
                "kms:CreateKey",
                r#","Condition":{"Bool":{"kms:MultiRegion":"true"}}"#,
            ),
        ),
        ("admin", deny("kms:Nothing", "")),
    ] {
        let arn = PrincipalArn::parse(&format!("arn:aws:iam::{ACCOUNT}:user/{name}")).unwrap();
        let p = Principal::new(arn)
            .with_policy(ADMINISTRATOR_ACCESS)
            .unwrap()
            .with_policy(&extra)
            .unwrap();
        ids.add(name, format!("{name}-secret"), &Arc::new(p));
    }
    ids
}

#[tokio::test]
async fn replication_needs_create_key_and_the_region_conditions_apply() {
    let server = TestServer::start_with_identities(identities()).await;
    let admin = server.client_with("admin", "admin-secret", REGION);
    let alice = server.client_with("alice", "alice-secret", REGION);
    let bob = server.client_with("bob", "bob-secret", REGION);

    // kms:MultiRegion on CreateKey.
    let e = fail(bob.create_key().multi_region(true).send().await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    bob.create_key().send().await.unwrap();

    // The primary's policy lets the account in, but denies replicas outside Europe and
    // primaries outside us-east-1.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:ReplicateKey","Resource":"*","Condition":{{"StringNotLike":{{"kms:ReplicaRegion":"eu-*"}}}}}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:UpdatePrimaryRegion","Resource":"*","Condition":{{"StringNotEquals":{{"kms:PrimaryRegion":"us-east-1"}}}}}}]}}"#
    );
    let id = admin
        .create_key()
        .multi_region(true)
        .policy(policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let e = fail(
        admin
            .replicate_key()
            .key_id(&id)
            .replica_region(SOUTH)
            .send()
            .await,
    );
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    // ReplicateKey is allowed on the key, but CreateKey is not for alice.
    let e = fail(
        alice
            .replicate_key()
            .key_id(&id)
            .replica_region(WEST)
            .send()
            .await,
    );
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    assert!(message(&e).contains("kms:CreateKey"), "{e:?}");
    let west = server.client_with("admin", "admin-secret", WEST);
    assert!(all_keys(&west, 10).await.is_empty());
    admin
        .replicate_key()
        .key_id(&id)
        .replica_region(WEST)
        .send()
        .await
        .unwrap();
    // The primary's policy denies moving the primary to eu-west-1.
    let e = fail(
        admin
            .update_primary_region()
            .key_id(&id)
            .primary_region(WEST)
            .send()
            .await,
    );
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    assert_eq!(roles(&admin, &id).await.0, MultiRegionKeyType::Primary);
}

#[tokio::test]
async fn the_key_type_condition_tells_a_primary_from_its_replicas() {
    let server = TestServer::start_with_identities(identities()).await;
    let admin = server.client_with("admin", "admin-secret", REGION);
    let west = server.client_with("admin", "admin-secret", WEST);
    // The same policy on both keys: only the primary may encrypt.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Deny","Principal":"*","Action":"kms:Encrypt","Resource":"*","Condition":{{"StringEquals":{{"kms:MultiRegionKeyType":"REPLICA"}}}}}}]}}"#
    );
    let id = admin
        .create_key()
        .multi_region(true)
        .policy(&policy)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    admin
        .replicate_key()
        .key_id(&id)
        .replica_region(WEST)
        .policy(&policy)
        .send()
        .await
        .unwrap();
    let encrypt = |kms: &Client| {
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new(b"secret".to_vec()))
            .send()
    };
    let blob = encrypt(&admin).await.unwrap().ciphertext_blob.unwrap();
    let e = fail(encrypt(&west).await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    // Decrypt is not denied: the replica decrypts what the primary encrypted.
    west.decrypt()
        .ciphertext_blob(blob.clone())
        .send()
        .await
        .unwrap();

    // Once the primary moves, the roles and the decisions swap at once.
    admin
        .update_primary_region()
        .key_id(&id)
        .primary_region(WEST)
        .send()
        .await
        .unwrap();
    encrypt(&west).await.unwrap();
    let e = fail(encrypt(&admin).await);
    assert_eq!(code(&e), "AccessDeniedException", "{e:?}");
    assert!(message(&e).contains("kms:Encrypt"), "{e:?}");
}
