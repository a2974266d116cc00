//! Keys end to end through `aws-sdk-kms`: creation and its metadata, the ways to name a key,
//! regions, the state machine (disable, enable, schedule and cancel deletion), the deletion
//! job, descriptions and listing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// CustomerMasterKeySpec is deprecated, yet KMS still answers it and old clients still send it.
#![allow(deprecated)]

mod common;

use std::time::Duration;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{
    CustomerMasterKeySpec, DataKeySpec, EncryptionAlgorithmSpec, KeyManagerType, KeySpec, KeyState,
    KeyUsageType, OriginType,
};
use common::*;
use trent_testkit::TestServer;

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test]
async fn create_key_answers_complete_metadata() {
    let server = TestServer::start().await;
    let kms = server.client();
    let created = kms
        .create_key()
        .description("payments")
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let id = created.key_id().to_owned();
    assert_eq!(id.len(), 36);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-'),
        "{id}"
    );
    assert_eq!(created.aws_account_id(), Some(ACCOUNT));
    assert_eq!(created.arn(), Some(key_arn(&id).as_str()));
    assert!(created.enabled());
    assert_eq!(created.description(), Some("payments"));
    assert_eq!(created.key_state(), Some(&KeyState::Enabled));
    assert_eq!(created.key_usage(), Some(&KeyUsageType::EncryptDecrypt));
    assert_eq!(created.key_spec(), Some(&KeySpec::SymmetricDefault));
    assert_eq!(
        created.customer_master_key_spec(),
        Some(&CustomerMasterKeySpec::SymmetricDefault)
    );
    assert_eq!(
        created.encryption_algorithms(),
        [EncryptionAlgorithmSpec::SymmetricDefault]
    );
    assert!(created.signing_algorithms().is_empty());
    assert_eq!(created.origin(), Some(&OriginType::AwsKms));
    assert_eq!(created.key_manager(), Some(&KeyManagerType::Customer));
    assert_eq!(created.multi_region(), Some(false));
    assert_time(created.creation_date(), server.now());
    assert_eq!(created.deletion_date(), None);
    assert_eq!(created.pending_deletion_window_in_days(), None);
    let material = created.current_key_material_id().unwrap();
    assert_eq!(material.len(), 64);
    assert!(
        material
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    // DescribeKey tells the same story.
    assert_eq!(describe(&kms, &id).await, created);
    assert_eq!(
        tags_of(&kms, &id).await,
        [("team".to_owned(), "core".to_owned())]
    );

    // Without a description, the description is empty.
    let plain = create_key(&kms).await;
    assert_eq!(plain.description(), Some(""));
    assert_ne!(plain.key_id(), id);
    server.stop().await;
}

#[tokio::test]
async fn create_key_accepts_a_policy_and_the_deprecated_spec() {
    let server = TestServer::start().await;
    let kms = server.client();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"root","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#
    );
    let key = kms
        .create_key()
        .policy(policy)
        .customer_master_key_spec(CustomerMasterKeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(key.key_spec(), Some(&KeySpec::SymmetricDefault));
    let blob = encrypt(&kms, key.key_id(), b"works", &[]).await;
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"works");
    server.stop().await;
}

#[tokio::test]
async fn create_key_refuses_what_aws_refuses() {
    let server = TestServer::start().await;
    let kms = server.client();

    let e = fail(kms.create_key().policy("not json").send().await);
    assert!(e.is_malformed_policy_document_exception(), "{e:?}");

    // The default usage, ENCRYPT_DECRYPT, is not one an ECDSA key can have.
    let e = fail(kms.create_key().key_spec(KeySpec::EccNistP256).send().await);
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    assert_eq!(
        message(&e),
        "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256"
    );
    // Imported material, but not of a key spec that takes it.
    let e = fail(
        kms.create_key()
            .origin(aws_sdk_kms::types::OriginType::External)
            .key_spec(KeySpec::MlKem768)
            .key_usage(KeyUsageType::EncapsulateDecapsulate)
            .send()
            .await,
    );
    assert!(e.is_unsupported_operation_exception(), "{e:?}");

    let e = fail(
        kms.create_key()
            .key_usage(KeyUsageType::SignVerify)
            .key_spec(KeySpec::SymmetricDefault)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");

    let e = fail(
        kms.create_key()
            .key_spec(KeySpec::SymmetricDefault)
            .customer_master_key_spec(CustomerMasterKeySpec::SymmetricDefault)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");

    let e = fail(
        kms.create_key()
            .custom_key_store_id("cks-1234567890abcdef0")
            .send()
            .await,
    );
    assert!(e.is_custom_key_store_not_found_exception(), "{e:?}");

    let e = fail(kms.create_key().tags(tag("aws:reserved", "x")).send().await);
    assert!(e.is_tag_exception(), "{e:?}");

    let e = fail(
        kms.create_key()
            .tags(tag("dup", "1"))
            .tags(tag("dup", "2"))
            .send()
            .await,
    );
    assert!(e.is_tag_exception(), "{e:?}");

    // 51 tags: both TagException and LimitExceededException are errors the model lists for
    // CreateKey; Trent answers TagException.
    let mut many = kms.create_key();
    for i in 0..51 {
        many = many.tags(tag(&format!("k{i:02}"), "v"));
    }
    let e = fail(many.send().await);
    assert!(e.is_tag_exception(), "{e:?}");

    // 50 are fine.
    let mut fifty = kms.create_key();
    for i in 0..50 {
        fifty = fifty.tags(tag(&format!("k{i:02}"), "v"));
    }
    let key = fifty.send().await.unwrap().key_metadata.unwrap();
    assert_eq!(tags_of(&kms, key.key_id()).await.len(), 50);

    // None of the refused requests made a key.
    assert_eq!(all_keys(&kms, 100).await, [key.key_id().to_owned()]);
    server.stop().await;
}

#[tokio::test]
async fn a_key_answers_to_its_id_arn_alias_and_alias_arn() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let arn = key_arn(&id);
    create_alias(&kms, "alias/named", &id).await;
    let names = [
        id.clone(),
        arn.clone(),
        "alias/named".to_owned(),
        alias_arn("alias/named"),
    ];
    for name in &names {
        assert_eq!(
            describe(&kms, name).await.arn(),
            Some(arn.as_str()),
            "{name}"
        );

        let enc = kms
            .encrypt()
            .key_id(name)
            .plaintext(Blob::new("by name"))
            .send()
            .await
            .unwrap();
        assert_eq!(enc.key_id(), Some(arn.as_str()), "{name}");
        let blob = enc.ciphertext_blob().unwrap().clone();

        let dec = kms
            .decrypt()
            .key_id(name)
            .ciphertext_blob(blob.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(dec.plaintext().unwrap().as_ref(), b"by name");

        let re = kms
            .re_encrypt()
            .ciphertext_blob(blob)
            .source_key_id(name)
            .destination_key_id(name)
            .send()
            .await
            .unwrap();
        assert_eq!(re.key_id(), Some(arn.as_str()));
        assert_eq!(re.source_key_id(), Some(arn.as_str()));

        let dk = kms
            .generate_data_key()
            .key_id(name)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await
            .unwrap();
        assert_eq!(dk.key_id(), Some(arn.as_str()));
        let dk = kms
            .generate_data_key_without_plaintext()
            .key_id(name)
            .number_of_bytes(8)
            .send()
            .await
            .unwrap();
        assert_eq!(dk.key_id(), Some(arn.as_str()));
    }
    // Operations that take a key id or key ARN.
    for name in [&id, &arn] {
        kms.update_key_description()
            .key_id(name)
            .description(format!("via {name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            describe(&kms, &id).await.description(),
            Some(format!("via {name}").as_str())
        );
        kms.disable_key().key_id(name).send().await.unwrap();
        assert_eq!(
            describe(&kms, &id).await.key_state(),
            Some(&KeyState::Disabled)
        );
        kms.enable_key().key_id(name).send().await.unwrap();
        assert_eq!(
            describe(&kms, &id).await.key_state(),
            Some(&KeyState::Enabled)
        );
        kms.tag_resource()
            .key_id(name)
            .tags(tag("via", name))
            .send()
            .await
            .unwrap();
        assert_eq!(
            tags_of(&kms, name).await,
            [("via".to_owned(), name.clone())]
        );
        let listed = kms.list_aliases().key_id(name).send().await.unwrap();
        assert_eq!(listed.aliases().len(), 1);
        kms.schedule_key_deletion()
            .key_id(name)
            .send()
            .await
            .unwrap();
        kms.cancel_key_deletion().key_id(name).send().await.unwrap();
        kms.enable_key().key_id(&id).send().await.unwrap();
    }
    server.stop().await;
}

#[tokio::test]
async fn references_that_name_no_key() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    create_alias(&kms, "alias/here", &id).await;

    // The key's ARN in another region.
    let elsewhere = format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{id}");
    let e = fail(kms.describe_key().key_id(&elsewhere).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(message(&e), format!("Key '{elsewhere}' does not exist"));
    let e = fail(
        kms.encrypt()
            .key_id(&elsewhere)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // The key's id in an ARN of another account.
    let foreign = format!("arn:aws:kms:{REGION}:444455556666:key/{id}");
    let e = fail(kms.describe_key().key_id(&foreign).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(message(&e), format!("Key '{foreign}' does not exist"));

    // An alias ARN of another region.
    let alias_elsewhere = format!("arn:aws:kms:eu-west-1:{ACCOUNT}:alias/here");
    let e = fail(kms.describe_key().key_id(&alias_elsewhere).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");

    // A malformed ARN.
    for bad in [
        "arn:aws:kms:us-east-1:1111:key/x",
        "arn:aws:s3:::bucket",
        "arn:aws:kms:us-east-1:111122223333:thing/x",
    ] {
        let e = fail(kms.describe_key().key_id(bad).send().await);
        assert!(e.is_invalid_arn_exception(), "{bad}: {e:?}");
        let e = fail(kms.disable_key().key_id(bad).send().await);
        assert!(e.is_invalid_arn_exception(), "{bad}: {e:?}");
    }

    // Garbage as a key id.
    let e = fail(kms.describe_key().key_id("not-a-key").send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(message(&e), "Invalid keyId 'not-a-key'");
    let e = fail(
        kms.encrypt()
            .key_id("not-a-key")
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // A well-formed id of no key.
    let missing = "00000000-0000-4000-8000-000000000000";
    let e = fail(kms.describe_key().key_id(missing).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Key '{}' does not exist", key_arn(missing))
    );
    let e = fail(kms.enable_key().key_id(missing).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(kms.schedule_key_deletion().key_id(missing).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(kms.cancel_key_deletion().key_id(missing).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.update_key_description()
            .key_id(missing)
            .description("d")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");

    // An alias that does not exist.
    let e = fail(kms.describe_key().key_id("alias/nope").send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Alias {} is not found.", alias_arn("alias/nope"))
    );
    let e = fail(
        kms.generate_data_key()
            .key_id("alias/nope")
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn keys_are_regional() {
    let server = TestServer::start().await;
    let us = server.client();
    let eu = server.client_with("test", "test", "eu-west-1");
    let id = key_id(&us).await;

    let e = fail(eu.describe_key().key_id(&id).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(eu.describe_key().key_id(key_arn(&id)).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let listed = eu.list_keys().send().await.unwrap();
    assert!(listed.keys().is_empty());
    assert!(!listed.truncated());

    // A key made in eu-west-1 lives there only.
    let eu_key = create_key(&eu).await;
    assert_eq!(
        eu_key.arn(),
        Some(format!("arn:aws:kms:eu-west-1:{ACCOUNT}:key/{}", eu_key.key_id()).as_str())
    );
    assert_eq!(all_keys(&eu, 10).await, [eu_key.key_id().to_owned()]);
    assert_eq!(all_keys(&us, 10).await, [id.as_str()]);
    let e = fail(us.describe_key().key_id(eu_key.key_id()).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");

    // A ciphertext of us-east-1 does not decrypt in eu-west-1.
    let blob = encrypt(&us, &id, b"regional", &[]).await;
    assert!(
        eu.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await
            .is_err()
    );
    assert_eq!(decrypt(&us, &blob, &[]).await, b"regional");

    // Aliases are regional too: the same name in both regions, each its own key.
    create_alias(&us, "alias/same", &id).await;
    create_alias(&eu, "alias/same", eu_key.key_id()).await;
    assert_eq!(describe(&us, "alias/same").await.key_id(), id);
    assert_eq!(describe(&eu, "alias/same").await.key_id(), eu_key.key_id());
    server.stop().await;
}

#[tokio::test]
async fn disable_and_enable() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let arn = key_arn(&id);
    let blob = encrypt(&kms, &id, b"before", &[]).await;

    kms.disable_key().key_id(&id).send().await.unwrap();
    let meta = describe(&kms, &id).await;
    assert!(!meta.enabled());
    assert_eq!(meta.key_state(), Some(&KeyState::Disabled));

    let e = fail(
        kms.encrypt()
            .key_id(&id)
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    assert_eq!(message(&e), format!("{arn} is disabled."));
    let e = fail(
        kms.decrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.generate_data_key_without_plaintext()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes256)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");
    let e = fail(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .destination_key_id(&id)
            .send()
            .await,
    );
    assert!(e.is_disabled_exception(), "{e:?}");

    // Metadata still changes while disabled; disabling twice is fine.
    kms.update_key_description()
        .key_id(&id)
        .description("resting")
        .send()
        .await
        .unwrap();
    kms.tag_resource()
        .key_id(&id)
        .tags(tag("k", "v"))
        .send()
        .await
        .unwrap();
    create_alias(&kms, "alias/resting", &id).await;
    kms.disable_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        describe(&kms, "alias/resting").await.description(),
        Some("resting")
    );

    kms.enable_key().key_id(&id).send().await.unwrap();
    let meta = describe(&kms, &id).await;
    assert!(meta.enabled());
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"before");
    let again = encrypt(&kms, "alias/resting", b"after", &[]).await;
    assert_eq!(decrypt(&kms, &again, &[]).await, b"after");
    // Enabling an enabled key is fine too.
    kms.enable_key().key_id(&id).send().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn schedule_key_deletion_defaults_to_thirty_days() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let out = kms
        .schedule_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let due = server.now().plus_days(30);
    assert_eq!(out.key_id(), Some(key_arn(&id).as_str()));
    assert_eq!(out.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(out.pending_window_in_days(), Some(30));
    assert_time(out.deletion_date(), due);

    let meta = describe(&kms, &id).await;
    assert!(!meta.enabled());
    assert_eq!(meta.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(meta.pending_deletion_window_in_days(), Some(30));
    assert_time(meta.deletion_date(), due);
    server.stop().await;
}

#[tokio::test]
async fn schedule_key_deletion_takes_seven_to_thirty_days() {
    let server = TestServer::start().await;
    let kms = server.client();
    for days in [7, 8, 29, 30] {
        let id = key_id(&kms).await;
        let out = kms
            .schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(days)
            .send()
            .await
            .unwrap();
        let due = server.now().plus_days(u32::try_from(days).unwrap());
        assert_eq!(out.pending_window_in_days(), Some(days));
        assert_time(out.deletion_date(), due);
        let meta = describe(&kms, &id).await;
        assert_eq!(meta.pending_deletion_window_in_days(), Some(days));
        assert_time(meta.deletion_date(), due);
    }
    let id = key_id(&kms).await;
    for (days, constraint) in [
        (6, "have value greater than or equal to 7"),
        (31, "have value less than or equal to 30"),
        (1, "have value greater than or equal to 7"),
        (365, "have value less than or equal to 30"),
    ] {
        let e = fail(
            kms.schedule_key_deletion()
                .key_id(&id)
                .pending_window_in_days(days)
                .send()
                .await,
        );
        assert_validation(
            &e,
            &one_violation(Some(&days.to_string()), "pendingWindowInDays", constraint),
        );
    }
    assert_eq!(
        describe(&kms, &id).await.key_state(),
        Some(&KeyState::Enabled)
    );
    server.stop().await;
}

#[tokio::test]
async fn schedule_key_deletion_outside_the_published_model_names_seven_to_thirty() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    for (days, constraint) in [
        (0, "have value greater than or equal to 7"),
        (366, "have value less than or equal to 30"),
    ] {
        let e = fail(
            kms.schedule_key_deletion()
                .key_id(&id)
                .pending_window_in_days(days)
                .send()
                .await,
        );
        assert_validation(
            &e,
            &one_violation(Some(&days.to_string()), "pendingWindowInDays", constraint),
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_key_pending_deletion_refuses_use_and_change() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let arn = key_arn(&id);
    let other = key_id(&kms).await;
    let blob = encrypt(&kms, &id, b"pending", &[]).await;
    let other_blob = encrypt(&kms, &other, b"other", &[]).await;
    kms.tag_resource()
        .key_id(&id)
        .tags(tag("kept", "yes"))
        .send()
        .await
        .unwrap();
    kms.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let pending = format!("{arn} is pending deletion.");

    macro_rules! assert_invalid_state {
        ($call:expr) => {{
            let e = fail($call.send().await);
            assert!(e.is_kms_invalid_state_exception(), "{e:?}");
            assert_eq!(message(&e), pending);
        }};
    }
    assert_invalid_state!(kms.encrypt().key_id(&id).plaintext(Blob::new("x")));
    assert_invalid_state!(kms.decrypt().ciphertext_blob(Blob::new(blob.clone())));
    assert_invalid_state!(
        kms.generate_data_key()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes128)
    );
    assert_invalid_state!(
        kms.generate_data_key_without_plaintext()
            .key_id(&id)
            .key_spec(DataKeySpec::Aes128)
    );
    assert_invalid_state!(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(other_blob.clone()))
            .destination_key_id(&id)
    );
    assert_invalid_state!(
        kms.re_encrypt()
            .ciphertext_blob(Blob::new(blob.clone()))
            .destination_key_id(&other)
    );
    assert_invalid_state!(kms.enable_key().key_id(&id));
    assert_invalid_state!(kms.disable_key().key_id(&id));
    assert_invalid_state!(kms.update_key_description().key_id(&id).description("d"));
    assert_invalid_state!(kms.tag_resource().key_id(&id).tags(tag("k", "v")));
    assert_invalid_state!(kms.untag_resource().key_id(&id).tag_keys("kept"));
    assert_invalid_state!(
        kms.create_alias()
            .alias_name("alias/late")
            .target_key_id(&id)
    );
    assert_invalid_state!(kms.schedule_key_deletion().key_id(&id));

    // Reading still works.
    let meta = describe(&kms, &id).await;
    assert_eq!(meta.key_state(), Some(&KeyState::PendingDeletion));
    assert_eq!(meta.description(), Some(""));
    assert_eq!(
        tags_of(&kms, &id).await,
        [("kept".to_owned(), "yes".to_owned())]
    );
    let mut listed = all_keys(&kms, 100).await;
    listed.sort();
    let mut expected = vec![id.clone(), other.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(!alias_names(&kms).await.contains(&"alias/late".to_owned()));
    server.stop().await;
}

#[tokio::test]
async fn cancel_key_deletion_leaves_the_key_disabled() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let arn = key_arn(&id);

    // Only a key pending deletion can have its deletion cancelled.
    let e = fail(kms.cancel_key_deletion().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert_eq!(message(&e), format!("{arn} is not pending deletion."));

    kms.schedule_key_deletion()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    let out = kms.cancel_key_deletion().key_id(&id).send().await.unwrap();
    assert_eq!(out.key_id(), Some(arn.as_str()));
    let meta = describe(&kms, &id).await;
    assert_eq!(meta.key_state(), Some(&KeyState::Disabled));
    assert!(!meta.enabled());
    assert_eq!(meta.deletion_date(), None);
    assert_eq!(meta.pending_deletion_window_in_days(), None);

    let e = fail(kms.cancel_key_deletion().key_id(&id).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    // A disabled key can be scheduled again, and cancelled again.
    kms.schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(10)
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&kms, &id).await.pending_deletion_window_in_days(),
        Some(10)
    );
    kms.cancel_key_deletion().key_id(&id).send().await.unwrap();

    kms.enable_key().key_id(&id).send().await.unwrap();
    let blob = encrypt(&kms, &id, b"back", &[]).await;
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"back");
    server.stop().await;
}

#[tokio::test]
async fn the_deletion_job_deletes_keys_whose_window_passed() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let soon = key_id(&kms).await;
    let later = key_id(&kms).await;
    let kept = key_id(&kms).await;
    create_alias(&kms, "alias/soon", &soon).await;
    create_alias(&kms, "alias/soon-too", &soon).await;
    create_alias(&kms, "alias/later", &later).await;
    let blob = encrypt(&kms, &soon, b"doomed", &[]).await;
    kms.schedule_key_deletion()
        .key_id(&soon)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    kms.schedule_key_deletion()
        .key_id(&later)
        .pending_window_in_days(30)
        .send()
        .await
        .unwrap();

    // Not yet due: nothing happens.
    server.clock.advance(6 * DAY);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        describe(&kms, &soon).await.key_state(),
        Some(&KeyState::PendingDeletion)
    );

    server.clock.advance(2 * DAY);
    wait_until_deleted(&kms, &soon).await;
    let e = fail(kms.describe_key().key_id(&soon).send().await);
    assert_eq!(
        message(&e),
        format!("Key '{}' does not exist", key_arn(&soon))
    );
    assert_eq!(alias_names(&kms).await, ["alias/later"]);
    let e = fail(kms.describe_key().key_id("alias/soon").send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let mut listed = all_keys(&kms, 10).await;
    listed.sort();
    let mut expected = vec![later.clone(), kept.clone()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(tags_of_missing(&kms, &soon).await);
    // Its ciphertexts are gone with it: the blob names a key that is no more.
    let e = fail(kms.decrypt().ciphertext_blob(Blob::new(blob)).send().await);
    assert!(e.is_invalid_ciphertext_exception(), "{e:?}");
    // The name of a deleted key's alias is free again.
    create_alias(&kms, "alias/soon", &kept).await;

    // The key whose window has not passed survives; then its turn comes.
    assert_eq!(
        describe(&kms, &later).await.key_state(),
        Some(&KeyState::PendingDeletion)
    );
    server.clock.advance(23 * DAY);
    wait_until_deleted(&kms, &later).await;
    assert_eq!(all_keys(&kms, 10).await, [kept.as_str()]);
    assert_eq!(alias_names(&kms).await, ["alias/soon"]);
    assert_eq!(
        describe(&kms, &kept).await.key_state(),
        Some(&KeyState::Enabled)
    );

    // Each deletion left a service event in the audit trail.
    let data_dir = server.data_dir().to_owned();
    let temp = server.stop().await;
    let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db"))
        .await
        .unwrap();
    let records = trent_store::Store::list_audit(&store, 0, 10_000)
        .await
        .unwrap();
    trent_audit::verify_chain([0; 32], 1, &records).unwrap();
    let deletions: Vec<serde_json::Value> = records
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.event_json).unwrap())
        .filter(|e| e["eventName"] == "DeleteKey")
        .collect();
    assert_eq!(deletions.len(), 2);
    for (event, id) in deletions.iter().zip([&soon, &later]) {
        assert_eq!(event["eventType"], "AwsServiceEvent");
        assert_eq!(event["resources"][0]["ARN"], key_arn(id).as_str());
        assert_eq!(event["requestParameters"]["keyId"], key_arn(id).as_str());
    }
    drop(temp);
}

async fn tags_of_missing(kms: &aws_sdk_kms::Client, key: &str) -> bool {
    let e = fail(kms.list_resource_tags().key_id(key).send().await);
    e.is_not_found_exception()
}

#[tokio::test]
async fn update_key_description() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    for text in ["first", "", "ünïcødé ✓", &"d".repeat(8192)] {
        kms.update_key_description()
            .key_id(&id)
            .description(text)
            .send()
            .await
            .unwrap();
        assert_eq!(describe(&kms, &id).await.description(), Some(text));
    }
    server.stop().await;
}

#[tokio::test]
async fn list_keys_pages_through_every_key_once() {
    let server = TestServer::start().await;
    let kms = server.client();
    let mut created = Vec::new();
    for _ in 0..7 {
        created.push(key_id(&kms).await);
    }
    created.sort();

    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let page = kms
            .list_keys()
            .limit(3)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.keys().len());
        for k in page.keys() {
            let id = k.key_id().unwrap().to_owned();
            assert_eq!(k.key_arn(), Some(key_arn(&id).as_str()));
            seen.push(id);
        }
        if !page.truncated() {
            assert_eq!(page.next_marker(), None);
            break;
        }
        marker = Some(
            page.next_marker()
                .expect("a marker when truncated")
                .to_owned(),
        );
    }
    assert_eq!(sizes, [3, 3, 1]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 7, "every key exactly once: {seen:?}");
    assert_eq!(sorted, created);

    // Without a limit, one page holds them all.
    let page = kms.list_keys().send().await.unwrap();
    assert_eq!(page.keys().len(), 7);
    assert!(!page.truncated());
    assert_eq!(page.next_marker(), None);

    // Limit 7 fits exactly.
    let page = kms.list_keys().limit(7).send().await.unwrap();
    assert_eq!(page.keys().len(), 7);
    assert!(!page.truncated());

    let e = fail(kms.list_keys().marker("garbage").send().await);
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    server.stop().await;
}
