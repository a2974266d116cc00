//! Whether one grant allows one request: pure, over values, so authorization can ask it of
//! every grant cached with a key.
//!
//! A grant allows a request when the caller is its grantee, the action is one of its
//! operations, it is on the key the request uses, and the request's encryption context
//! meets its constraints (for operations that take one: AWS ignores a constraint for an
//! operation without an encryption context, such as DescribeKey).

use std::collections::BTreeMap;

use trent_store::{GrantConstraints, GrantRecord};
use trent_types::{
    EncryptionContext, GrantOperation, KeyId, KeySpec, KeyUsage, PrincipalArn, Region,
};

/// What a grant is checked against: who asks, for which action, on which key, with which
/// encryption context (`None` when the request carries none).
#[derive(Clone, Copy, Debug)]
pub struct GrantRequest<'a> {
    pub principal: &'a PrincipalArn,
    /// The IAM action, `kms:Encrypt`.
    pub action: &'a str,
    pub region: &'a Region,
    pub key_id: &'a KeyId,
    pub context: Option<&'a EncryptionContext>,
}

/// Whether `grant` allows `request`.
pub fn allows(grant: &GrantRecord, request: &GrantRequest<'_>) -> bool {
    let Some(operation) = operation_of(request.action) else {
        return false;
    };
    grant.grantee == *request.principal
        && grant.region == *request.region
        && grant.key_id == *request.key_id
        && grant.operations.contains(&operation)
        && (!takes_encryption_context(operation)
            || constraints_met(&grant.constraints, request.context))
}

/// The grant operation an IAM action names, if grants can allow it at all.
pub fn operation_of(action: &str) -> Option<GrantOperation> {
    GrantOperation::parse(action.strip_prefix("kms:")?)
}

/// Operations with an encryption context, the only ones a grant constraint applies to (and
/// the only ones a grant with constraints may name, besides the grant operations
/// themselves).
pub fn takes_encryption_context(operation: GrantOperation) -> bool {
    matches!(
        operation,
        GrantOperation::Encrypt
            | GrantOperation::Decrypt
            | GrantOperation::GenerateDataKey
            | GrantOperation::GenerateDataKeyWithoutPlaintext
            | GrantOperation::GenerateDataKeyPair
            | GrantOperation::GenerateDataKeyPairWithoutPlaintext
            | GrantOperation::ReEncryptFrom
            | GrantOperation::ReEncryptTo
    )
}

/// Whether a grant on a key of `spec` and `usage` may allow `operation`: AWS refuses a grant
/// for an operation the key cannot perform (Sign on a symmetric encryption key, say).
pub fn valid_for_key(operation: GrantOperation, spec: KeySpec, usage: KeyUsage) -> bool {
    use GrantOperation as G;
    let symmetric = spec == KeySpec::SymmetricDefault;
    match operation {
        G::DescribeKey | G::CreateGrant | G::RetireGrant => true,
        G::Encrypt | G::Decrypt | G::ReEncryptFrom | G::ReEncryptTo => {
            usage == KeyUsage::EncryptDecrypt
        }
        G::GenerateDataKey
        | G::GenerateDataKeyWithoutPlaintext
        | G::GenerateDataKeyPair
        | G::GenerateDataKeyPairWithoutPlaintext => symmetric,
        G::Sign | G::Verify => usage == KeyUsage::SignVerify,
        G::GetPublicKey => !symmetric && usage != KeyUsage::GenerateVerifyMac,
        G::GenerateMac | G::VerifyMac => usage == KeyUsage::GenerateVerifyMac,
        G::DeriveSharedSecret => usage == KeyUsage::KeyAgreement,
        G::Encapsulate | G::Decapsulate => usage == KeyUsage::EncapsulateDecapsulate,
    }
}

/// Whether a grant with encryption-context constraints may name `operation`: one that takes
/// an encryption context, or one the constraint does not apply to (DescribeKey, and the
/// grant operations themselves).
pub fn constrainable(operation: GrantOperation) -> bool {
    takes_encryption_context(operation)
        || matches!(
            operation,
            GrantOperation::DescribeKey | GrantOperation::CreateGrant | GrantOperation::RetireGrant
        )
}

/// Whether a grantee whose permission to create grants comes from `parent` may create a grant
/// of `operations` with `constraints`: AWS lets it grant the same operations or fewer, with
/// an equally strict or stricter encryption-context constraint.
pub fn may_delegate(
    parent: &GrantRecord,
    operations: &[GrantOperation],
    constraints: &GrantConstraints,
) -> bool {
    let fewer = operations.iter().all(|op| parent.operations.contains(op));
    let within = |want: &BTreeMap<String, String>, have: &BTreeMap<String, String>| {
        want.iter()
            .all(|(k, v)| value_of(have, k).is_some_and(|found| found == v))
    };
    let same = |a: &BTreeMap<String, String>, b: &BTreeMap<String, String>| {
        a.len() == b.len() && within(a, b)
    };
    // EncryptionContextEquals: only the very same context.
    let equals_kept = parent.constraints.equals.as_ref().is_none_or(|parent_eq| {
        constraints
            .equals
            .as_ref()
            .is_some_and(|eq| same(parent_eq, eq))
    });
    // EncryptionContextSubset: the new grant requires at least those pairs, by either kind.
    let subset_kept = parent.constraints.subset.as_ref().is_none_or(|parent_sub| {
        constraints
            .subset
            .as_ref()
            .is_some_and(|sub| within(parent_sub, sub))
            || constraints
                .equals
                .as_ref()
                .is_some_and(|eq| within(parent_sub, eq))
    });
    fewer && equals_kept && subset_kept
}

/// EncryptionContextEquals: the context is exactly the grant's. EncryptionContextSubset:
/// every pair of the grant's is in the context, which may hold more. No context is an empty
/// one. As in AWS, a constraint's keys match case-insensitively and its values exactly
/// ("Using grant constraints").
fn constraints_met(constraints: &GrantConstraints, context: Option<&EncryptionContext>) -> bool {
    let empty = EncryptionContext::new();
    let context = context.unwrap_or(&empty).as_map();
    let has_all = |want: &BTreeMap<String, String>| {
        want.iter()
            .all(|(k, v)| value_of(context, k).is_some_and(|found| found == v))
    };
    let equals = constraints
        .equals
        .as_ref()
        .is_none_or(|want| want.len() == context.len() && has_all(want));
    let subset = constraints.subset.as_ref().is_none_or(has_all);
    equals && subset
}

/// The value of `key` in `context`, the key matched case-insensitively.
fn value_of<'c>(context: &'c BTreeMap<String, String>, key: &str) -> Option<&'c String> {
    context.get(key).or_else(|| {
        let lower = key.to_lowercase();
        context
            .iter()
            .find(|(k, _)| k.to_lowercase() == lower)
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use trent_types::{AccountId, GrantId, Timestamp};

    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .unwrap()
    }

    fn principal(name: &str) -> PrincipalArn {
        PrincipalArn::parse(&format!("arn:aws:iam::111122223333:{name}")).unwrap()
    }

    fn grant(constraints: GrantConstraints) -> GrantRecord {
        GrantRecord {
            region: Region::parse("us-east-1").unwrap(),
            key_id: KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
            grant_id: GrantId([1; 32]),
            name: None,
            grantee: principal("role/Batch"),
            retiring: None,
            operations: vec![
                GrantOperation::Encrypt,
                GrantOperation::Decrypt,
                GrantOperation::DescribeKey,
            ],
            constraints,
            issuing_account: AccountId::parse("111122223333").unwrap(),
            creation_date: Timestamp::from_millis(0),
            token_hash: [0; 32],
        }
    }

    fn check(
        g: &GrantRecord,
        who: &str,
        action: &str,
        context: Option<&EncryptionContext>,
    ) -> bool {
        allows(
            g,
            &GrantRequest {
                principal: &principal(who),
                action,
                region: &g.region,
                key_id: &g.key_id,
                context,
            },
        )
    }

    #[test]
    fn only_the_grantee_and_only_the_operations() {
        let g = grant(GrantConstraints::default());
        assert!(check(&g, "role/Batch", "kms:Encrypt", None));
        assert!(check(
            &g,
            "role/Batch",
            "kms:Decrypt",
            Some(&ctx(&[("a", "b")]))
        ));
        assert!(!check(&g, "role/Other", "kms:Encrypt", None));
        assert!(!check(&g, "role/Batch", "kms:GenerateDataKey", None));
        assert!(!check(&g, "role/Batch", "kms:ScheduleKeyDeletion", None));
        assert!(!check(&g, "role/Batch", "Encrypt", None));
    }

    #[test]
    fn another_key_is_not_covered() {
        let g = grant(GrantConstraints::default());
        let other = KeyId::parse("0987dcba-09fe-87dc-65ba-ab0987654321").unwrap();
        assert!(!allows(
            &g,
            &GrantRequest {
                principal: &principal("role/Batch"),
                action: "kms:Encrypt",
                region: &g.region,
                key_id: &other,
                context: None,
            }
        ));
    }

    #[test]
    fn encryption_context_equals_is_exact() {
        let g = grant(GrantConstraints {
            equals: Some(map(&[("Department", "IT")])),
            subset: None,
        });
        assert!(check(
            &g,
            "role/Batch",
            "kms:Encrypt",
            Some(&ctx(&[("Department", "IT")]))
        ));
        assert!(!check(
            &g,
            "role/Batch",
            "kms:Encrypt",
            Some(&ctx(&[("Department", "IT"), ("Project", "x")]))
        ));
        assert!(!check(
            &g,
            "role/Batch",
            "kms:Encrypt",
            Some(&ctx(&[("Department", "it")]))
        ));
        // Keys match case-insensitively, values exactly.
        assert!(check(
            &g,
            "role/Batch",
            "kms:Encrypt",
            Some(&ctx(&[("department", "IT")]))
        ));
        assert!(!check(&g, "role/Batch", "kms:Decrypt", None));
        // DescribeKey has no encryption context: the constraint does not apply.
        assert!(check(&g, "role/Batch", "kms:DescribeKey", None));
    }

    #[test]
    fn encryption_context_subset_allows_more_pairs() {
        let g = grant(GrantConstraints {
            equals: None,
            subset: Some(map(&[("Department", "IT")])),
        });
        assert!(check(
            &g,
            "role/Batch",
            "kms:Decrypt",
            Some(&ctx(&[("Department", "IT")]))
        ));
        assert!(check(
            &g,
            "role/Batch",
            "kms:Decrypt",
            Some(&ctx(&[("Department", "IT"), ("Project", "x")]))
        ));
        assert!(!check(
            &g,
            "role/Batch",
            "kms:Decrypt",
            Some(&ctx(&[("Project", "x")]))
        ));
        assert!(!check(&g, "role/Batch", "kms:Decrypt", None));
    }

    #[test]
    fn an_empty_subset_is_met_by_any_context() {
        let g = grant(GrantConstraints {
            equals: None,
            subset: Some(BTreeMap::new()),
        });
        assert!(check(&g, "role/Batch", "kms:Encrypt", None));
        assert!(check(
            &g,
            "role/Batch",
            "kms:Encrypt",
            Some(&ctx(&[("a", "b")]))
        ));
    }

    #[test]
    fn grant_operations_follow_the_key_type() {
        use GrantOperation as G;
        let sym = (KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt);
        let rsa = (KeySpec::Rsa2048, KeyUsage::EncryptDecrypt);
        let signing = (KeySpec::EccNistP256, KeyUsage::SignVerify);
        let hmac = (KeySpec::Hmac256, KeyUsage::GenerateVerifyMac);
        let ok = |op, (spec, usage): (KeySpec, KeyUsage)| valid_for_key(op, spec, usage);
        assert!(ok(G::GenerateDataKey, sym));
        assert!(!ok(G::Sign, sym));
        assert!(!ok(G::GetPublicKey, sym));
        assert!(ok(G::Encrypt, rsa));
        assert!(ok(G::GetPublicKey, rsa));
        assert!(!ok(G::GenerateDataKey, rsa));
        assert!(ok(G::Sign, signing));
        assert!(!ok(G::Decrypt, signing));
        assert!(ok(G::GenerateMac, hmac));
        assert!(!ok(G::GetPublicKey, hmac));
        assert!(ok(G::DescribeKey, hmac) && ok(G::RetireGrant, hmac) && ok(G::CreateGrant, sym));
        assert!(constrainable(G::Decrypt) && constrainable(G::DescribeKey));
        assert!(!constrainable(G::Sign) && !constrainable(G::GenerateMac));
    }

    #[test]
    fn a_grantee_delegates_no_more_than_its_grant() {
        use GrantOperation as G;
        let open = grant(GrantConstraints::default());
        assert!(may_delegate(
            &open,
            &[G::Encrypt],
            &GrantConstraints::default()
        ));
        assert!(!may_delegate(
            &open,
            &[G::GenerateDataKey],
            &GrantConstraints::default()
        ));
        let subset = grant(GrantConstraints {
            equals: None,
            subset: Some(map(&[("Dept", "IT")])),
        });
        let stricter = GrantConstraints {
            equals: None,
            subset: Some(map(&[("dept", "IT"), ("Project", "x")])),
        };
        assert!(may_delegate(&subset, &[G::Decrypt], &stricter));
        let exact = GrantConstraints {
            equals: Some(map(&[("Dept", "IT")])),
            subset: None,
        };
        assert!(may_delegate(&subset, &[G::Decrypt], &exact));
        assert!(!may_delegate(
            &subset,
            &[G::Decrypt],
            &GrantConstraints::default()
        ));
        let looser = GrantConstraints {
            equals: None,
            subset: Some(map(&[("Project", "x")])),
        };
        assert!(!may_delegate(&subset, &[G::Decrypt], &looser));
        let equals = grant(exact.clone());
        assert!(may_delegate(&equals, &[G::Decrypt], &exact));
        assert!(!may_delegate(&equals, &[G::Decrypt], &stricter));
    }

    #[test]
    fn actions_map_to_grant_operations() {
        assert_eq!(
            operation_of("kms:ReEncryptFrom"),
            Some(GrantOperation::ReEncryptFrom)
        );
        assert_eq!(operation_of("kms:ReEncrypt*"), None);
        assert_eq!(operation_of("kms:PutKeyPolicy"), None);
    }
}
