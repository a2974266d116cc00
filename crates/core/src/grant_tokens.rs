//! Grant tokens: what CreateGrant returns so a grant works at once, on any node, before it is
//! in any cache or listing ("Eventual consistency" in AWS's grant documentation).
//!
//! A token is self-contained and unforgeable: it carries its grant's facts, authenticated
//! with an HMAC-SHA-256 key derived from the store's data-encryption key (the sealer's
//! grant-token key), which every node that opens the store has and nothing stores.
//!
//! ```text
//! token = base64url( 0x01 | nonce (16 bytes) | facts (JSON) | HMAC(0x01 | nonce | facts) )
//! ```
//!
//! The nonce makes every token of a grant different (AWS: "the returned grant token is unique
//! with every CreateGrant request"); all of them are interchangeable. The stored grant keeps
//! the SHA-256 of its facts, so a token is matched to its grant without storing the token.
//!
//! When a request presents a token, its grant is decided by the store, read by grant id
//! (never from a cache):
//! - the grant is stored: the stored grant counts, if the token's facts are its facts;
//! - the grant was retired or revoked (the store remembers its id): the token counts for
//!   nothing — a token of a deleted grant stops working as soon as the deletion is committed;
//! - the store has never heard of it (a store that has not caught up with the one the grant
//!   was created in): the token's own facts count, as they are authenticated.
//!
//! A token that is not one of these (bad encoding, bad tag, another store's key) is
//! `InvalidGrantTokenException`. Tokens are never logged or audited.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use trent_api::ErrorKind;
use trent_crypto::token::{TAG_LEN, TokenKey, sha256};
use trent_store::{GrantConstraints, GrantRecord, Store};
use trent_types::{AccountId, GrantId, GrantOperation, KeyId, PrincipalArn, Region, Timestamp};

use crate::{Error, Service};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 16;

/// A grant's facts as a token carries them. Field order is the encoding order, so the same
/// grant always encodes alike (its hash is stored with it).
#[derive(Serialize, Deserialize)]
struct Facts {
    #[serde(rename = "i")]
    grant_id: String,
    #[serde(rename = "r")]
    region: String,
    #[serde(rename = "k")]
    key_id: String,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(rename = "g")]
    grantee: String,
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    retiring: Option<String>,
    #[serde(rename = "o")]
    operations: Vec<GrantOperation>,
    #[serde(rename = "c")]
    constraints: GrantConstraints,
    #[serde(rename = "a")]
    issuing_account: String,
    #[serde(rename = "d")]
    creation_date: i64,
}

/// The encoded facts of `grant`.
fn facts(grant: &GrantRecord) -> Result<Vec<u8>, Error> {
    let facts = Facts {
        grant_id: grant.grant_id.to_hex(),
        region: grant.region.as_str().to_owned(),
        key_id: grant.key_id.as_str().to_owned(),
        name: grant.name.clone(),
        grantee: grant.grantee.as_str().to_owned(),
        retiring: grant.retiring.as_ref().map(|p| p.as_str().to_owned()),
        operations: grant.operations.clone(),
        constraints: grant.constraints.clone(),
        issuing_account: grant.issuing_account.as_str().to_owned(),
        creation_date: grant.creation_date.millis(),
    };
    serde_json::to_vec(&facts).map_err(Error::internal)
}

/// The hash a stored grant keeps of its facts ([`GrantRecord::token_hash`]).
pub fn facts_hash(grant: &GrantRecord) -> Result<[u8; 32], Error> {
    Ok(sha256(&facts(grant)?))
}

/// A new token of `grant`.
pub fn issue(key: &TokenKey, grant: &GrantRecord) -> Result<String, Error> {
    let nonce = trent_crypto::random_bytes(NONCE_LEN).map_err(Error::internal)?;
    let mut bytes = Vec::with_capacity(1 + NONCE_LEN + 256 + TAG_LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(nonce.as_bytes());
    bytes.extend_from_slice(&facts(grant)?);
    let tag = key.tag(&bytes);
    bytes.extend_from_slice(&tag);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The grant a token carries, if `key` made it; its `token_hash` is the hash of the facts.
pub fn open(key: &TokenKey, token: &str) -> Result<GrantRecord, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    if bytes.len() < 1 + NONCE_LEN + TAG_LEN || bytes.first() != Some(&VERSION) {
        return Err(invalid());
    }
    let (signed, tag) = bytes.split_at(bytes.len() - TAG_LEN);
    if !key.verify(signed, tag) {
        return Err(invalid());
    }
    let payload = signed.get(1 + NONCE_LEN..).ok_or_else(invalid)?;
    let f: Facts = serde_json::from_slice(payload).map_err(|_| invalid())?;
    // Authenticated, so these parse unless the encoding changed under a live token.
    if f.operations.is_empty() {
        return Err(invalid());
    }
    let grant_id = GrantId::from_hex(&f.grant_id).ok_or_else(invalid)?;
    let region = Region::parse(&f.region).ok_or_else(invalid)?;
    let key_id = KeyId::parse(&f.key_id).ok_or_else(invalid)?;
    let grantee = PrincipalArn::parse(&f.grantee).ok_or_else(invalid)?;
    let retiring = match &f.retiring {
        Some(r) => Some(PrincipalArn::parse(r).ok_or_else(invalid)?),
        None => None,
    };
    let issuing_account = AccountId::parse(&f.issuing_account).ok_or_else(invalid)?;
    Ok(GrantRecord {
        region,
        key_id,
        grant_id,
        name: f.name,
        grantee,
        retiring,
        operations: f.operations,
        constraints: f.constraints,
        issuing_account,
        creation_date: Timestamp::from_millis(f.creation_date),
        token_hash: sha256(payload),
    })
}

fn invalid() -> Error {
    Error::new(ErrorKind::InvalidGrantToken, "Invalid grant token.")
}

/// What the store says of a token's grant.
#[derive(Debug)]
pub enum TokenGrant {
    /// The stored grant.
    Stored(GrantRecord),
    /// Retired or revoked: the token counts for nothing.
    Retired,
    /// Not in the store yet: the token's authenticated facts.
    Unseen(GrantRecord),
}

impl Service {
    /// What the store says of the grant of `token`; `InvalidGrantTokenException` if the token
    /// is not one this store's key made, or does not match its stored grant.
    pub async fn token_grant(&self, token: &str) -> Result<TokenGrant, Error> {
        let carried = open(self.sealer().grant_token_key(), token)?;
        match self
            .store()
            .grant(&carried.region, &carried.grant_id)
            .await?
        {
            Some(stored) if stored.token_hash == carried.token_hash => {
                Ok(TokenGrant::Stored(stored))
            }
            Some(_) => Err(invalid()),
            None if self
                .store()
                .grant_retired(&carried.region, &carried.grant_id)
                .await? =>
            {
                Ok(TokenGrant::Retired)
            }
            None => Ok(TokenGrant::Unseen(carried)),
        }
    }

    /// The grants the request's grant tokens stand for, to be weighed with the key's stored
    /// grants. Every token must be valid, whether or not it is needed.
    pub async fn token_grants(
        &self,
        tokens: &[trent_api::SecretString],
    ) -> Result<Vec<GrantRecord>, Error> {
        let mut grants = Vec::with_capacity(tokens.len());
        for token in tokens {
            match self.token_grant(token.as_str()).await? {
                TokenGrant::Stored(g) | TokenGrant::Unseen(g) => grants.push(g),
                TokenGrant::Retired => {}
            }
        }
        Ok(grants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> GrantRecord {
        let mut g = GrantRecord {
            region: Region::parse("us-east-1").unwrap(),
            key_id: KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
            grant_id: GrantId([0xab; 32]),
            name: Some("nightly".into()),
            grantee: PrincipalArn::parse("arn:aws:iam::111122223333:role/Batch").unwrap(),
            retiring: None,
            operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
            constraints: GrantConstraints::default(),
            issuing_account: AccountId::parse("111122223333").unwrap(),
            creation_date: Timestamp::from_millis(1_718_000_000_000),
            token_hash: [0; 32],
        };
        g.token_hash = facts_hash(&g).unwrap();
        g
    }

    fn key() -> TokenKey {
        TokenKey::derive(&[1; 32], b"trent grant token v1").unwrap()
    }

    #[test]
    fn a_token_carries_its_grant_and_each_is_different() {
        let g = grant();
        let a = issue(&key(), &g).unwrap();
        let b = issue(&key(), &g).unwrap();
        assert_ne!(a, b);
        assert_eq!(open(&key(), &a).unwrap(), g);
        assert_eq!(open(&key(), &b).unwrap(), g);
    }

    #[test]
    fn forged_altered_or_foreign_tokens_are_refused() {
        let token = issue(&key(), &grant()).unwrap();
        let other = TokenKey::derive(&[2; 32], b"trent grant token v1").unwrap();
        let kind = |t: &str, k: &TokenKey| open(k, t).unwrap_err().kind();
        assert_eq!(kind(&token, &other), ErrorKind::InvalidGrantToken);
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 1;
        let altered = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(kind(&altered, &key()), ErrorKind::InvalidGrantToken);
        assert_eq!(kind("not a token", &key()), ErrorKind::InvalidGrantToken);
        assert_eq!(kind("", &key()), ErrorKind::InvalidGrantToken);
        assert_eq!(
            kind(&URL_SAFE_NO_PAD.encode([1u8; 40]), &key()),
            ErrorKind::InvalidGrantToken
        );
    }

    async fn service(dir: &std::path::Path) -> (Service, crate::Background) {
        let mut opts = crate::ServiceOptions::new(dir);
        opts.job_interval = std::time::Duration::from_secs(3600);
        Service::start(opts).await.unwrap()
    }

    #[tokio::test]
    async fn the_store_decides_a_token_and_only_its_own_tokens_count() {
        let temp = tempfile::tempdir().unwrap();
        let (svc, _jobs) = service(&temp.path().join("one")).await;
        let (other, _other_jobs) = service(&temp.path().join("two")).await;
        let g = grant();
        // A grant the store has not seen (a store behind the one it was created in): the
        // token's authenticated facts stand.
        let token = issue(svc.sealer().grant_token_key(), &g).unwrap();
        match svc.token_grant(&token).await.unwrap() {
            TokenGrant::Unseen(carried) => assert_eq!(carried, g),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            svc.token_grants(&[trent_api::SecretString::new(token.clone())])
                .await
                .unwrap(),
            [g]
        );
        // Another store's data-encryption key made it: not a token here.
        let foreign = issue(other.sealer().grant_token_key(), &grant()).unwrap();
        let e = svc.token_grant(&foreign).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidGrantToken);
        // One bad token spoils the request.
        let tokens = [token, foreign].map(trent_api::SecretString::new);
        let e = svc.token_grants(&tokens).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidGrantToken);
    }
}
