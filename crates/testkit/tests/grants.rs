//! Grants end to end, as AWS's grant documentation describes them: a grantee with no policy
//! access that encrypts and decrypts only through a grant; encryption-context constraints;
//! grant tokens that work before the grant reaches another node's cache, and stop working
//! once it is revoked; a grantee in another account; idempotent names; DryRun; the key
//! policy conditions of CreateGrant; and every refusal of CreateGrant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use common::grants::{
    A, B, World, as_on, constraint, grant, grant_ids, identities, key_arn, new_key, ops, role,
    try_encrypt, user,
};
use common::{code, fail, message};

const DENIED: &str = "AccessDeniedException";

#[tokio::test]
async fn a_grantee_with_no_policy_access_uses_the_key_only_through_its_grant() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;
    assert_eq!(
        try_encrypt(&batch, &key, &[], &[]).await,
        Err(DENIED.into())
    );

    grant(
        &admin,
        &key,
        &role(A, "Batch"),
        &["Encrypt", "Decrypt", "DescribeKey"],
    )
    .await;
    let blob = try_encrypt(&batch, &key, &[], &[]).await.unwrap();
    let plain = batch
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext.unwrap().as_ref(), b"x");
    let described = batch.describe_key().key_id(&key).send().await.unwrap();
    assert_eq!(described.key_metadata.unwrap().key_id, key);

    // Only the operations of the grant, and only for the grantee.
    let e = fail(
        batch
            .generate_data_key()
            .key_id(&key)
            .number_of_bytes(32)
            .send()
            .await,
    );
    assert_eq!(code(&e), DENIED);
    assert_eq!(
        message(&e),
        format!(
            "User: {} is not authorized to perform: kms:GenerateDataKey on resource: {} \
             because no identity-based policy allows the kms:GenerateDataKey action",
            role(A, "Batch"),
            key_arn(&key)
        )
    );
    let e = fail(batch.disable_key().key_id(&key).send().await);
    assert_eq!(code(&e), DENIED);
    let mallory = world.as_("mallory");
    assert_eq!(
        try_encrypt(&mallory, &key, &[], &[]).await,
        Err(DENIED.into())
    );
    // Another key is not covered.
    let other = new_key(&admin, None).await;
    assert_eq!(
        try_encrypt(&batch, &other, &[], &[]).await,
        Err(DENIED.into())
    );
}

#[tokio::test]
async fn encryption_context_constraints_allow_and_refuse() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let equals_key = new_key(&admin, None).await;
    let subset_key = new_key(&admin, None).await;
    for (key, equals) in [(&equals_key, true), (&subset_key, false)] {
        admin
            .create_grant()
            .key_id(key)
            .grantee_principal(role(A, "Batch"))
            .set_operations(Some(ops(&["Encrypt", "Decrypt", "DescribeKey"])))
            .constraints(constraint(equals, &[("Department", "IT")]))
            .send()
            .await
            .unwrap();
    }
    let it = [("Department", "IT")];
    let more = [("Department", "IT"), ("Project", "Atlas")];

    // EncryptionContextEquals: exactly that context; keys match case-insensitively.
    assert!(try_encrypt(&batch, &equals_key, &it, &[]).await.is_ok());
    assert!(
        try_encrypt(&batch, &equals_key, &[("department", "IT")], &[])
            .await
            .is_ok()
    );
    for refused in [&more[..], &[][..], &[("Department", "it")][..]] {
        assert_eq!(
            try_encrypt(&batch, &equals_key, refused, &[]).await,
            Err(DENIED.into()),
            "{refused:?}"
        );
    }
    // EncryptionContextSubset: that pair and any others.
    let blob = try_encrypt(&batch, &subset_key, &more, &[]).await.unwrap();
    assert!(try_encrypt(&batch, &subset_key, &it, &[]).await.is_ok());
    for refused in [&[("Project", "Atlas")][..], &[][..]] {
        assert_eq!(
            try_encrypt(&batch, &subset_key, refused, &[]).await,
            Err(DENIED.into())
        );
    }
    let decrypted = batch
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .set_encryption_context(common::ctx(&more))
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext.unwrap().as_ref(), b"x");
    // DescribeKey takes no encryption context: the constraint does not apply to it.
    batch
        .describe_key()
        .key_id(&equals_key)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_grant_token_works_on_another_node_before_the_grant_reaches_its_cache() {
    let world = World::start().await;
    // Node B has not read the change feed since it started, so its cache lags.
    let node_b = world.server.another_lagging_node(identities()).await;
    let admin_a = world.as_("admin");
    let admin_b = as_on(&node_b, "admin");
    let batch_b = as_on(&node_b, "batch");
    let key = new_key(&admin_a, None).await;
    // Node B caches the key (with no grant) by using it.
    try_encrypt(&admin_b, &key, &[], &[]).await.unwrap();

    let (grant_id, token) = grant(&admin_a, &key, &role(A, "Batch"), &["Encrypt"]).await;
    // Node B's cache does not know the grant yet; the token carries it.
    assert_eq!(
        try_encrypt(&batch_b, &key, &[], &[]).await,
        Err(DENIED.into())
    );
    assert!(try_encrypt(&batch_b, &key, &[], &[&token]).await.is_ok());
    // The token of one grant does not stretch to another operation.
    let e = fail(
        batch_b
            .generate_data_key()
            .key_id(&key)
            .number_of_bytes(32)
            .grant_tokens(&token)
            .send()
            .await,
    );
    assert_eq!(code(&e), DENIED);

    // Once revoked, the token stops working on every node at once.
    admin_a
        .revoke_grant()
        .key_id(&key)
        .grant_id(&grant_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        try_encrypt(&batch_b, &key, &[], &[&token]).await,
        Err(DENIED.into())
    );
    let batch_a = world.as_("batch");
    assert_eq!(
        try_encrypt(&batch_a, &key, &[], &[&token]).await,
        Err(DENIED.into())
    );

    // A malformed or forged token is refused outright, even for a caller the policy allows.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for bad in ["not-a-token", forged.as_str()] {
        assert_eq!(
            try_encrypt(&admin_b, &key, &[], &[bad]).await,
            Err("InvalidGrantTokenException".into()),
            "{bad}"
        );
    }
    drop(node_b);
}

#[tokio::test]
async fn a_grantee_in_another_account_uses_the_key_by_its_arn() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let carol = world.as_("carol");
    let key = new_key(&admin, None).await;
    let arn = key_arn(&key);
    // The default key policy trusts only account A; carol has no identity policy at all.
    assert_eq!(
        try_encrypt(&carol, &arn, &[], &[]).await,
        Err(DENIED.into())
    );
    let (_, token) = grant(&admin, &arn, &user(B, "carol"), &["Encrypt", "Decrypt"]).await;
    let blob = try_encrypt(&carol, &arn, &[], &[&token]).await.unwrap();
    assert!(try_encrypt(&carol, &arn, &[], &[]).await.is_ok());
    let plain = carol
        .decrypt()
        .ciphertext_blob(Blob::new(blob))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext.unwrap().as_ref(), b"x");
    // By key id, carol names a key of her own account, which does not exist.
    assert_eq!(
        try_encrypt(&carol, &key, &[], &[]).await,
        Err("NotFoundException".into())
    );
}

#[tokio::test]
async fn a_retry_with_the_same_name_returns_the_same_grant() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;
    let create = |operations: &[&str]| {
        admin
            .create_grant()
            .key_id(&key)
            .grantee_principal(role(A, "Batch"))
            .set_operations(Some(ops(operations)))
            .name("nightly-batch")
            .send()
    };
    let first = create(&["Encrypt"]).await.unwrap();
    let retry = create(&["Encrypt"]).await.unwrap();
    assert_eq!(first.grant_id, retry.grant_id);
    // Every token is different, and all of them work.
    assert_ne!(first.grant_token, retry.grant_token);
    for token in [&first.grant_token, &retry.grant_token] {
        let token = token.as_deref().unwrap();
        assert!(try_encrypt(&batch, &key, &[], &[token]).await.is_ok());
    }
    assert_eq!(grant_ids(&admin, &key).await.len(), 1);
    // The same name with other parameters is another grant.
    let other = create(&["Encrypt", "Decrypt"]).await.unwrap();
    assert_ne!(other.grant_id, first.grant_id);
    assert_eq!(grant_ids(&admin, &key).await.len(), 2);
    // Without a name, every request is a new grant.
    grant(&admin, &key, &role(A, "Batch"), &["Encrypt"]).await;
    grant(&admin, &key, &role(A, "Batch"), &["Encrypt"]).await;
    assert_eq!(grant_ids(&admin, &key).await.len(), 4);
}

#[tokio::test]
async fn create_grant_dry_run_says_so_or_gives_the_real_error() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = new_key(&admin, None).await;
    let dry = |kms: aws_sdk_kms::Client, operations: &'static [&'static str]| {
        let key = key.clone();
        async move {
            kms.create_grant()
                .key_id(key)
                .grantee_principal(role(A, "Batch"))
                .set_operations(Some(ops(operations)))
                .dry_run(true)
                .send()
                .await
        }
    };
    let e = fail(dry(admin.clone(), &["Encrypt"]).await);
    assert_eq!(code(&e), "DryRunOperationException");
    assert_eq!(
        message(&e),
        "The request would have succeeded, but the DryRun option is set."
    );
    let e = fail(dry(world.as_("mallory"), &["Encrypt"]).await);
    assert_eq!(code(&e), DENIED);
    let e = fail(dry(admin.clone(), &["Sign"]).await);
    assert_eq!(code(&e), "ValidationException");
    assert!(grant_ids(&admin, &key).await.is_empty());
}

#[tokio::test]
async fn create_grant_refuses_what_aws_refuses() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = new_key(&admin, None).await;
    let batch = role(A, "Batch");
    let create = |key: &str, grantee: &str, operations: &[&str]| {
        admin
            .create_grant()
            .key_id(key)
            .grantee_principal(grantee)
            .set_operations(Some(ops(operations)))
    };

    // Operations the key cannot perform.
    let e = fail(create(&key, &batch, &["Encrypt", "Sign"]).send().await);
    assert_eq!(code(&e), "ValidationException");
    assert!(
        message(&e).starts_with("Grant operation Sign is not valid for KMS key"),
        "{e:?}"
    );
    let signing = admin
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    let e = fail(create(&signing, &batch, &["Decrypt"]).send().await);
    assert_eq!(code(&e), "ValidationException");
    create(&signing, &batch, &["Sign", "Verify", "GetPublicKey"])
        .send()
        .await
        .unwrap();
    // Constraints only on a symmetric encryption key, only with operations that take an
    // encryption context (or DescribeKey and the grant operations).
    let e = fail(
        create(&signing, &batch, &["Sign"])
            .constraints(constraint(true, &[("a", "b")]))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");
    create(&key, &batch, &["Decrypt", "DescribeKey", "RetireGrant"])
        .constraints(constraint(false, &[("a", "b")]))
        .send()
        .await
        .unwrap();
    let nine: Vec<(String, String)> = (0..9).map(|i| (format!("k{i}"), "v".into())).collect();
    let nine: Vec<(&str, &str)> = nine.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let e = fail(
        create(&key, &batch, &["Decrypt"])
            .constraints(constraint(true, &nine))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");

    // Principals must be ARNs of an account, a user or a role.
    for bad in [
        "arn:aws:iam::111122223333:group/Admins",
        "111122223333",
        "arn:aws:iam::1:root",
    ] {
        let e = fail(create(&key, bad, &["Encrypt"]).send().await);
        assert_eq!(code(&e), "ValidationException", "{bad}");
    }
    let e = fail(
        create(&key, &batch, &["Encrypt"])
            .retiring_principal("arn:aws:iam::111122223333:nobody")
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");
    let e = fail(
        admin
            .create_grant()
            .key_id(&key)
            .set_operations(Some(ops(&["Encrypt"])))
            .send()
            .await,
    );
    assert_eq!(code(&e), "ValidationException");

    // Keys that do not exist, or cannot take grants now.
    let e = fail(
        create("1234abcd-12ab-34cd-56ef-1234567890ab", &batch, &["Encrypt"])
            .send()
            .await,
    );
    assert!(e.is_not_found_exception(), "{e:?}");
    admin.disable_key().key_id(&key).send().await.unwrap();
    create(&key, &batch, &["Encrypt"]).send().await.unwrap();
    admin
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let e = fail(create(&key, &batch, &["Encrypt"]).send().await);
    assert!(e.is_kms_invalid_state_exception(), "{e:?}");

    // A grant token that is not one is refused.
    let live = new_key(&admin, None).await;
    let e = fail(
        create(&live, &batch, &["Encrypt"])
            .grant_tokens("forged")
            .send()
            .await,
    );
    assert!(e.is_invalid_grant_token_exception(), "{e:?}");
    assert!(grant_ids(&admin, &live).await.is_empty());
}

#[tokio::test]
async fn a_grantee_may_hold_500_grants_on_a_key() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let key = new_key(&admin, None).await;
    for _ in 0..500 {
        grant(&admin, &key, &role(A, "Batch"), &["Encrypt"]).await;
    }
    let e = fail(
        admin
            .create_grant()
            .key_id(&key)
            .grantee_principal(role(A, "Batch"))
            .set_operations(Some(ops(&["Encrypt"])))
            .send()
            .await,
    );
    assert!(e.is_limit_exceeded_exception(), "{e:?}");
    // Another grantee is not held back.
    grant(&admin, &key, &user(A, "Ops"), &["Encrypt"]).await;
}

#[tokio::test]
async fn key_policy_conditions_decide_who_may_create_which_grants() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let keyadmin = world.as_("keyadmin");
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Allow","Principal":{{"AWS":"{ka}"}},"Action":"kms:CreateGrant","Resource":"*",
          "Condition":{{
            "ForAllValues:StringEquals":{{"kms:GrantOperations":["Encrypt","Decrypt"]}},
            "StringLike":{{"kms:GranteePrincipal":"arn:aws:iam::{A}:role/*"}},
            "Bool":{{"kms:GrantIsForAWSResource":"false"}}}}}}]}}"#,
        ka = role(A, "KeyAdmin")
    );
    let key = new_key(&admin, Some(&policy)).await;
    let create = |grantee: String, operations: &[&str]| {
        keyadmin
            .create_grant()
            .key_id(&key)
            .grantee_principal(grantee)
            .set_operations(Some(ops(operations)))
            .send()
    };
    create(role(A, "Batch"), &["Encrypt", "Decrypt"])
        .await
        .unwrap();
    let e = fail(create(role(A, "Batch"), &["Encrypt", "ReEncryptFrom"]).await);
    assert_eq!(code(&e), DENIED);
    assert_eq!(
        message(&e),
        format!(
            "User: {} is not authorized to perform: kms:CreateGrant on resource: {} because no \
             identity-based policy allows the kms:CreateGrant action",
            role(A, "KeyAdmin"),
            key_arn(&key)
        )
    );
    let e = fail(create(user(A, "mallory"), &["Encrypt"]).await);
    assert_eq!(code(&e), DENIED);

    // kms:GrantIsForAWSResource is false for every call to Trent: a policy that wants it true
    // refuses.
    let for_services = policy.replace(
        r#""kms:GrantIsForAWSResource":"false""#,
        r#""kms:GrantIsForAWSResource":"true""#,
    );
    let key = new_key(&admin, Some(&for_services)).await;
    let e = fail(
        keyadmin
            .create_grant()
            .key_id(&key)
            .grantee_principal(role(A, "Batch"))
            .set_operations(Some(ops(&["Encrypt"])))
            .send()
            .await,
    );
    assert_eq!(code(&e), DENIED);
}

#[tokio::test]
async fn a_grantee_may_create_grants_of_no_more_than_its_own() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let batch = world.as_("batch");
    let key = new_key(&admin, None).await;
    admin
        .create_grant()
        .key_id(&key)
        .grantee_principal(role(A, "Batch"))
        .set_operations(Some(ops(&["Encrypt", "Decrypt", "CreateGrant"])))
        .constraints(constraint(false, &[("Department", "IT")]))
        .send()
        .await
        .unwrap();
    let delegate = |operations: &[&str], c: Option<aws_sdk_kms::types::GrantConstraints>| {
        batch
            .create_grant()
            .key_id(&key)
            .grantee_principal(user(A, "Ops"))
            .set_operations(Some(ops(operations)))
            .set_constraints(c)
            .send()
    };
    // Fewer operations, the same or a stricter constraint.
    delegate(
        &["Decrypt"],
        Some(constraint(false, &[("Department", "IT")])),
    )
    .await
    .unwrap();
    delegate(
        &["Encrypt"],
        Some(constraint(
            true,
            &[("Department", "IT"), ("Project", "Atlas")],
        )),
    )
    .await
    .unwrap();
    // More operations, a looser constraint, or none at all: refused.
    let e = fail(
        delegate(
            &["GenerateDataKey"],
            Some(constraint(false, &[("Department", "IT")])),
        )
        .await,
    );
    assert_eq!(code(&e), DENIED);
    let e = fail(
        delegate(
            &["Decrypt"],
            Some(constraint(false, &[("Project", "Atlas")])),
        )
        .await,
    );
    assert_eq!(code(&e), DENIED);
    let e = fail(delegate(&["Decrypt"], None).await);
    assert_eq!(code(&e), DENIED);
    assert_eq!(grant_ids(&admin, &key).await.len(), 3);
}

#[tokio::test]
async fn encryption_context_conditions_read_the_grant_constraint() {
    let world = World::start().await;
    let admin = world.as_("admin");
    let keyadmin = world.as_("keyadmin");
    // AWS's example: grants only for the IT department's encryption context.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}},
        {{"Effect":"Allow","Principal":{{"AWS":"{ka}"}},"Action":"kms:CreateGrant","Resource":"*",
          "Condition":{{"StringEquals":{{"kms:EncryptionContext:Department":"IT"}},
            "ForAllValues:StringEquals":{{"kms:EncryptionContextKeys":["Department","Project"]}}}}}}]}}"#,
        ka = role(A, "KeyAdmin")
    );
    let key = new_key(&admin, Some(&policy)).await;
    let create = |c: Option<aws_sdk_kms::types::GrantConstraints>| {
        keyadmin
            .create_grant()
            .key_id(&key)
            .grantee_principal(role(A, "Batch"))
            .set_operations(Some(ops(&["Encrypt", "Decrypt"])))
            .set_constraints(c)
            .send()
    };
    create(Some(constraint(false, &[("Department", "IT")])))
        .await
        .unwrap();
    create(Some(constraint(
        true,
        &[("Department", "IT"), ("Project", "atlas")],
    )))
    .await
    .unwrap();
    for refused in [
        Some(constraint(false, &[("Department", "HR")])),
        Some(constraint(false, &[("Department", "IT"), ("Owner", "eve")])),
        None,
    ] {
        let e = fail(create(refused.clone()).await);
        assert_eq!(code(&e), DENIED, "{refused:?}");
    }
}
