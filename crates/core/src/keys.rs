//! Finding the key a request names, and the shared pre-flight every key operation runs:
//! resolve, check existence, authorize, check state and usage — then, and only then, unseal.
//!
//! Authorization reads the key's policy (parsed), tags and aliases with its record: from the
//! key cache on the hot path, from the store for operations that read or change metadata
//! ([`KeyView`]). A change to any of them invalidates the cached key.

use std::sync::Arc;

use trent_api::ErrorKind;
use trent_crypto::PreparedKey;
use trent_policy::Policy;
use trent_store::{GrantRecord, KeyRecord, Store, Tag};
use trent_types::{
    AccountId, AliasArn, AliasName, GrantId, KeyArn, KeyId, KeyRef, KeyRefError,
    MultiRegionKeyType, Origin, Region,
};

use crate::authz::{self, Conditions, KeyFacts, MAX_RESOURCE_ALIASES};
use crate::cache::CachedKey;
use crate::ops::{Ctx, OpSpec};
use crate::{Caller, Error, Service, state};

/// A key reference resolved to the key it names (which may not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub region: Region,
    /// The account the reference placed the key in: the ARN's, or the caller's.
    pub account: AccountId,
    pub key_id: KeyId,
    /// The alias the request named the key by, if it did (`kms:RequestAlias`).
    pub alias: Option<AliasName>,
}

/// A key read fresh from the store with what authorization needs of it.
#[derive(Debug)]
pub struct KeyView {
    pub record: KeyRecord,
    pub arn: String,
    pub policy: Option<Arc<Policy>>,
    pub tags: Vec<Tag>,
    pub aliases: Option<Vec<AliasName>>,
    pub grants: Vec<GrantRecord>,
    pub multi_region_type: Option<MultiRegionKeyType>,
}

impl KeyView {
    pub fn facts(&self) -> KeyFacts<'_> {
        KeyFacts {
            record: &self.record,
            arn: &self.arn,
            policy: self.policy.as_deref(),
            tags: &self.tags,
            aliases: self.aliases.as_deref(),
            grants: &self.grants,
            multi_region_type: self.multi_region_type,
        }
    }
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
                alias: None,
            }),
            KeyRef::Arn(arn) => {
                if arn.region != caller.region {
                    return Err(key_not_found(&arn.to_string()));
                }
                Ok(Target {
                    region: arn.region,
                    account: arn.account,
                    key_id: arn.key_id,
                    alias: None,
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
            alias: Some(arn.name),
        })
    }

    /// The key a ciphertext blob names, in whichever account owns it: key ids are unique in
    /// a region, and a blob of another account's key decrypts when both accounts' policies
    /// allow it, as in AWS.
    pub async fn blob_target(&self, region: &Region, key_id: KeyId) -> Result<Target, Error> {
        let cached = self.inner.keys.get(&(region.clone(), key_id.clone()));
        let account = match cached {
            Some(key) => key.record.account.clone(),
            None => match self.store().key(region, &key_id).await? {
                Some(record) => record.account,
                None => return Err(Error::not_found("The ciphertext names no key")),
            },
        };
        Ok(Target {
            region: region.clone(),
            account,
            key_id,
            alias: None,
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

    /// The key a target names with its policy, tags and aliases, read fresh from the store.
    /// The policy is parsed unless the key cache holds the same document parsed already.
    pub async fn key_view(&self, target: &Target) -> Result<KeyView, Error> {
        let record = self.key_record(target).await?;
        let arn = record_arn(&record);
        let tags = self.store().tags(&record.region, &record.key_id).await?;
        let aliases = self.key_aliases(&record).await?;
        let grants = self.key_grants(&record).await?;
        let multi_region_type = self.multi_region_type(&record).await?;
        let cached = self
            .inner
            .keys
            .get(&(record.region.clone(), record.key_id.clone()));
        let policy = match cached {
            Some(c) if c.record.policy == record.policy => c.policy.clone(),
            _ => parse_stored_policy(&record.policy, &arn),
        };
        Ok(KeyView {
            record,
            arn,
            policy,
            tags,
            aliases,
            grants,
            multi_region_type,
        })
    }

    /// PRIMARY or REPLICA for a multi-Region key, read from its set of related keys; `None`
    /// for any other key (no store read).
    async fn multi_region_type(
        &self,
        record: &KeyRecord,
    ) -> Result<Option<MultiRegionKeyType>, Error> {
        if !record.multi_region {
            return Ok(None);
        }
        let set = self.store().multi_region_keys(&record.key_id).await?;
        Ok(set.map(|set| {
            if set.primary_region == record.region {
                MultiRegionKeyType::Primary
            } else {
                MultiRegionKeyType::Replica
            }
        }))
    }

    /// Every grant on a key, for authorization.
    async fn key_grants(&self, record: &KeyRecord) -> Result<Vec<GrantRecord>, Error> {
        let mut grants = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store()
                .list_grants(&record.region, &record.key_id, None, after.as_ref(), 1000)
                .await?;
            after = page.items.last().map(|g| g.grant_id);
            grants.extend(page.items);
            if !page.more {
                return Ok(grants);
            }
        }
    }

    /// A key's aliases for `kms:ResourceAliases`; `None` past AWS's quota.
    async fn key_aliases(&self, record: &KeyRecord) -> Result<Option<Vec<AliasName>>, Error> {
        let page = self
            .store()
            .list_aliases(
                &record.region,
                &record.account,
                Some(&record.key_id),
                None,
                MAX_RESOURCE_ALIASES,
            )
            .await?;
        Ok((!page.more).then(|| page.items.into_iter().map(|a| a.name).collect()))
    }

    /// Pre-flight for an operation that reads or changes a key's metadata: resolve, read the
    /// latest record, authorize, check the state.
    pub async fn preflight_record(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        key_ref: &str,
        conditions: &Conditions<'_>,
    ) -> Result<(KeyRecord, String), Error> {
        let target = self.resolve(cx.caller, key_ref).await?;
        let view = self.preflight_view(cx, spec, &target, conditions).await?;
        Ok((view.record, view.arn))
    }

    /// [`Self::preflight_record`], keeping what authorization read.
    pub async fn preflight_key(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        key_ref: &str,
        conditions: &Conditions<'_>,
    ) -> Result<KeyView, Error> {
        let target = self.resolve(cx.caller, key_ref).await?;
        self.preflight_view(cx, spec, &target, conditions).await
    }

    /// [`Self::preflight_record`] for a resolved target, keeping what authorization read.
    pub async fn preflight_view(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        target: &Target,
        conditions: &Conditions<'_>,
    ) -> Result<KeyView, Error> {
        let view = self.authorize_view(cx, spec, target, conditions).await?;
        state::check(view.record.state, spec.key_states, &view.arn)?;
        check_usage(spec, &view.record, &view.arn)?;
        Ok(view)
    }

    /// Reads a key fresh and authorizes the action on it, whatever its state (for the key an
    /// alias points at now, which UpdateAlias and DeleteAlias must be allowed on too).
    pub async fn authorize_view(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        target: &Target,
        conditions: &Conditions<'_>,
    ) -> Result<KeyView, Error> {
        let view = self.key_view(target).await?;
        // The audit event names the key whether or not the checks below pass.
        cx.touched(&view.arn);
        let tokens = self.request_token_grants(cx).await?;
        self.authorize(cx, spec, view.facts(), &tokens, target, conditions)?;
        Ok(view)
    }

    /// The grants of the request's grant tokens (none without tokens: no store read).
    pub(crate) async fn request_token_grants(
        &self,
        cx: &Ctx<'_>,
    ) -> Result<Vec<GrantRecord>, Error> {
        if cx.grant_tokens.is_empty() {
            return Ok(Vec::new());
        }
        self.token_grants(&cx.grant_tokens).await
    }

    /// Decides the action on a key, its grants weighed with `tokens`' grants.
    fn authorize(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        facts: KeyFacts<'_>,
        tokens: &[GrantRecord],
        target: &Target,
        conditions: &Conditions<'_>,
    ) -> Result<(), Error> {
        let now = self.clock().now();
        let alias = target.alias.as_ref();
        if tokens.is_empty() {
            return authz::authorize_key(cx.caller, spec, &facts, alias, conditions, now);
        }
        let grants: Vec<GrantRecord> = facts.grants.iter().chain(tokens).cloned().collect();
        let facts = KeyFacts {
            grants: &grants,
            ..facts
        };
        authz::authorize_key(cx.caller, spec, &facts, alias, conditions, now)
    }

    /// Pre-flight for a cryptographic operation: resolve, take the key from the cache (on a
    /// miss: read, authorize, and only then unseal and cache), authorize, check state and
    /// usage. On a cached key this reads nothing from the store.
    pub async fn preflight_crypto(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        target: &Target,
        conditions: &Conditions<'_>,
    ) -> Result<Arc<CachedKey>, Error> {
        let tokens = self.request_token_grants(cx).await?;
        let (key, authorized) = self
            .cached_key(cx, spec, target, conditions, &tokens)
            .await?;
        if key.record.account != target.account {
            return Err(key_not_found(&target.arn()));
        }
        // The audit event names the key whether or not the checks below pass.
        cx.touched(&key.arn);
        let now = self.clock().now();
        if !authorized {
            self.authorize(cx, spec, key.facts(), &tokens, target, conditions)?;
        }
        // Expired imported material is refused at once, before the job deletes it.
        state::check(key.state_at(now), spec.key_states, &key.arn)?;
        check_usage(spec, &key.record, &key.arn)?;
        Ok(key)
    }

    /// The cached key, and whether this call already authorized the request (on a miss,
    /// before unsealing).
    async fn cached_key(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        target: &Target,
        conditions: &Conditions<'_>,
        tokens: &[GrantRecord],
    ) -> Result<(Arc<CachedKey>, bool), Error> {
        let cache_key = (target.region.clone(), target.key_id.clone());
        let keys = &self.inner.keys;
        if let Some(hit) = keys.get(&cache_key) {
            return Ok((hit, false));
        }
        let ticket = keys.ticket(&cache_key);
        let view = self.key_view(target).await?;
        // Authorize before unsealing: a caller who may not use the key never causes its
        // material to be opened.
        cx.touched(&view.arn);
        self.authorize(cx, spec, view.facts(), tokens, target, conditions)?;
        let KeyView {
            record,
            arn,
            policy,
            tags,
            aliases,
            grants,
            multi_region_type,
        } = view;
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
        let expires = if record.origin == Origin::External {
            let imported = self
                .store()
                .imported_materials(&target.region, &target.key_id)
                .await?;
            crate::import::key_expiry(&imported)
        } else {
            None
        };
        let entry = Arc::new(
            CachedKey::new(record, arn, materials, policy, tags, aliases, grants)
                .expiring(expires)
                .multi_region(multi_region_type),
        );
        keys.fill(cache_key, entry.clone(), ticket);
        Ok((entry, true))
    }

    /// Decides an action on no key (CreateKey, ListKeys, ListAliases, GenerateRandom) from
    /// the caller's identity policies, on resource `*`.
    pub fn authorize_without_key(
        &self,
        cx: &Ctx<'_>,
        action: &str,
        conditions: &Conditions<'_>,
    ) -> Result<(), Error> {
        let now = self.clock().now();
        authz::authorize_identity(cx.caller, action, "*", true, conditions, now)
    }

    /// Decides an action on an alias (CreateAlias, UpdateAlias, DeleteAlias need it on the
    /// alias as well as on the key) from the caller's identity policies: no key policy names
    /// an alias.
    pub fn authorize_alias(
        &self,
        cx: &Ctx<'_>,
        action: &str,
        name: &AliasName,
    ) -> Result<(), Error> {
        let arn = AliasArn {
            region: cx.caller.region.clone(),
            account: cx.caller.account().clone(),
            name: name.clone(),
        }
        .to_string();
        let now = self.clock().now();
        authz::authorize_identity(cx.caller, action, &arn, true, &Conditions::NONE, now)
    }

    /// The grant `id` of a key; `NotFoundException` if the key has no such grant.
    pub async fn key_grant(&self, record: &KeyRecord, id: &GrantId) -> Result<GrantRecord, Error> {
        match self.store().grant(&record.region, id).await? {
            Some(g) if g.key_id == record.key_id => Ok(g),
            _ => Err(Error::not_found(format!(
                "Grant ID {id} not found for KMS key {}",
                record_arn(record)
            ))),
        }
    }

    /// The record of a grant's key, if it still exists.
    pub async fn store_key(&self, grant: &GrantRecord) -> Result<Option<KeyRecord>, Error> {
        Ok(self.store().key(&grant.region, &grant.key_id).await?)
    }

    /// Retires or revokes a grant: deleted (and remembered as retired, so its tokens stop
    /// working), and its key dropped from the cache so the grant stops applying at once.
    pub async fn delete_grant(&self, grant: &GrantRecord) -> Result<(), Error> {
        let now = self.clock().now();
        match self
            .store()
            .delete_grant(&grant.region, &grant.grant_id, now)
            .await
        {
            Ok(()) => {}
            Err(trent_store::StoreError::NotFound) => {
                return Err(Error::not_found(format!(
                    "Grant ID {} not found",
                    grant.grant_id
                )));
            }
            Err(e) => return Err(e.into()),
        }
        self.invalidate_key(&grant.region, &grant.key_id);
        Ok(())
    }

    /// Drops a key from the cache after a change to it was committed.
    pub(crate) fn invalidate_key(&self, region: &Region, key_id: &KeyId) {
        self.inner
            .keys
            .invalidate(&(region.clone(), key_id.clone()));
    }

    /// Drops every region's copy of a key (a multi-Region key's set changed).
    pub(crate) fn invalidate_key_everywhere(&self, key_id: &KeyId) {
        self.inner
            .keys
            .invalidate_where(|cached| cached.record.key_id == *key_id);
    }

    /// Drops every cached key and alias.
    pub(crate) fn forget_all(&self) {
        self.inner.keys.invalidate_where(|_| true);
        self.inner.aliases.invalidate_where(|_| true);
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
        conditions: &Conditions<'_>,
        change: impl Fn(&mut KeyRecord, &str) -> Result<(), Error>,
    ) -> Result<(KeyRecord, String), Error> {
        self.change_key_viewed(cx, spec, key_ref, conditions, |record, view| {
            change(record, &view.arn)
        })
        .await
    }

    /// [`Self::change_key`] for a change that needs what the pre-flight read of the key (its
    /// tags and aliases, for PutKeyPolicy's lockout check).
    pub async fn change_key_viewed(
        &self,
        cx: &Ctx<'_>,
        spec: &OpSpec,
        key_ref: &str,
        conditions: &Conditions<'_>,
        change: impl Fn(&mut KeyRecord, &KeyView) -> Result<(), Error>,
    ) -> Result<(KeyRecord, String), Error> {
        const ATTEMPTS: usize = 8;
        let target = self.resolve(cx.caller, key_ref).await?;
        for _ in 0..ATTEMPTS {
            let view = self.preflight_view(cx, spec, &target, conditions).await?;
            let mut record = view.record.clone();
            change(&mut record, &view)?;
            let arn = view.arn;
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

/// Parses a stored key policy. Every policy Trent stores parsed when it was set; one that
/// does not (a store written by hand) allows nothing, and says so in the log.
fn parse_stored_policy(text: &str, arn: &str) -> Option<Arc<Policy>> {
    match Policy::parse_key_policy(text) {
        Ok(p) => Some(Arc::new(p)),
        Err(e) => {
            tracing::warn!(key = arn, error = %e, "stored key policy does not parse");
            None
        }
    }
}
