//! Aliases and tags end to end through `aws-sdk-kms`: CreateAlias, UpdateAlias, DeleteAlias,
//! ListAliases, TagResource, UntagResource and ListResourceTags.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::AliasListEntry;
use common::*;
use trent_testkit::TestServer;

async fn aliases_of(kms: &Client, key: &str) -> Vec<AliasListEntry> {
    kms.list_aliases()
        .key_id(key)
        .send()
        .await
        .unwrap()
        .aliases
        .unwrap_or_default()
}

async fn encrypt_says(kms: &Client, key: &str) -> String {
    kms.encrypt()
        .key_id(key)
        .plaintext(Blob::new("who"))
        .send()
        .await
        .unwrap()
        .key_id
        .unwrap()
}

#[tokio::test]
async fn create_alias_and_use_it() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let created_at = server.now();
    create_alias(&kms, "alias/app/orders-1_x", &id).await;

    assert_eq!(
        encrypt_says(&kms, "alias/app/orders-1_x").await,
        key_arn(&id)
    );
    assert_eq!(describe(&kms, "alias/app/orders-1_x").await.key_id(), id);

    let listed = kms.list_aliases().send().await.unwrap();
    assert!(!listed.truncated());
    let [entry] = listed.aliases() else {
        panic!("{listed:?}")
    };
    assert_eq!(entry.alias_name(), Some("alias/app/orders-1_x"));
    assert_eq!(
        entry.alias_arn(),
        Some(alias_arn("alias/app/orders-1_x").as_str())
    );
    assert_eq!(entry.target_key_id(), Some(id.as_str()));
    assert_time(entry.creation_date(), created_at);
    assert_time(entry.last_updated_date(), created_at);

    // A target given by ARN works too, and a key may have several aliases.
    create_alias(&kms, "alias/second", &key_arn(&id)).await;
    let names: Vec<_> = aliases_of(&kms, &id)
        .await
        .iter()
        .map(|a| a.alias_name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["alias/app/orders-1_x", "alias/second"]);
    server.stop().await;
}

#[tokio::test]
async fn create_alias_refusals() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let other = key_id(&kms).await;
    create_alias(&kms, "alias/taken", &id).await;

    // The name is taken, whichever key it would point at.
    for target in [&id, &other] {
        let e = fail(
            kms.create_alias()
                .alias_name("alias/taken")
                .target_key_id(target)
                .send()
                .await,
        );
        assert!(e.is_already_exists_exception(), "{e:?}");
        assert_eq!(
            message(&e),
            format!(
                "An alias with the name {} already exists",
                alias_arn("alias/taken")
            )
        );
    }

    // Reserved for AWS managed keys.
    let e = fail(
        kms.create_alias()
            .alias_name("alias/aws/x")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code(&e), "NotAuthorizedException", "{e:?}");
    let e = fail(
        kms.update_alias()
            .alias_name("alias/aws/x")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code(&e), "NotAuthorizedException", "{e:?}");

    // The prefix is required.
    let e = fail(
        kms.create_alias()
            .alias_name("no-prefix")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");
    assert!(message(&e).contains("alias/"), "{e:?}");

    // A character the model's pattern refuses.
    let e = fail(
        kms.create_alias()
            .alias_name("alias/a b")
            .target_key_id(&id)
            .send()
            .await,
    );
    assert_validation(
        &e,
        &one_violation(
            Some("alias/a b"),
            "aliasName",
            "satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        ),
    );

    // The target must be a key, not an alias.
    for target in ["alias/taken".to_owned(), alias_arn("alias/taken")] {
        let e = fail(
            kms.create_alias()
                .alias_name("alias/indirect")
                .target_key_id(&target)
                .send()
                .await,
        );
        assert_eq!(code(&e), "ValidationException", "{target}: {e:?}");
    }

    // The target must exist.
    let missing = "00000000-0000-4000-8000-000000000000";
    let e = fail(
        kms.create_alias()
            .alias_name("alias/orphan")
            .target_key_id(missing)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Key '{}' does not exist", key_arn(missing))
    );

    // Nothing above made an alias.
    assert_eq!(alias_names(&kms).await, ["alias/taken"]);
    server.stop().await;
}

#[tokio::test]
async fn update_alias_points_it_elsewhere() {
    let server = TestServer::start().await;
    let kms = clock_client(&server, REGION);
    let first = key_id(&kms).await;
    let second = key_id(&kms).await;
    create_alias(&kms, "alias/moving", &first).await;
    let created_at = server.now();
    let blob = encrypt(&kms, "alias/moving", b"old", &[]).await;
    assert_eq!(encrypt_says(&kms, "alias/moving").await, key_arn(&first));

    server.clock.advance(Duration::from_secs(3600));
    kms.update_alias()
        .alias_name("alias/moving")
        .target_key_id(&second)
        .send()
        .await
        .unwrap();
    let updated_at = server.now();

    assert_eq!(encrypt_says(&kms, "alias/moving").await, key_arn(&second));
    assert_eq!(describe(&kms, "alias/moving").await.key_id(), second);
    let [entry] = &aliases_of(&kms, &second).await[..] else {
        panic!("one alias expected")
    };
    assert_eq!(entry.target_key_id(), Some(second.as_str()));
    assert_time(entry.creation_date(), created_at);
    assert_time(entry.last_updated_date(), updated_at);
    assert!(aliases_of(&kms, &first).await.is_empty());

    // Old ciphertexts still decrypt (the blob names its key), but not through the alias.
    assert_eq!(decrypt(&kms, &blob, &[]).await, b"old");
    let e = fail(
        kms.decrypt()
            .key_id("alias/moving")
            .ciphertext_blob(Blob::new(blob.clone()))
            .send()
            .await,
    );
    assert!(e.is_incorrect_key_exception(), "{e:?}");

    // A target by ARN works; a missing alias or target is not found.
    kms.update_alias()
        .alias_name("alias/moving")
        .target_key_id(key_arn(&first))
        .send()
        .await
        .unwrap();
    assert_eq!(encrypt_says(&kms, "alias/moving").await, key_arn(&first));
    let e = fail(
        kms.update_alias()
            .alias_name("alias/absent")
            .target_key_id(&first)
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Alias {} is not found.", alias_arn("alias/absent"))
    );
    let e = fail(
        kms.update_alias()
            .alias_name("alias/moving")
            .target_key_id("00000000-0000-4000-8000-000000000000")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.update_alias()
            .alias_name("alias/moving")
            .target_key_id("alias/moving")
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException", "{e:?}");

    // A key pending deletion cannot become the target.
    kms.schedule_key_deletion()
        .key_id(&second)
        .send()
        .await
        .unwrap();
    let e = fail(
        kms.update_alias()
            .alias_name("alias/moving")
            .target_key_id(&second)
            .send()
            .await,
    );
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");
    assert_eq!(encrypt_says(&kms, "alias/moving").await, key_arn(&first));
    server.stop().await;
}

#[tokio::test]
async fn delete_alias() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    create_alias(&kms, "alias/short-lived", &id).await;
    create_alias(&kms, "alias/stays", &id).await;

    kms.delete_alias()
        .alias_name("alias/short-lived")
        .send()
        .await
        .unwrap();
    let e = fail(
        kms.encrypt()
            .key_id("alias/short-lived")
            .plaintext(Blob::new("x"))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Alias {} is not found.", alias_arn("alias/short-lived"))
    );
    assert_eq!(alias_names(&kms).await, ["alias/stays"]);
    // The key is untouched.
    assert_eq!(encrypt_says(&kms, &id).await, key_arn(&id));

    let e = fail(
        kms.delete_alias()
            .alias_name("alias/short-lived")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    assert_eq!(
        message(&e),
        format!("Alias {} is not found.", alias_arn("alias/short-lived"))
    );

    // The name can be used again.
    let other = key_id(&kms).await;
    create_alias(&kms, "alias/short-lived", &other).await;
    assert_eq!(
        encrypt_says(&kms, "alias/short-lived").await,
        key_arn(&other)
    );
    server.stop().await;
}

#[tokio::test]
async fn list_aliases_filters_and_pages() {
    let server = TestServer::start().await;
    let kms = server.client();
    let a = key_id(&kms).await;
    let b = key_id(&kms).await;
    let lonely = key_id(&kms).await;
    let mut expected = Vec::new();
    for i in 0..5 {
        let name = format!("alias/a-{i}");
        create_alias(&kms, &name, &a).await;
        expected.push(name);
    }
    for i in 0..2 {
        let name = format!("alias/b-{i}");
        create_alias(&kms, &name, &b).await;
        expected.push(name);
    }

    // Pages of 3 through all 7, each alias once.
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let page = kms
            .list_aliases()
            .limit(3)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.aliases().len());
        seen.extend(
            page.aliases()
                .iter()
                .map(|x| x.alias_name().unwrap().to_owned()),
        );
        if !page.truncated() {
            assert_eq!(page.next_marker(), None);
            break;
        }
        marker = Some(page.next_marker().unwrap().to_owned());
    }
    assert_eq!(sizes, [3, 3, 1]);
    seen.sort();
    assert_eq!(seen, expected);

    // By key, by id or ARN; and paged.
    let of_b: Vec<_> = aliases_of(&kms, &key_arn(&b))
        .await
        .iter()
        .map(|x| x.alias_name().unwrap().to_owned())
        .collect();
    assert_eq!(of_b, ["alias/b-0", "alias/b-1"]);
    assert!(
        aliases_of(&kms, &a)
            .await
            .iter()
            .all(|x| x.target_key_id() == Some(a.as_str()))
    );
    let first = kms.list_aliases().key_id(&a).limit(4).send().await.unwrap();
    assert_eq!(first.aliases().len(), 4);
    assert!(first.truncated());
    let rest = kms
        .list_aliases()
        .key_id(&a)
        .limit(4)
        .marker(first.next_marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.aliases().len(), 1);
    assert!(!rest.truncated());
    assert!(aliases_of(&kms, &lonely).await.is_empty());

    // A key that does not exist, a malformed ARN, a garbage marker.
    let e = fail(
        kms.list_aliases()
            .key_id("00000000-0000-4000-8000-000000000000")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.list_aliases()
            .key_id("arn:aws:kms:us-east-1:1:key/x")
            .send()
            .await,
    );
    assert!(e.is_invalid_arn_exception(), "{e:?}");
    let e = fail(kms.list_aliases().marker("garbage").send().await);
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn tags_are_added_overwritten_removed_and_listed_in_order() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    assert!(tags_of(&kms, &id).await.is_empty());

    kms.tag_resource()
        .key_id(&id)
        .tags(tag("zeta", "last"))
        .tags(tag("alpha", "first"))
        .tags(tag("mid", "1"))
        .send()
        .await
        .unwrap();
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        tags_of(&kms, &id).await,
        pairs(&[("alpha", "first"), ("mid", "1"), ("zeta", "last")])
    );

    // Overwrite one, add one.
    kms.tag_resource()
        .key_id(key_arn(&id))
        .tags(tag("mid", "2"))
        .tags(tag("beta", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&kms, &id).await,
        pairs(&[
            ("alpha", "first"),
            ("beta", ""),
            ("mid", "2"),
            ("zeta", "last")
        ])
    );

    // Remove two; a key that is not there is ignored.
    kms.untag_resource()
        .key_id(&id)
        .tag_keys("alpha")
        .tag_keys("zeta")
        .tag_keys("never-there")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(&kms, &id).await,
        pairs(&[("beta", ""), ("mid", "2")])
    );

    // Reserved and duplicate keys.
    let e = fail(
        kms.tag_resource()
            .key_id(&id)
            .tags(tag("aws:owner", "x"))
            .send()
            .await,
    );
    assert!(e.is_tag_exception(), "{e:?}");
    let e = fail(
        kms.tag_resource()
            .key_id(&id)
            .tags(tag("same", "1"))
            .tags(tag("same", "2"))
            .send()
            .await,
    );
    assert!(e.is_tag_exception(), "{e:?}");
    assert_eq!(
        tags_of(&kms, &id).await,
        pairs(&[("beta", ""), ("mid", "2")])
    );

    // Tags belong to their key.
    let other = key_id(&kms).await;
    assert!(tags_of(&kms, &other).await.is_empty());

    // A key that does not exist.
    let missing = "00000000-0000-4000-8000-000000000000";
    let e = fail(
        kms.tag_resource()
            .key_id(missing)
            .tags(tag("k", "v"))
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.untag_resource()
            .key_id(missing)
            .tag_keys("k")
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(kms.list_resource_tags().key_id(missing).send().await);
    assert!(e.is_not_found_exception(), "{e:?}");
    let e = fail(
        kms.list_resource_tags()
            .key_id("arn:aws:kms:us-east-1:1:key/x")
            .send()
            .await,
    );
    assert!(e.is_invalid_arn_exception(), "{e:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_key_holds_at_most_fifty_tags() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let mut req = kms.tag_resource().key_id(&id);
    for i in 0..50 {
        req = req.tags(tag(&format!("t{i:02}"), "v"));
    }
    req.send().await.unwrap();
    assert_eq!(tags_of(&kms, &id).await.len(), 50);

    let e = fail(
        kms.tag_resource()
            .key_id(&id)
            .tags(tag("one-more", "v"))
            .send()
            .await,
    );
    assert!(e.is_limit_exceeded_exception(), "{e:?}");
    // Overwriting an existing tag at the limit is fine.
    kms.tag_resource()
        .key_id(&id)
        .tags(tag("t00", "new"))
        .send()
        .await
        .unwrap();
    let tags = tags_of(&kms, &id).await;
    assert_eq!(tags.len(), 50);
    assert_eq!(tags[0], ("t00".to_owned(), "new".to_owned()));
    server.stop().await;
}

#[tokio::test]
async fn list_resource_tags_pages() {
    let server = TestServer::start().await;
    let kms = server.client();
    let id = key_id(&kms).await;
    let mut req = kms.tag_resource().key_id(&id);
    for k in ["e", "c", "a", "g", "b", "f", "d"] {
        req = req.tags(tag(k, &k.to_uppercase()));
    }
    req.send().await.unwrap();

    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let page = kms
            .list_resource_tags()
            .key_id(&id)
            .limit(3)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        sizes.push(page.tags().len());
        for t in page.tags() {
            assert_eq!(t.tag_value(), t.tag_key().to_uppercase());
            seen.push(t.tag_key().to_owned());
        }
        if !page.truncated() {
            assert_eq!(page.next_marker(), None);
            break;
        }
        marker = Some(page.next_marker().unwrap().to_owned());
    }
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(seen, ["a", "b", "c", "d", "e", "f", "g"]);

    let e = fail(
        kms.list_resource_tags()
            .key_id(&id)
            .marker("garbage!")
            .send()
            .await,
    );
    assert!(e.is_invalid_marker_exception(), "{e:?}");
    server.stop().await;
}
