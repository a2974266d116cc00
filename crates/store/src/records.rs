//! The records the store keeps. Plain values; no plaintext secret is ever one of them.

use std::collections::BTreeMap;

use trent_types::{
    AccountId, AliasName, GrantId, GrantOperation, ImportState, KeyId,
    KeyLastUsageTrackingOperation, KeyMaterialState, KeySpec, KeyState, KeyUsage, MaterialId,
    Origin, PrincipalArn, Region, RotationType, Timestamp,
};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict")]
    Conflict,
    /// The database cannot be reached or is overloaded; the call may succeed later.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store error: {0}")]
    Other(String),
}

/// One KMS key's metadata. Its material lives in [`MaterialRecord`]s.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRecord {
    pub region: Region,
    pub account: AccountId,
    pub key_id: KeyId,
    pub description: String,
    pub key_spec: KeySpec,
    pub key_usage: KeyUsage,
    pub origin: Origin,
    pub state: KeyState,
    pub creation_date: Timestamp,
    /// Set while the key is PendingDeletion.
    pub deletion_date: Option<Timestamp>,
    /// The waiting period chosen when deletion was scheduled.
    pub pending_window_days: Option<u32>,
    /// The key policy document, as given (it parsed as JSON).
    pub policy: String,
    pub multi_region: bool,
    /// The material new ciphertexts use.
    pub current_material: Option<MaterialId>,
    /// Automatic rotation, while it is enabled.
    pub rotation: Option<AutoRotation>,
    /// Optimistic-concurrency counter; see [`crate::Store::update_key`].
    pub version: i64,
}

/// A set of related multi-Region keys: one key id, one key in each of several regions, each
/// with its own policy, tags, aliases and state but the same key material.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiRegionKeys {
    pub key_id: KeyId,
    pub account: AccountId,
    /// Where the primary key is; every other key is a replica.
    pub primary_region: Region,
    /// The primary and its replicas, ordered by region.
    pub keys: Vec<KeyRecord>,
}

impl MultiRegionKeys {
    /// The primary key. `None` only between the deletion of a primary (which waits for its
    /// replicas) and that of the set.
    pub fn primary(&self) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.region == self.primary_region)
    }

    /// Every key but the primary, ordered by region.
    pub fn replicas(&self) -> impl Iterator<Item = &KeyRecord> {
        self.keys.iter().filter(|k| k.region != self.primary_region)
    }

    /// The related key in `region`, if there is one.
    pub fn in_region(&self, region: &Region) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| &k.region == region)
    }
}

/// A key's automatic rotation schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutoRotation {
    /// Days between rotations.
    pub period_days: u32,
    /// When the next rotation is due.
    pub next: Timestamp,
}

/// Whether a material encrypts new data or only decrypts old.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialState {
    Current,
    NonCurrent,
}

impl MaterialState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "CURRENT",
            Self::NonCurrent => "NON_CURRENT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CURRENT" => Some(Self::Current),
            "NON_CURRENT" => Some(Self::NonCurrent),
            _ => None,
        }
    }
}

/// One key material, sealed: only `trent-seal` can open `sealed`.
#[derive(Clone, Debug, PartialEq)]
pub struct MaterialRecord {
    pub region: Region,
    pub key_id: KeyId,
    pub material_id: MaterialId,
    pub state: MaterialState,
    pub created: Timestamp,
    /// How the material came to be: `None` for a key's first material, else the kind of
    /// rotation that made it.
    pub rotation_type: Option<RotationType>,
    pub sealed: Vec<u8>,
}

/// One material imported into a key of origin EXTERNAL: kept from its first import on, also
/// while it is deleted or expired (then `PendingImport`, and its sealed bytes are gone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMaterialRecord {
    pub region: Region,
    pub key_id: KeyId,
    pub material_id: MaterialId,
    /// CURRENT, NON_CURRENT, or PENDING_ROTATION: imported as new material of a symmetric
    /// key, waiting for RotateKeyOnDemand to make it current.
    pub state: KeyMaterialState,
    pub import_state: ImportState,
    /// When it expires; `None` if it does not (or is not imported now).
    pub valid_to: Option<Timestamp>,
    /// The `KeyMaterialDescription` of its last import.
    pub description: Option<String>,
    /// When it was first imported.
    pub associated: Timestamp,
    /// When RotateKeyOnDemand made it current, if it did.
    pub rotation_date: Option<Timestamp>,
}

impl ImportedMaterialRecord {
    /// The state of its sealed `materials` row: CURRENT while it is the key's current one.
    pub fn sealed_state(&self) -> MaterialState {
        if self.state == KeyMaterialState::Current {
            MaterialState::Current
        } else {
            MaterialState::NonCurrent
        }
    }

    /// How it came to be current: on demand once RotateKeyOnDemand made it so.
    pub fn rotation_type(&self) -> Option<RotationType> {
        self.rotation_date.map(|_| RotationType::OnDemand)
    }
}

/// The last successful cryptographic use of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUseRecord {
    pub region: Region,
    pub key_id: KeyId,
    pub time: Timestamp,
    pub operation: KeyLastUsageTrackingOperation,
    /// The request's `x-amzn-RequestId`.
    pub request_id: String,
    /// The `eventID` of the request's audit event.
    pub event_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AliasRecord {
    pub region: Region,
    pub account: AccountId,
    pub name: AliasName,
    pub target_key_id: KeyId,
    pub creation_date: Timestamp,
    pub last_updated_date: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// One audit event as stored: its place in the chain and its CloudTrail-shaped JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditRecord {
    /// 1, 2, 3, ... with no gaps.
    pub seq: i64,
    pub event_id: String,
    pub time: Timestamp,
    /// The event, serialized once; the hash covers exactly these bytes.
    pub event_json: String,
    /// SHA-256 over the previous record's hash and `event_json`.
    pub hash: [u8; 32],
}

/// An audit event to append: the store gives it its place in the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditRecord {
    pub event_id: String,
    pub time: Timestamp,
    /// The event, serialized once; the hash will cover exactly these bytes.
    pub event_json: String,
}

/// How an audit event's hash follows from its predecessor's hash (32 zero bytes before the
/// first event) and the event's JSON bytes. The audit crate owns the function; the store
/// applies it inside the transaction that appends, where the predecessor is known for sure.
pub type ChainHash = fn(&[u8; 32], &[u8]) -> [u8; 32];

/// One committed change to a key (or to something its cache entry holds) or to an alias, as
/// the change feed records it for the nodes that cache them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// 1, 2, 3, ... in commit order; never reused.
    pub seq: i64,
    /// `None`: the key in every region (a multi-Region key's set changed).
    pub region: Option<Region>,
    /// The key, or the alias's target when an alias changed.
    pub key_id: KeyId,
    /// The alias, when an alias changed.
    pub alias: Option<(AccountId, AliasName)>,
}

/// One page of a listing; `more` says whether anything follows the last item.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// One grant: permission for `grantee` to use one key for `operations`, within `constraints`.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantRecord {
    pub region: Region,
    pub key_id: KeyId,
    /// Unique in the whole store, not only under its key.
    pub grant_id: GrantId,
    /// The name given for idempotent retries of CreateGrant; not unique.
    pub name: Option<String>,
    pub grantee: PrincipalArn,
    pub retiring: Option<PrincipalArn>,
    pub operations: Vec<GrantOperation>,
    pub constraints: GrantConstraints,
    /// The account of the principal that created the grant.
    pub issuing_account: AccountId,
    pub creation_date: Timestamp,
    /// SHA-256 of the grant's facts as its tokens carry them, so a token can be matched to
    /// the stored grant; no token is ever stored.
    pub token_hash: [u8; 32],
}

impl GrantRecord {
    /// Whether `other` grants the same thing to the same principals (what makes a retry of
    /// CreateGrant with the same name return this grant).
    pub fn same_terms(&self, other: &GrantRecord) -> bool {
        self.region == other.region
            && self.key_id == other.key_id
            && self.name == other.name
            && self.grantee == other.grantee
            && self.retiring == other.retiring
            && self.operations == other.operations
            && self.constraints == other.constraints
    }
}

/// A grant's encryption-context constraints; both empty means none.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantConstraints {
    /// The request's context must be exactly this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<BTreeMap<String, String>>,
    /// Every pair here must be in the request's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<BTreeMap<String, String>>,
}

/// What [`crate::Store::create_grant`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum GrantCreated {
    /// The grant was stored.
    New,
    /// A grant with the same name and terms was there already; nothing was stored.
    Existing(Box<GrantRecord>),
    /// The key holds its maximum of grants already; nothing was stored.
    LimitReached,
    /// The grantee holds its maximum of grants on the key already; nothing was stored.
    GranteeLimitReached,
}

/// How many grants [`crate::Store::create_grant`] lets a key hold, in all and per grantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantLimits {
    pub per_key: usize,
    pub per_grantee: usize,
}
