//! Where Trent keeps what must outlive the process: keys, their sealed material (and, for
//! imported material, its import state and expiry), aliases,
//! tags, grants, each key's last use, identities (principals, their sealed access keys and
//! identity policies), and the audit trail.
//!
//! This crate owns the [`Store`] trait — narrow, typed, one method per question or change,
//! every multi-record change atomic inside one method — the records it speaks in, the
//! conformance suite every backend passes ([`conformance`]), and the backends themselves
//! (`sqlite`, the embedded default). Each backend owns its SQL and its migrations.
//!
//! It must never see plaintext key material (records carry only sealed blobs), never decide
//! policy or key-state rules (that is `trent-core`), and never log a record's contents.

pub mod conformance;
mod identity_records;
mod records;
pub mod sqlite;

use std::future::Future;
use std::sync::Arc;

pub use identity_records::{
    AccessKeyCreated, AccessKeyRecord, AccessKeyStatus, IdentityPolicyRecord, PrincipalKind,
    PrincipalRecord, StoredIdentities,
};
pub use records::{
    AliasRecord, AuditRecord, AutoRotation, ChainHash, Change, GrantConstraints, GrantCreated,
    GrantLimits, GrantRecord, ImportedMaterialRecord, KeyRecord, KeyUseRecord, MaterialRecord,
    MaterialState, MultiRegionKeys, NewAuditRecord, Page, StoreError, Tag,
};
pub use sqlite::SqliteStore;
use trent_types::{
    AccountId, AliasName, GrantId, KeyId, MaterialId, PrincipalArn, Region, Timestamp,
};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage every backend provides. Methods are async and cancellation-safe: a change is
/// either committed entirely or not at all, and a method that returned `Ok` is durable.
pub trait Store: Send + Sync + 'static {
    // ---- keys -------------------------------------------------------------------------

    /// Inserts a new key with its first material and its tags, atomically. A multi-Region
    /// key (`key.multi_region`) becomes the primary of a new set of related keys.
    /// `Conflict` if a key with that id already exists in the region, or (multi-Region) in
    /// any region.
    fn create_key(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        tags: &[Tag],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The key with this id in this region, whichever account owns it.
    fn key(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Option<KeyRecord>>> + Send;

    /// Replaces the mutable fields of a key (description, state, deletion date, pending
    /// window, policy, current material, automatic rotation) if its stored `version` equals `key.version`; the
    /// stored version becomes `key.version + 1`. The other fields keep their stored values.
    /// `NotFound` if the key is gone, `Conflict` if the version moved.
    fn update_key(&self, key: &KeyRecord) -> impl Future<Output = Result<()>> + Send;

    /// Removes a key with everything that belongs to it (materials, aliases, tags; for the
    /// last of a set of related multi-Region keys, the set). `NotFound` if there is no such
    /// key.
    fn delete_key(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Keys of one account in one region ordered by key id, the first `limit` after `after`.
    fn list_keys(
        &self,
        region: &Region,
        account: &AccountId,
        after: Option<&KeyId>,
        limit: usize,
    ) -> impl Future<Output = Result<Page<KeyRecord>>> + Send;

    /// Keys in state PendingDeletion whose deletion date is at or before `now`, any region.
    fn keys_due_for_deletion(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<(Region, KeyId)>>> + Send;

    /// Enabled keys with automatic rotation whose next rotation date is at or before `now`,
    /// any region.
    fn keys_due_for_rotation(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<(Region, KeyId)>>> + Send;

    // ---- key material -----------------------------------------------------------------

    /// Every material of a key, oldest first.
    fn materials(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Vec<MaterialRecord>>> + Send;

    /// Rotates a key, atomically: the key's mutable fields are replaced as by
    /// [`Store::update_key`] (same version check), its materials become NON_CURRENT, and
    /// `material` is added. `material` must belong to the key and be CURRENT, and `key` must
    /// name it as its current material. `NotFound` if the key is gone, `Conflict` if its
    /// version moved or the material id is taken; nothing changes then.
    fn rotate_key(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    // ---- imported key material --------------------------------------------------------

    /// Inserts a new key that has no material yet (origin EXTERNAL, PendingImport) with its
    /// tags, atomically; a multi-Region one becomes the primary of its own set, as in
    /// `create_key`. `Conflict` if a key with that id already exists in the region, or a
    /// multi-Region key id names a set already.
    fn create_key_without_material(
        &self,
        key: &KeyRecord,
        tags: &[Tag],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Every material ever imported into a key, first imported first.
    fn imported_materials(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Vec<ImportedMaterialRecord>>> + Send;

    /// Imports material, atomically: the key's mutable fields are replaced as by
    /// [`Store::update_key`] (same version check), `imported` is stored (replacing the row of
    /// the same material id), and `material`, its sealed bytes, is stored (replacing any).
    /// Both must name the same key and material. `NotFound` if the key is gone, `Conflict`
    /// if its version moved; nothing changes then.
    fn import_material(
        &self,
        key: &KeyRecord,
        imported: &ImportedMaterialRecord,
        material: &MaterialRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Removes an imported material's sealed bytes from each of `keys` that holds it (one
    /// key, or related multi-Region keys), atomically with replacing each key's mutable
    /// fields (same version check as [`Store::update_key`], so a key that does not hold it
    /// still refuses a change made since it was read): the material stays associated with
    /// each key as PENDING_IMPORT with no expiry, or with `forget`, is dropped altogether (a
    /// PENDING_ROTATION material never made current). All of them or, on any error, none:
    /// `NotFound` if a key is gone or none of them holds the material, `Conflict` if a key's
    /// version moved.
    fn remove_imported_materials(
        &self,
        keys: &[KeyRecord],
        material_id: &MaterialId,
        forget: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Makes the PENDING_ROTATION material of each of `keys` (one key, or a multi-Region
    /// primary and its replicas) current at `now` (RotateKeyOnDemand on an imported key),
    /// atomically with replacing each key's mutable fields (same version check), which must
    /// name it as current: the previous current material becomes NON_CURRENT. All of them
    /// or, on any error, none: `NotFound` if a key or its pending material is gone,
    /// `Conflict` if a key's version moved.
    fn rotate_imported_materials(
        &self,
        keys: &[KeyRecord],
        now: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Imported materials whose expiry is at or before `now`, any region.
    fn imported_materials_expired(
        &self,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<(Region, KeyId, MaterialId)>>> + Send;

    // ---- multi-Region keys --------------------------------------------------------------

    /// The related keys of a multi-Region key id in every region, and which is the primary;
    /// `None` if no multi-Region key has this id.
    fn multi_region_keys(
        &self,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Option<MultiRegionKeys>>> + Send;

    /// Inserts a replica of a multi-Region key with its materials (every material of the
    /// primary, sealed for the replica) and its tags, atomically, provided `primary` is still
    /// the stored primary of that key id, at the version the caller read (so no rotation
    /// slipped in between). The primary's version moves on as by [`Store::update_key`] (its
    /// other fields are written as given), so a change of the primary that read it before —
    /// a rotation, which must reach the new replica — is refused. `NotFound` if the primary
    /// is gone; `Conflict` if a key with that id exists in the replica's region, if the
    /// primary changed or is no longer the primary; nothing changes then.
    fn create_replica_key(
        &self,
        primary: &KeyRecord,
        replica: &KeyRecord,
        materials: &[MaterialRecord],
        tags: &[Tag],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Rotates several keys (a multi-Region key and its replicas) together, each as by
    /// [`Store::rotate_key`]: all of them or, on any error, none.
    fn rotate_keys(
        &self,
        rotations: &[(KeyRecord, MaterialRecord)],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Makes `new_primary` the primary of its multi-Region key in place of `old_primary`, and
    /// replaces both keys' mutable fields as by [`Store::update_key`], atomically.
    /// `NotFound` if either key is gone; `Conflict` if either version moved, if the two are
    /// not related keys, or if `old_primary` is no longer the primary; nothing changes then.
    fn update_primary_region(
        &self,
        old_primary: &KeyRecord,
        new_primary: &KeyRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Keys in state PendingReplicaDeletion that no longer have any related key, any region.
    fn keys_awaiting_replica_deletion(
        &self,
    ) -> impl Future<Output = Result<Vec<(Region, KeyId)>>> + Send;

    // ---- last use -----------------------------------------------------------------------

    /// Keeps, for each key, the later of the use stored and the use given (by `time`; a tie
    /// goes to the one given), atomically. Uses of keys that no longer exist are dropped.
    fn record_key_uses(&self, uses: &[KeyUseRecord]) -> impl Future<Output = Result<()>> + Send;

    /// The last use stored for a key, if any.
    fn key_use(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Option<KeyUseRecord>>> + Send;

    // ---- aliases ----------------------------------------------------------------------

    /// `Conflict` if the alias exists in that account and region; `NotFound` if its target
    /// key does not exist.
    fn create_alias(&self, alias: &AliasRecord) -> impl Future<Output = Result<()>> + Send;

    fn alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> impl Future<Output = Result<Option<AliasRecord>>> + Send;

    /// Points an existing alias at another key and sets its last-updated date.
    /// `NotFound` if the alias or the target key does not exist.
    fn update_alias(&self, alias: &AliasRecord) -> impl Future<Output = Result<()>> + Send;

    /// `NotFound` if there is no such alias.
    fn delete_alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Aliases of one account in one region ordered by name, optionally only those
    /// pointing at `key_id`, the first `limit` after `after`.
    fn list_aliases(
        &self,
        region: &Region,
        account: &AccountId,
        key_id: Option<&KeyId>,
        after: Option<&AliasName>,
        limit: usize,
    ) -> impl Future<Output = Result<Page<AliasRecord>>> + Send;

    // ---- tags -------------------------------------------------------------------------

    /// A key's tags ordered by tag key.
    fn tags(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> impl Future<Output = Result<Vec<Tag>>> + Send;

    /// Adds or overwrites tags (by tag key) on an existing key, atomically.
    /// `NotFound` if the key does not exist.
    fn put_tags(
        &self,
        region: &Region,
        key_id: &KeyId,
        tags: &[Tag],
    ) -> impl Future<Output = Result<()>> + Send;

    /// Removes the tags with these keys; absent keys are ignored.
    /// `NotFound` if the key does not exist.
    fn remove_tags(
        &self,
        region: &Region,
        key_id: &KeyId,
        tag_keys: &[String],
    ) -> impl Future<Output = Result<()>> + Send;

    // ---- grants -----------------------------------------------------------------------

    /// Stores a grant on an existing key, unless (atomically checked) a grant of that key with
    /// the same name and the same terms exists (see [`GrantRecord::same_terms`]), or the key
    /// holds `limits.per_key` grants already, or its grantee holds `limits.per_grantee` grants
    /// on the key already. `NotFound` if the key does not exist, `Conflict` if the grant id is
    /// taken.
    fn create_grant(
        &self,
        grant: &GrantRecord,
        limits: GrantLimits,
    ) -> impl Future<Output = Result<GrantCreated>> + Send;

    /// The grant with this id in this region, whichever key it is on.
    fn grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
    ) -> impl Future<Output = Result<Option<GrantRecord>>> + Send;

    /// Grants of one key ordered by grant id, optionally only those for `grantee`, the first
    /// `limit` after `after`.
    fn list_grants(
        &self,
        region: &Region,
        key_id: &KeyId,
        grantee: Option<&PrincipalArn>,
        after: Option<&GrantId>,
        limit: usize,
    ) -> impl Future<Output = Result<Page<GrantRecord>>> + Send;

    /// Grants in one region, on any key, that `retiring` may retire, ordered by grant id,
    /// the first `limit` after `after`.
    fn list_retirable_grants(
        &self,
        region: &Region,
        retiring: &PrincipalArn,
        after: Option<&GrantId>,
        limit: usize,
    ) -> impl Future<Output = Result<Page<GrantRecord>>> + Send;

    /// Removes a grant (retired or revoked) and remembers, in the same transaction, that it
    /// was removed at `retired` (see [`Self::grant_retired`]). `NotFound` if there is no such
    /// grant.
    fn delete_grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
        retired: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Whether the grant with this id in this region was retired or revoked: a grant token
    /// outlives its grant, and this is how it is refused afterwards. A grant removed with its
    /// key (the key deleted) is not remembered: its key is gone, and the token with it.
    fn grant_retired(
        &self,
        region: &Region,
        grant_id: &GrantId,
    ) -> impl Future<Output = Result<bool>> + Send;

    // ---- identities ---------------------------------------------------------------------
    //
    // Every change below also bumps the identity generation, in the same transaction, so a
    // server learns with one cheap read whether its in-memory table is stale.

    /// Stores a new principal. `Conflict` if its ARN exists, or if its account has a
    /// principal of the same kind whose name equals this one ignoring ASCII case.
    fn create_principal(
        &self,
        principal: &PrincipalRecord,
    ) -> impl Future<Output = Result<()>> + Send;

    fn principal(
        &self,
        arn: &PrincipalArn,
    ) -> impl Future<Output = Result<Option<PrincipalRecord>>> + Send;

    /// Principals ordered by ARN: all, or one account's.
    fn list_principals(
        &self,
        account: Option<&AccountId>,
    ) -> impl Future<Output = Result<Vec<PrincipalRecord>>> + Send;

    /// Removes a principal. `NotFound` if there is none; `Conflict` (and nothing changes) if
    /// it still has access keys or identity policies.
    fn delete_principal(&self, arn: &PrincipalArn) -> impl Future<Output = Result<()>> + Send;

    /// Stores an access key of an existing principal unless (atomically checked) the
    /// principal holds `max_per_principal` keys already. `NotFound` if the principal does not
    /// exist, `Conflict` if the access key id is taken.
    fn create_access_key(
        &self,
        key: &AccessKeyRecord,
        max_per_principal: usize,
    ) -> impl Future<Output = Result<AccessKeyCreated>> + Send;

    fn access_key(
        &self,
        access_key_id: &str,
    ) -> impl Future<Output = Result<Option<AccessKeyRecord>>> + Send;

    /// Access keys ordered by access key id: all, or one principal's.
    fn list_access_keys(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> impl Future<Output = Result<Vec<AccessKeyRecord>>> + Send;

    /// `NotFound` if there is no such access key.
    fn set_access_key_status(
        &self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> impl Future<Output = Result<()>> + Send;

    /// `NotFound` if there is no such access key.
    fn delete_access_key(&self, access_key_id: &str) -> impl Future<Output = Result<()>> + Send;

    /// Attaches a policy to an existing principal, replacing the principal's policy of the
    /// same name if there is one (as IAM's PutUserPolicy does); returns whether it replaced
    /// one. `NotFound` if the principal does not exist.
    fn put_identity_policy(
        &self,
        policy: &IdentityPolicyRecord,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// `NotFound` if the principal has no policy of that name.
    fn delete_identity_policy(
        &self,
        principal: &PrincipalArn,
        name: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Identity policies ordered by principal and name: all, or one principal's.
    fn identity_policies(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> impl Future<Output = Result<Vec<IdentityPolicyRecord>>> + Send;

    /// A counter that every change to identities increases. Equal values mean nothing
    /// changed in between.
    fn identity_generation(&self) -> impl Future<Output = Result<i64>> + Send;

    /// Every principal, access key and identity policy with the generation, read as one
    /// consistent snapshot.
    fn identities(&self) -> impl Future<Output = Result<StoredIdentities>> + Send;

    // ---- settings -----------------------------------------------------------------------

    /// A small named value of the deployment (the wrapped data-encryption key, say).
    fn setting(&self, name: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    /// Stores `value` under `name` unless one is there already; returns what is stored
    /// afterwards, so concurrent first starts agree on one value.
    fn init_setting(
        &self,
        name: &str,
        value: &[u8],
    ) -> impl Future<Output = Result<Vec<u8>>> + Send;

    // ---- audit --------------------------------------------------------------------------

    /// Appends events after the last stored one, in order, atomically: each gets the next
    /// `seq` and the hash `chain` gives over its predecessor's hash and its JSON. Appends are
    /// serialized with every other writer of the store, other processes included, so any
    /// number of nodes extend one unbroken chain. Returns the last `seq` appended (`None` for
    /// no events). The events are shared, not borrowed, so that a backend may hand them to
    /// another thread and a caller may offer them again after a failure, without a copy.
    fn append_audit(
        &self,
        events: Arc<[NewAuditRecord]>,
        chain: ChainHash,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;

    /// The last stored event, if any.
    fn last_audit(&self) -> impl Future<Output = Result<Option<AuditRecord>>> + Send;

    /// Where the stored trail starts: the `seq` and hash of the last event pruned, or `None`
    /// while nothing was (the first event then is 1, chained to 32 zero bytes).
    fn audit_anchor(&self) -> impl Future<Output = Result<Option<(i64, [u8; 32])>>> + Send;

    /// Deletes the oldest events, every event before the first one at or after `before`
    /// (all of them when none is), and makes the last one deleted the trail's anchor, in one
    /// transaction; later appends go on chaining from it. Returns how many it deleted.
    fn prune_audit(&self, before: Timestamp) -> impl Future<Output = Result<u64>> + Send;

    /// Events with `seq > after`, in order, at most `limit`.
    fn list_audit(
        &self,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditRecord>>> + Send;

    // ---- the change feed -----------------------------------------------------------------

    /// The changes committed after the one numbered `after`, oldest first, at most `limit`.
    /// Every write to a key, its materials, tags, grants or multi-Region set, and to an
    /// alias, appears here, whoever made it.
    fn changes_since(
        &self,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Change>>> + Send;

    /// The number of the last change ever committed (0 before the first).
    fn last_change(&self) -> impl Future<Output = Result<i64>> + Send;

    /// Forgets every change but the last `keep`; returns how many it forgot.
    fn prune_changes(&self, keep: u64) -> impl Future<Output = Result<u64>> + Send;

    /// Whether the store answers (for `/ready`).
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
}

/// The backend a deployment chose, as one concrete type the service can hold.
#[derive(Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
}

/// How many reads and writes a store has run since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryCounts {
    pub reads: u64,
    pub writes: u64,
}

impl AnyStore {
    pub fn counts(&self) -> QueryCounts {
        match self {
            Self::Sqlite(s) => s.counts(),
        }
    }
}

impl From<SqliteStore> for AnyStore {
    fn from(store: SqliteStore) -> Self {
        Self::Sqlite(store)
    }
}

/// Forwards one call to whichever backend `self` holds; a new backend is one arm here.
macro_rules! delegate {
    ($self:ident . $method:ident ( $($arg:expr),* $(,)? )) => {
        match $self {
            AnyStore::Sqlite(store) => store.$method($($arg),*).await,
        }
    };
}

impl Store for AnyStore {
    async fn create_key(
        &self,
        key: &KeyRecord,
        material: &MaterialRecord,
        tags: &[Tag],
    ) -> Result<()> {
        delegate!(self.create_key(key, material, tags))
    }

    async fn key(&self, region: &Region, key_id: &KeyId) -> Result<Option<KeyRecord>> {
        delegate!(self.key(region, key_id))
    }

    async fn update_key(&self, key: &KeyRecord) -> Result<()> {
        delegate!(self.update_key(key))
    }

    async fn delete_key(&self, region: &Region, key_id: &KeyId) -> Result<()> {
        delegate!(self.delete_key(region, key_id))
    }

    async fn list_keys(
        &self,
        region: &Region,
        account: &AccountId,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<Page<KeyRecord>> {
        delegate!(self.list_keys(region, account, after, limit))
    }

    async fn keys_due_for_deletion(&self, now: Timestamp) -> Result<Vec<(Region, KeyId)>> {
        delegate!(self.keys_due_for_deletion(now))
    }

    async fn keys_due_for_rotation(&self, now: Timestamp) -> Result<Vec<(Region, KeyId)>> {
        delegate!(self.keys_due_for_rotation(now))
    }

    async fn materials(&self, region: &Region, key_id: &KeyId) -> Result<Vec<MaterialRecord>> {
        delegate!(self.materials(region, key_id))
    }

    async fn rotate_key(&self, key: &KeyRecord, material: &MaterialRecord) -> Result<()> {
        delegate!(self.rotate_key(key, material))
    }

    async fn create_key_without_material(&self, key: &KeyRecord, tags: &[Tag]) -> Result<()> {
        delegate!(self.create_key_without_material(key, tags))
    }

    async fn imported_materials(
        &self,
        region: &Region,
        key_id: &KeyId,
    ) -> Result<Vec<ImportedMaterialRecord>> {
        delegate!(self.imported_materials(region, key_id))
    }

    async fn import_material(
        &self,
        key: &KeyRecord,
        imported: &ImportedMaterialRecord,
        material: &MaterialRecord,
    ) -> Result<()> {
        delegate!(self.import_material(key, imported, material))
    }

    async fn remove_imported_materials(
        &self,
        keys: &[KeyRecord],
        material_id: &MaterialId,
        forget: bool,
    ) -> Result<()> {
        delegate!(self.remove_imported_materials(keys, material_id, forget))
    }

    async fn rotate_imported_materials(&self, keys: &[KeyRecord], now: Timestamp) -> Result<()> {
        delegate!(self.rotate_imported_materials(keys, now))
    }

    async fn imported_materials_expired(
        &self,
        now: Timestamp,
    ) -> Result<Vec<(Region, KeyId, MaterialId)>> {
        delegate!(self.imported_materials_expired(now))
    }

    async fn multi_region_keys(&self, key_id: &KeyId) -> Result<Option<MultiRegionKeys>> {
        delegate!(self.multi_region_keys(key_id))
    }

    async fn create_replica_key(
        &self,
        primary: &KeyRecord,
        replica: &KeyRecord,
        materials: &[MaterialRecord],
        tags: &[Tag],
    ) -> Result<()> {
        delegate!(self.create_replica_key(primary, replica, materials, tags))
    }

    async fn rotate_keys(&self, rotations: &[(KeyRecord, MaterialRecord)]) -> Result<()> {
        delegate!(self.rotate_keys(rotations))
    }

    async fn update_primary_region(
        &self,
        old_primary: &KeyRecord,
        new_primary: &KeyRecord,
    ) -> Result<()> {
        delegate!(self.update_primary_region(old_primary, new_primary))
    }

    async fn keys_awaiting_replica_deletion(&self) -> Result<Vec<(Region, KeyId)>> {
        delegate!(self.keys_awaiting_replica_deletion())
    }

    async fn record_key_uses(&self, uses: &[KeyUseRecord]) -> Result<()> {
        delegate!(self.record_key_uses(uses))
    }

    async fn key_use(&self, region: &Region, key_id: &KeyId) -> Result<Option<KeyUseRecord>> {
        delegate!(self.key_use(region, key_id))
    }

    async fn create_alias(&self, alias: &AliasRecord) -> Result<()> {
        delegate!(self.create_alias(alias))
    }

    async fn alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> Result<Option<AliasRecord>> {
        delegate!(self.alias(region, account, name))
    }

    async fn update_alias(&self, alias: &AliasRecord) -> Result<()> {
        delegate!(self.update_alias(alias))
    }

    async fn delete_alias(
        &self,
        region: &Region,
        account: &AccountId,
        name: &AliasName,
    ) -> Result<()> {
        delegate!(self.delete_alias(region, account, name))
    }

    async fn list_aliases(
        &self,
        region: &Region,
        account: &AccountId,
        key_id: Option<&KeyId>,
        after: Option<&AliasName>,
        limit: usize,
    ) -> Result<Page<AliasRecord>> {
        delegate!(self.list_aliases(region, account, key_id, after, limit))
    }

    async fn tags(&self, region: &Region, key_id: &KeyId) -> Result<Vec<Tag>> {
        delegate!(self.tags(region, key_id))
    }

    async fn put_tags(&self, region: &Region, key_id: &KeyId, tags: &[Tag]) -> Result<()> {
        delegate!(self.put_tags(region, key_id, tags))
    }

    async fn remove_tags(
        &self,
        region: &Region,
        key_id: &KeyId,
        tag_keys: &[String],
    ) -> Result<()> {
        delegate!(self.remove_tags(region, key_id, tag_keys))
    }

    async fn create_grant(&self, grant: &GrantRecord, limits: GrantLimits) -> Result<GrantCreated> {
        delegate!(self.create_grant(grant, limits))
    }

    async fn grant(&self, region: &Region, grant_id: &GrantId) -> Result<Option<GrantRecord>> {
        delegate!(self.grant(region, grant_id))
    }

    async fn list_grants(
        &self,
        region: &Region,
        key_id: &KeyId,
        grantee: Option<&PrincipalArn>,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        delegate!(self.list_grants(region, key_id, grantee, after, limit))
    }

    async fn list_retirable_grants(
        &self,
        region: &Region,
        retiring: &PrincipalArn,
        after: Option<&GrantId>,
        limit: usize,
    ) -> Result<Page<GrantRecord>> {
        delegate!(self.list_retirable_grants(region, retiring, after, limit))
    }

    async fn delete_grant(
        &self,
        region: &Region,
        grant_id: &GrantId,
        retired: Timestamp,
    ) -> Result<()> {
        delegate!(self.delete_grant(region, grant_id, retired))
    }

    async fn grant_retired(&self, region: &Region, grant_id: &GrantId) -> Result<bool> {
        delegate!(self.grant_retired(region, grant_id))
    }

    async fn create_principal(&self, principal: &PrincipalRecord) -> Result<()> {
        delegate!(self.create_principal(principal))
    }

    async fn principal(&self, arn: &PrincipalArn) -> Result<Option<PrincipalRecord>> {
        delegate!(self.principal(arn))
    }

    async fn list_principals(&self, account: Option<&AccountId>) -> Result<Vec<PrincipalRecord>> {
        delegate!(self.list_principals(account))
    }

    async fn delete_principal(&self, arn: &PrincipalArn) -> Result<()> {
        delegate!(self.delete_principal(arn))
    }

    async fn create_access_key(
        &self,
        key: &AccessKeyRecord,
        max_per_principal: usize,
    ) -> Result<AccessKeyCreated> {
        delegate!(self.create_access_key(key, max_per_principal))
    }

    async fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>> {
        delegate!(self.access_key(access_key_id))
    }

    async fn list_access_keys(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<AccessKeyRecord>> {
        delegate!(self.list_access_keys(principal))
    }

    async fn set_access_key_status(
        &self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<()> {
        delegate!(self.set_access_key_status(access_key_id, status))
    }

    async fn delete_access_key(&self, access_key_id: &str) -> Result<()> {
        delegate!(self.delete_access_key(access_key_id))
    }

    async fn put_identity_policy(&self, policy: &IdentityPolicyRecord) -> Result<bool> {
        delegate!(self.put_identity_policy(policy))
    }

    async fn delete_identity_policy(&self, principal: &PrincipalArn, name: &str) -> Result<()> {
        delegate!(self.delete_identity_policy(principal, name))
    }

    async fn identity_policies(
        &self,
        principal: Option<&PrincipalArn>,
    ) -> Result<Vec<IdentityPolicyRecord>> {
        delegate!(self.identity_policies(principal))
    }

    async fn identity_generation(&self) -> Result<i64> {
        delegate!(self.identity_generation())
    }

    async fn identities(&self) -> Result<StoredIdentities> {
        delegate!(self.identities())
    }

    async fn setting(&self, name: &str) -> Result<Option<Vec<u8>>> {
        delegate!(self.setting(name))
    }

    async fn init_setting(&self, name: &str, value: &[u8]) -> Result<Vec<u8>> {
        delegate!(self.init_setting(name, value))
    }

    async fn append_audit(
        &self,
        events: Arc<[NewAuditRecord]>,
        chain: ChainHash,
    ) -> Result<Option<i64>> {
        delegate!(self.append_audit(events, chain))
    }

    async fn last_audit(&self) -> Result<Option<AuditRecord>> {
        delegate!(self.last_audit())
    }

    async fn audit_anchor(&self) -> Result<Option<(i64, [u8; 32])>> {
        delegate!(self.audit_anchor())
    }

    async fn prune_audit(&self, before: Timestamp) -> Result<u64> {
        delegate!(self.prune_audit(before))
    }

    async fn list_audit(&self, after: i64, limit: usize) -> Result<Vec<AuditRecord>> {
        delegate!(self.list_audit(after, limit))
    }

    async fn changes_since(&self, after: i64, limit: usize) -> Result<Vec<Change>> {
        delegate!(self.changes_since(after, limit))
    }

    async fn last_change(&self) -> Result<i64> {
        delegate!(self.last_change())
    }

    async fn prune_changes(&self, keep: u64) -> Result<u64> {
        delegate!(self.prune_changes(keep))
    }

    async fn ping(&self) -> Result<()> {
        delegate!(self.ping())
    }
}
