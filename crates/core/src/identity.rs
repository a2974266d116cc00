//! Principals and their access keys.
//!
//! The server looks a request's access key up here on every call, so the table lives in
//! memory; it is built from configuration at startup.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use trent_types::PrincipalArn;
use zeroize::Zeroizing;

/// An access key: its id, the principal it belongs to, and the secret SigV4 signs with.
pub struct Credential {
    pub access_key_id: String,
    pub principal: PrincipalArn,
    secret: Zeroizing<String>,
}

impl Credential {
    pub fn new(access_key_id: String, principal: PrincipalArn, secret: String) -> Self {
        Self {
            access_key_id,
            principal,
            secret: Zeroizing::new(secret),
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
            .field("principal", &self.principal.as_str())
            .finish_non_exhaustive()
    }
}

/// Every access key the deployment accepts.
#[derive(Debug, Default, Clone)]
pub struct Identities {
    by_access_key: HashMap<String, Arc<Credential>>,
}

impl Identities {
    /// The out-of-the-box identity: account 111122223333, user `admin`, access key `test`
    /// with secret `test`.
    pub fn default_local() -> Self {
        let mut ids = Self::default();
        #[allow(clippy::expect_used)] // A literal that the unit test below parses.
        let principal = PrincipalArn::parse(DEFAULT_PRINCIPAL).expect("default principal");
        ids.insert(Credential::new("test".into(), principal, "test".into()));
        ids
    }

    pub fn insert(&mut self, credential: Credential) {
        self.by_access_key
            .insert(credential.access_key_id.clone(), Arc::new(credential));
    }

    pub fn credential(&self, access_key_id: &str) -> Option<&Arc<Credential>> {
        self.by_access_key.get(access_key_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Credential>> {
        self.by_access_key.values()
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
        assert_eq!(c.principal.as_str(), "arn:aws:iam::111122223333:user/admin");
        assert_eq!(c.secret(), b"test");
        assert!(!format!("{c:?}").contains("secret"));
        assert!(ids.credential("nope").is_none());
    }
}
