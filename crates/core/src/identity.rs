//! Principals, their identity policies and tags, and their access keys.
//!
//! The server looks a request's access key up here on every call, so the table lives in
//! memory; it is built from configuration and from the store ([`crate::directory`] keeps it
//! current). A [`Principal`] is what authorization
//! knows of the caller besides its ARN: the IAM identity policies attached to it (parsed once,
//! here) and its principal tags (`aws:PrincipalTag/*`). Several access keys may belong to one
//! principal; they share one `Arc<Principal>`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use trent_policy::{Policy, PolicyError};
use trent_types::PrincipalArn;
use zeroize::Zeroizing;

/// AWS's `AdministratorAccess` managed policy: every action on every resource. The
/// out-of-the-box `admin` user carries it.
pub const ADMINISTRATOR_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// A principal as authorization sees it.
#[derive(Debug)]
pub struct Principal {
    pub arn: PrincipalArn,
    /// Its identity (IAM) policies. None: it may do only what key policies grant it by name.
    pub policies: Vec<Policy>,
    /// Its tags, for `aws:PrincipalTag/KEY`. Tag keys are case-insensitive in conditions.
    pub tags: BTreeMap<String, String>,
    /// `aws:userid`: the account id for the root; for a user, a unique id in AWS's format
    /// (`AIDA` and 17 characters); for a role, its unique id and the role name
    /// (`AROA...:NAME`, as an assumed-role session's). Derived from the ARN, so stable.
    pub user_id: String,
}

impl Principal {
    /// A principal with no identity policy and no tag.
    pub fn new(arn: PrincipalArn) -> Self {
        let user_id = derived_user_id(&arn);
        Self {
            arn,
            policies: Vec::new(),
            tags: BTreeMap::new(),
            user_id,
        }
    }

    /// Attaches an identity policy, given as its JSON document.
    pub fn with_policy(mut self, json: &str) -> Result<Self, PolicyError> {
        self.policies.push(Policy::parse_identity_policy(json)?);
        Ok(self)
    }

    pub fn with_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// A unique id of AWS's shape for a principal, derived from its ARN (FNV-1a, then the
/// base-32 alphabet IAM ids use).
fn derived_user_id(arn: &PrincipalArn) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    if arn.identity_type() == "Root" {
        return arn.account().as_str().to_owned();
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in arn.as_str().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut id = String::with_capacity(40);
    id.push_str(if arn.identity_type() == "AssumedRole" {
        "AROA"
    } else {
        "AIDA"
    });
    // 17 characters of 5 bits: the 64 bits of the hash, then the hash of the hash.
    let mut bits = h;
    for i in 0..17 {
        if i == 12 {
            bits = h.rotate_left(29) ^ 0x9e37_79b9_7f4a_7c15;
        }
        id.push(char::from(ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    if arn.identity_type() == "AssumedRole" {
        id.push(':');
        id.push_str(arn.name().unwrap_or_default());
    }
    id
}

/// An access key: its id, the principal it belongs to, and the secret SigV4 signs with.
pub struct Credential {
    pub access_key_id: String,
    pub principal: Arc<Principal>,
    secret: Zeroizing<String>,
}

impl Credential {
    pub fn new(access_key_id: String, principal: Arc<Principal>, secret: String) -> Self {
        Self::from_secret(access_key_id, principal, Zeroizing::new(secret))
    }

    pub fn from_secret(
        access_key_id: String,
        principal: Arc<Principal>,
        secret: Zeroizing<String>,
    ) -> Self {
        Self {
            access_key_id,
            principal,
            secret,
        }
    }

    /// The secret access key, for deriving a SigV4 signing key and nothing else.
    pub fn secret(&self) -> &[u8] {
        self.secret.as_bytes()
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key_id", &self.access_key_id)
            .field("principal", &self.principal.arn.as_str())
            .finish_non_exhaustive()
    }
}

/// Every access key the deployment accepts.
#[derive(Debug, Default, Clone)]
pub struct Identities {
    by_access_key: HashMap<String, Arc<Credential>>,
}

impl Identities {
    /// The out-of-the-box identity: account 111122223333, user `admin` with AWS's
    /// AdministratorAccess policy, access key `test` with secret `test`.
    pub fn default_local() -> Self {
        let mut ids = Self::default();
        #[allow(clippy::expect_used)] // Literals that the unit test below parses.
        let principal =
            Principal::new(PrincipalArn::parse(DEFAULT_PRINCIPAL).expect("default principal"))
                .with_policy(ADMINISTRATOR_ACCESS)
                .expect("AdministratorAccess parses");
        ids.add("test", "test", &Arc::new(principal));
        ids
    }

    pub fn insert(&mut self, credential: Credential) {
        self.by_access_key
            .insert(credential.access_key_id.clone(), Arc::new(credential));
    }

    /// Adds an access key of `principal`.
    pub fn add(
        &mut self,
        access_key_id: impl Into<String>,
        secret: impl Into<String>,
        principal: &Arc<Principal>,
    ) {
        self.insert(Credential::new(
            access_key_id.into(),
            principal.clone(),
            secret.into(),
        ));
    }

    pub fn credential(&self, access_key_id: &str) -> Option<&Arc<Credential>> {
        self.by_access_key.get(access_key_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Credential>> {
        self.by_access_key.values()
    }

    pub fn len(&self) -> usize {
        self.by_access_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_access_key.is_empty()
    }
}

pub const DEFAULT_PRINCIPAL: &str = "arn:aws:iam::111122223333:user/admin";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_identity() {
        let ids = Identities::default_local();
        let c = ids.credential("test").unwrap();
        assert_eq!(
            c.principal.arn.as_str(),
            "arn:aws:iam::111122223333:user/admin"
        );
        assert_eq!(c.principal.policies.len(), 1);
        assert_eq!(c.secret(), b"test");
        assert!(!format!("{c:?}").contains("secret"));
        assert!(ids.credential("nope").is_none());
    }

    #[test]
    fn access_keys_share_their_principal() {
        let arn = PrincipalArn::parse("arn:aws:iam::444455556666:user/alice").unwrap();
        let alice = Arc::new(
            Principal::new(arn)
                .with_policy(ADMINISTRATOR_ACCESS)
                .unwrap()
                .with_tag("team", "blue"),
        );
        let mut ids = Identities::default();
        ids.add("AKIA1", "secret-one", &alice);
        ids.add("AKIA2", "secret-two", &alice);
        let one = ids.credential("AKIA1").unwrap();
        let two = ids.credential("AKIA2").unwrap();
        assert!(Arc::ptr_eq(&one.principal, &two.principal));
        assert_eq!(two.principal.tags["team"], "blue");
    }

    #[test]
    fn user_ids_have_aws_shapes() {
        let user = Principal::new(PrincipalArn::parse(DEFAULT_PRINCIPAL).unwrap());
        assert!(user.user_id.starts_with("AIDA"), "{}", user.user_id);
        assert_eq!(user.user_id.len(), 21);
        let again = Principal::new(PrincipalArn::parse(DEFAULT_PRINCIPAL).unwrap());
        assert_eq!(user.user_id, again.user_id);
        let role =
            Principal::new(PrincipalArn::parse("arn:aws:iam::111122223333:role/Ops").unwrap());
        assert!(role.user_id.starts_with("AROA"), "{}", role.user_id);
        assert!(role.user_id.ends_with(":Ops"), "{}", role.user_id);
        let root = Principal::new(PrincipalArn::parse("arn:aws:iam::111122223333:root").unwrap());
        assert_eq!(root.user_id, "111122223333");
    }

    #[test]
    fn a_malformed_identity_policy_is_refused() {
        let arn = PrincipalArn::parse(DEFAULT_PRINCIPAL).unwrap();
        assert!(Principal::new(arn.clone()).with_policy("{").is_err());
        // A principal in an identity policy is an error, as IAM says.
        let named = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
        assert!(Principal::new(arn).with_policy(named).is_err());
    }
}
