//! Finding the key a request names, and the shared pre-flight every key operation runs:
//! resolve, check existence, authorize, check state and usage — then, and only then, unseal.

use std::sync::Arc;

use trent_api::ErrorKind;
use trent_crypto::PreparedKey;
use trent_store::{KeyRecord, Store};
use trent_types::{AccountId, AliasArn, AliasName, KeyArn, KeyId, KeyRef, KeyRefError, Region};

use crate::cache::CachedKey;
use crate::ops::{Ctx, OpSpec};
use crate::{Caller, Error, Service, authz, state};

/// A key reference resolved to the key it names (which may not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub region: Region,
    /// The account the reference placed the key in: the ARN's, or the caller's.
    pub account: AccountId,
    pub key_id: KeyId,
}

impl Target {
    pub fn arn(&self) -> String {
        key_arn(&self.region, &self.account, &self.key_id)
    }
}

pub fn key_arn(region: &Region, account: &AccountId, key_id: &KeyId) -> String {
    KeyArn::new(region.clone(), account.clone(), key_id.clone()).to_string()
}

pub fn record_arn(record: &KeyRecord) -> String {
    key_arn(&record.region, &record.account, &record.key_id)
}

/// The error for a key that does not exist, worded as KMS words it.
pub fn key_not_found(arn: &str) -> Error {
    Error::not_found(format!("Key '{arn}' does not exist"))
}

fn alias_not_found(arn: &AliasArn) -> Error {
    Error::not_found(format!("Alias {arn} is not found."))
}

/// Parses a key reference as KMS reads one: malformed ARNs are `InvalidArnException`,
/// anything else that is not a key id or alias is `NotFoundException`.
pub fn parse_key_ref(s: &str) -> Result<KeyRef, Error> {
    KeyRef::parse(s).map_err(|e| match e {
        KeyRefError::InvalidArn(_) => Error::new(ErrorKind::InvalidArn, e.to_string()),
        KeyRefError::InvalidKeyId(_) => Error::not_found(e.to_string()),
    })
}

impl Service {
    /// Resolves a key reference in the caller's region. Aliases are looked up (cached).
    pub async fn resolve(&self, caller: &Caller, key_ref: &str) -> Result<Target, Error> {
        match parse_key_ref(key_ref)? {
            KeyRef::Id(key_id) => Ok(Target {
                region: caller.region.clone(),
                account: caller.account().clone(),
                key_id,
            }),
            KeyRef::Arn(arn) => {
                if arn.region != caller.region {
                    return Err(key_not_found(&arn.to_string()));
                }
                Ok(Target {
                    region: arn.region,
                    account: arn.account,
                    key_id: arn.key_id,
                })
            }
            KeyRef::Alias(name) => {
                let arn = AliasArn {
                    region: caller.region.clone(),
                    account: caller.account().clone(),
                    name,
                };
                self.resolve_alias(arn).await
            }
            KeyRef::AliasArn(arn) => {
                if arn.region != caller.region {
                    return Err(alias_not_found(&arn));
                }
                self.resolve_alias(arn).await
            }
        }
    }

    async fn resolve_alias(&self, arn: AliasArn) -> Result<Target, Error> {
        let cache_key = (arn.region.clone(), arn.account.clone(), arn.name.clone());
        let aliases = &self.inner.aliases;
        let key_id = match aliases.get(&cache_key) {
            Some(id) => id,
            None => {
                let ticket = aliases.ticket(&cache_key);
                let record = self
                    .store()
                    .alias(&arn.region, &arn.account, &arn.name)
                    .await?
                    .ok_or_else(|| alias_not_found(&arn))?;
                aliases.fill(cache_key, record.target_key_id.clone(), ticket);
                record.target_key_id
            }
        };
        Ok(Target {
            region: arn.region,
            account: arn.account,
            key_id,
        })
    }

    /// The stored record of the key a target names, read fresh from the store (for
    /// operations that change a key and must see its latest version).
    pub async fn key_record(&self, target: &Target) -> Result<KeyRecord, Error> {
        match self.store().key(&target.region, &target.key_id).await? {
            Some(r) if r.account == target.account => Ok(r),
            _ => Err(key_not_found(&target.arn())),
        }
    }

    /// Pre-flight for an operation that reads or changes a key's metadata: resolve, read the
    /// latest record, authorize, check the state.
    pub async fn preflight_record(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        key_ref: &str,
    ) -> Result<(KeyRecord, String), Error> {
        let caller = cx.caller;
        let target = self.resolve(caller, key_ref).await?;
        let record = self.key_record(&target).await?;
        let arn = record_arn(&record);
        // The audit event names the key whether or not the checks below pass.
        cx.touched(&arn);
        authz::authorize(caller, spec.action, Some((&record, &arn)))?;
        state::check(record.state, spec.key_states, &arn)?;
        check_usage(spec, &record, &arn)?;
        Ok((record, arn))
    }

    /// Pre-flight for a cryptographic operation: resolve, take the key from the cache (on a
    /// miss: read, authorize, and only then unseal and cache), authorize, check state and
    /// usage. On a cached key this reads nothing from the store.
    pub async fn preflight_crypto(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        target: &Target,
    ) -> Result<Arc<CachedKey>, Error> {
        let caller = cx.caller;
        let key = self.cached_key(caller, spec, target).await?;
        if key.record.account != target.account {
            return Err(key_not_found(&target.arn()));
        }
        // The audit event names the key whether or not the checks below pass.
        cx.touched(&key.arn);
        authz::authorize(caller, spec.action, Some((&key.record, &key.arn)))?;
        state::check(key.record.state, spec.key_states, &key.arn)?;
        check_usage(spec, &key.record, &key.arn)?;
        Ok(key)
    }

    async fn cached_key(
        &self,
        caller: &Caller,
        spec: &OpSpec,
        target: &Target,
    ) -> Result<Arc<CachedKey>, Error> {
        let cache_key = (target.region.clone(), target.key_id.clone());
        let keys = &self.inner.keys;
        if let Some(hit) = keys.get(&cache_key) {
            return Ok(hit);
        }
        let ticket = keys.ticket(&cache_key);
        let record = self.key_record(target).await?;
        let arn = record_arn(&record);
        // Authorize before unsealing: a caller who may not use the key never causes its
        // material to be opened.
        authz::authorize(caller, spec.action, Some((&record, &arn)))?;
        let sealed = self
            .store()
            .materials(&target.region, &target.key_id)
            .await?;
        let mut materials = Vec::with_capacity(sealed.len());
        for m in &sealed {
            let material = self
                .sealer()
                .unseal(&arn, &m.material_id, &m.sealed)
                .map_err(|e| Error::internal(format!("unsealing material of {arn}: {e}")))?;
            let key = PreparedKey::new(record.key_spec, record.key_usage, m.material_id, &material)
                .map_err(|e| Error::internal(format!("preparing material of {arn}: {e}")))?;
            materials.push((m.material_id, key));
        }
        let entry = Arc::new(CachedKey::new(record, arn, materials));
        keys.fill(cache_key, entry.clone(), ticket);
        Ok(entry)
    }

    /// Drops a key from the cache after a change to it was committed.
    pub(crate) fn invalidate_key(&self, region: &Region, key_id: &KeyId) {
        self.inner
            .keys
            .invalidate(&(region.clone(), key_id.clone()));
    }

    /// Drops an alias from the cache after a change to it was committed.
    pub(crate) fn invalidate_alias(&self, region: &Region, account: &AccountId, name: &AliasName) {
        self.inner
            .aliases
            .invalidate(&(region.clone(), account.clone(), name.clone()));
    }

    /// Drops every alias that points at a key (when the key is deleted).
    pub(crate) fn invalidate_aliases_of(&self, key_id: &KeyId) {
        self.inner
            .aliases
            .invalidate_where(|target| target == key_id);
    }
}

fn check_usage(spec: &OpSpec, record: &KeyRecord, arn: &str) -> Result<(), Error> {
    match spec.key_usages {
        Some(usages) if !usages.contains(&record.key_usage) => Err(Error::new(
            ErrorKind::InvalidKeyUsage,
            format!(
                "{arn} key usage is {} which is not valid for {}.",
                record.key_usage,
                spec.operation.name()
            ),
        )),
        _ => Ok(()),
    }
}

impl Service {
    /// Changes a key's record: pre-flight, apply `change`, store it if nobody changed the
    /// key meanwhile (retrying on a lost race), and drop the cached copy.
    pub async fn change_key(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        key_ref: &str,
        change: impl Fn(&mut KeyRecord, &str) -> Result<(), Error>,
    ) -> Result<(KeyRecord, String), Error> {
        const ATTEMPTS: usize = 8;
        for _ in 0..ATTEMPTS {
            let (mut record, arn) = self.preflight_record(cx, spec, key_ref).await?;
            change(&mut record, &arn)?;
            match self.store().update_key(&record).await {
                Ok(()) => {
                    self.invalidate_key(&record.region, &record.key_id);
                    record.version += 1;
                    return Ok((record, arn));
                }
                Err(trent_store::StoreError::Conflict) => continue,
                Err(trent_store::StoreError::NotFound) => return Err(key_not_found(&arn)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "The key was changed by another request at the same time. Retry the request.",
        ))
    }
}
