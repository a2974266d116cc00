//! Authentication: from a signed request to a [`Caller`], or to the error AWS would give.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use trent_api::{ApiError, ErrorKind};
use trent_core::{Caller, Credential, Service};
use trent_types::Region;

use crate::sigv4::{self, AuthError, ParsedAuth, RequestParts, SigningKey};

/// Derived SigV4 signing keys, per (access key, date, region): a day's requests from one
/// client cost one HMAC each instead of five.
#[derive(Default)]
pub struct SigningKeys {
    keys: RwLock<HashMap<(String, String, String), Arc<SigningKey>>>,
}

/// Distinct (access key, date, region) triples kept before the cache starts over.
const MAX_SIGNING_KEYS: usize = 4096;

impl SigningKeys {
    fn key(&self, credential: &Credential, parsed: &ParsedAuth<'_>) -> Arc<SigningKey> {
        let id = (
            credential.access_key_id.clone(),
            parsed.date().to_owned(),
            parsed.region().to_owned(),
        );
        if let Some(k) = self.keys.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return k.clone();
        }
        let key = Arc::new(SigningKey::derive(
            credential.secret(),
            parsed.date(),
            parsed.region(),
            parsed.service(),
        ));
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        if keys.len() >= MAX_SIGNING_KEYS {
            keys.clear();
        }
        keys.insert(id, key.clone());
        key
    }
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys(..)")
    }
}

/// What the request claimed about itself, known even when authentication fails.
#[derive(Debug, Default)]
pub struct Claimed {
    pub access_key_id: Option<String>,
    pub region: Option<String>,
}

/// Verifies the request's signature against the deployment's credentials. An access key the
/// server does not hold in memory costs at most one bounded store lookup
/// ([`Service::credential`]).
#[allow(clippy::too_many_arguments)]
pub async fn authenticate(
    svc: &Service,
    signing_keys: &SigningKeys,
    req: &RequestParts<'_>,
    now_ms: i64,
    source_ip: IpAddr,
    user_agent: &str,
    request_id: &str,
    claimed: &mut Claimed,
) -> Result<Caller, ApiError> {
    let parsed = sigv4::parse(req, sigv4::KMS_SERVICE).map_err(to_api)?;
    claimed.access_key_id = Some(parsed.access_key_id().to_owned());
    claimed.region = Some(parsed.region().to_owned());
    if parsed.security_token_present() {
        // Trent issues no session tokens, so none can be valid.
        return Err(to_api(AuthError::UnrecognizedClient));
    }
    let credential = svc
        .credential(parsed.access_key_id())
        .await
        .ok_or_else(|| to_api(AuthError::UnrecognizedClient))?;
    parsed.check_time(now_ms).map_err(to_api)?;
    let region = Region::parse(parsed.region()).ok_or_else(|| {
        to_api(AuthError::IncompleteSignature(
            "Credential should be scoped to a valid region.".to_owned(),
        ))
    })?;
    let key = signing_keys.key(&credential, &parsed);
    sigv4::verify(&parsed, req, &key, now_ms).map_err(to_api)?;
    Ok(Caller {
        principal: credential.principal.arn.clone(),
        identity: credential.principal.clone(),
        access_key_id: credential.access_key_id.clone(),
        region,
        source_ip,
        user_agent: user_agent.to_owned(),
        secure_transport: false,
        request_id: request_id.to_owned(),
    })
}

fn to_api(e: AuthError) -> ApiError {
    let kind = match e {
        AuthError::MissingAuthenticationToken => ErrorKind::MissingAuthenticationToken,
        AuthError::IncompleteSignature(_) => ErrorKind::IncompleteSignature,
        AuthError::UnrecognizedClient => ErrorKind::UnrecognizedClient,
        _ => ErrorKind::InvalidSignature,
    };
    ApiError::new(kind, e.to_string())
}
