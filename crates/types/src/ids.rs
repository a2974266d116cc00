//! Identifiers: accounts, regions, keys, aliases, key material and principals.
//!
//! Each type is built only by a parser that checks the whole form, so holding one means the
//! text is well formed. Cheap to clone: the hot path passes key ids around on every request.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A 12-digit AWS account id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(Arc<str>);

impl AccountId {
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())).then(|| Self(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A region name such as `us-east-1`, as a SigV4 credential scope carries it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region(Arc<str>);

impl Region {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        ok.then(|| Self(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key id: a lowercase UUID, or `mrk-` and 32 lowercase hex digits for a multi-Region key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(Arc<str>);

impl KeyId {
    pub fn parse(s: &str) -> Option<Self> {
        (is_uuid(s) || is_mrk(s)).then(|| Self(s.into()))
    }

    /// A fresh single-Region key id (random UUIDv4).
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().hyphenated().to_string().into())
    }

    /// A fresh multi-Region key id.
    pub fn new_multi_region() -> Self {
        Self(format!("mrk-{}", uuid::Uuid::new_v4().simple()).into())
    }

    pub fn is_multi_region(&self) -> bool {
        self.0.starts_with("mrk-")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => is_lower_hex(c),
        })
}

fn is_mrk(s: &str) -> bool {
    s.strip_prefix("mrk-")
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(is_lower_hex))
}

/// `arn:aws:kms:REGION:ACCOUNT:key/KEY_ID`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyArn {
    pub region: Region,
    pub account: AccountId,
    pub key_id: KeyId,
}

impl KeyArn {
    pub fn new(region: Region, account: AccountId, key_id: KeyId) -> Self {
        Self {
            region,
            account,
            key_id,
        }
    }
}

impl fmt::Display for KeyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:aws:kms:{}:{}:key/{}",
            self.region.as_str(),
            self.account.as_str(),
            self.key_id.as_str()
        )
    }
}

/// An alias name, `alias/` followed by letters, digits, `/`, `_` and `-` (the model's
/// pattern allows `:`, which AWS KMS refuses).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AliasName(Arc<str>);

/// Why a string is not an alias name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AliasNameError {
    #[error("Alias must start with the prefix \"alias/\".")]
    MissingPrefix,
    #[error("Alias name must not be longer than 256 characters.")]
    TooLong,
    #[error("Alias name contains characters that are not allowed.")]
    BadCharacters,
}

impl AliasName {
    pub const PREFIX: &'static str = "alias/";
    pub const RESERVED_PREFIX: &'static str = "alias/aws/";

    pub fn parse(s: &str) -> Result<Self, AliasNameError> {
        let rest = s
            .strip_prefix(Self::PREFIX)
            .ok_or(AliasNameError::MissingPrefix)?;
        if s.len() > 256 {
            return Err(AliasNameError::TooLong);
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-');
        if rest.is_empty() || !rest.bytes().all(allowed) {
            return Err(AliasNameError::BadCharacters);
        }
        Ok(Self(s.into()))
    }

    /// Names under `alias/aws/` belong to AWS managed keys; customers cannot create them.
    pub fn is_reserved(&self) -> bool {
        self.0.starts_with(Self::RESERVED_PREFIX)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AliasName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `arn:aws:kms:REGION:ACCOUNT:alias/NAME`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AliasArn {
    pub region: Region,
    pub account: AccountId,
    pub name: AliasName,
}

impl fmt::Display for AliasArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:aws:kms:{}:{}:{}",
            self.region.as_str(),
            self.account.as_str(),
            self.name.as_str()
        )
    }
}

/// The ways a request may name a key: key id, key ARN, alias name or alias ARN.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyRef {
    Id(KeyId),
    Arn(KeyArn),
    Alias(AliasName),
    AliasArn(AliasArn),
}

/// Why a key reference could not be read. KMS answers the first with
/// `InvalidArnException` and the second with `NotFoundException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefError {
    #[error("Invalid arn {0}")]
    InvalidArn(String),
    #[error("Invalid keyId '{0}'")]
    InvalidKeyId(String),
}

impl KeyRef {
    pub fn parse(s: &str) -> Result<Self, KeyRefError> {
        if s.starts_with("arn:") {
            return parse_kms_arn(s).ok_or_else(|| KeyRefError::InvalidArn(s.to_owned()));
        }
        if s.starts_with(AliasName::PREFIX) {
            return AliasName::parse(s)
                .map(Self::Alias)
                .map_err(|_| KeyRefError::InvalidKeyId(s.to_owned()));
        }
        KeyId::parse(s)
            .map(Self::Id)
            .ok_or_else(|| KeyRefError::InvalidKeyId(s.to_owned()))
    }

    /// Whether this names a key through an alias.
    pub fn is_alias(&self) -> bool {
        matches!(self, Self::Alias(_) | Self::AliasArn(_))
    }
}

impl fmt::Display for KeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => f.write_str(id.as_str()),
            Self::Arn(arn) => arn.fmt(f),
            Self::Alias(a) => a.fmt(f),
            Self::AliasArn(arn) => arn.fmt(f),
        }
    }
}

fn parse_kms_arn(s: &str) -> Option<KeyRef> {
    let mut parts = s.splitn(6, ':');
    let (arn, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if arn != "arn" || !partition.starts_with("aws") || service != "kms" {
        return None;
    }
    let region = Region::parse(region)?;
    let account = AccountId::parse(account)?;
    if let Some(id) = resource.strip_prefix("key/") {
        return Some(KeyRef::Arn(KeyArn::new(region, account, KeyId::parse(id)?)));
    }
    if resource.starts_with(AliasName::PREFIX) {
        let name = AliasName::parse(resource).ok()?;
        return Some(KeyRef::AliasArn(AliasArn {
            region,
            account,
            name,
        }));
    }
    None
}

/// The id of one key material of a key: 32 bytes, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MaterialId(pub [u8; 32]);

impl MaterialId {
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        s
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            out[i] = (hex_val(pair[0])? << 4) | hex_val(pair[1])?;
        }
        Some(Self(out))
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Debug for MaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MaterialId({})", self.to_hex())
    }
}

impl fmt::Display for MaterialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// The id of one grant: 32 random bytes, written as 64 lowercase hex digits (AWS's grant ids
/// have the same shape).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GrantId(pub [u8; 32]);

impl GrantId {
    pub fn to_hex(&self) -> String {
        MaterialId(self.0).to_hex()
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        MaterialId::from_hex(s).map(|m| Self(m.0))
    }
}

impl fmt::Debug for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GrantId({})", self.to_hex())
    }
}

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An IAM principal: `arn:aws:iam::ACCOUNT:root`, `...:user/NAME` or `...:role/NAME`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PrincipalArn {
    arn: Arc<str>,
    account: AccountId,
}

impl PrincipalArn {
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("arn:aws:iam::")?;
        let (account, resource) = rest.split_once(':')?;
        let account = AccountId::parse(account)?;
        let ok = resource == "root"
            || resource
                .strip_prefix("user/")
                .or_else(|| resource.strip_prefix("role/"))
                .is_some_and(|name| {
                    !name.is_empty()
                        && name.len() <= 512
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
                });
        ok.then(|| Self {
            arn: s.into(),
            account,
        })
    }

    /// The account root principal.
    pub fn root(account: &AccountId) -> Self {
        Self {
            arn: format!("arn:aws:iam::{}:root", account.as_str()).into(),
            account: account.clone(),
        }
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    pub fn as_str(&self) -> &str {
        &self.arn
    }

    /// `Root`, `IAMUser` or `AssumedRole`-style type names as CloudTrail's `userIdentity.type`.
    pub fn identity_type(&self) -> &'static str {
        let resource = self.arn.rsplit_once(':').map_or("", |(_, r)| r);
        if resource == "root" {
            "Root"
        } else if resource.starts_with("role/") {
            "AssumedRole"
        } else {
            "IAMUser"
        }
    }

    /// The user or role name, or `None` for the account root.
    pub fn name(&self) -> Option<&str> {
        let resource = self.arn.rsplit_once(':').map_or("", |(_, r)| r);
        resource
            .strip_prefix("user/")
            .or_else(|| resource.strip_prefix("role/"))
            .map(|p| p.rsplit('/').next().unwrap_or(p))
    }
}

impl fmt::Display for PrincipalArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl FromStr for KeyRef {
    type Err = KeyRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids() {
        assert!(KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890ab").is_some());
        assert!(KeyId::parse("mrk-1234abcd12ab34cd56ef1234567890ab").is_some());
        assert!(KeyId::parse("1234ABCD-12ab-34cd-56ef-1234567890ab").is_none());
        assert!(KeyId::parse("1234abcd-12ab-34cd-56ef-1234567890a").is_none());
        assert!(KeyId::parse("mrk-1234").is_none());
        let fresh = KeyId::new_random();
        assert_eq!(KeyId::parse(fresh.as_str()), Some(fresh));
        let mrk = KeyId::new_multi_region();
        assert!(mrk.is_multi_region());
        assert_eq!(KeyId::parse(mrk.as_str()), Some(mrk));
    }

    #[test]
    fn key_refs() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(matches!(KeyRef::parse(id), Ok(KeyRef::Id(_))));
        let arn = format!("arn:aws:kms:us-east-1:111122223333:key/{id}");
        match KeyRef::parse(&arn).unwrap() {
            KeyRef::Arn(a) => {
                assert_eq!(a.region.as_str(), "us-east-1");
                assert_eq!(a.to_string(), arn);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            KeyRef::parse("alias/my-key"),
            Ok(KeyRef::Alias(_))
        ));
        let alias_arn = "arn:aws:kms:eu-west-1:111122223333:alias/x/y";
        match KeyRef::parse(alias_arn).unwrap() {
            KeyRef::AliasArn(a) => assert_eq!(a.to_string(), alias_arn),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            KeyRef::parse("arn:aws:kms:us-east-1:1111:key/x"),
            Err(KeyRefError::InvalidArn(_))
        ));
        assert!(matches!(
            KeyRef::parse("not-a-key"),
            Err(KeyRefError::InvalidKeyId(_))
        ));
    }

    #[test]
    fn alias_names() {
        assert!(AliasName::parse("alias/ok_name-1/x").is_ok());
        assert_eq!(AliasName::parse("foo"), Err(AliasNameError::MissingPrefix));
        assert_eq!(
            AliasName::parse("alias/"),
            Err(AliasNameError::BadCharacters)
        );
        assert_eq!(
            AliasName::parse("alias/sp ace"),
            Err(AliasNameError::BadCharacters)
        );
        let long = format!("alias/{}", "a".repeat(251));
        assert_eq!(AliasName::parse(&long), Err(AliasNameError::TooLong));
        assert!(AliasName::parse("alias/aws/ebs").unwrap().is_reserved());
        assert!(!AliasName::parse("alias/awsome").unwrap().is_reserved());
    }

    #[test]
    fn material_id_hex_round_trip() {
        let m = MaterialId([0xab; 32]);
        assert_eq!(m.to_hex().len(), 64);
        assert_eq!(MaterialId::from_hex(&m.to_hex()), Some(m));
        assert_eq!(MaterialId::from_hex("AB"), None);
    }

    #[test]
    fn principals() {
        let p = PrincipalArn::parse("arn:aws:iam::111122223333:user/admin").unwrap();
        assert_eq!(p.account().as_str(), "111122223333");
        assert_eq!(p.identity_type(), "IAMUser");
        assert_eq!(p.name(), Some("admin"));
        let r = PrincipalArn::root(p.account());
        assert_eq!(r.as_str(), "arn:aws:iam::111122223333:root");
        assert_eq!(r.identity_type(), "Root");
        assert!(PrincipalArn::parse("arn:aws:iam::1:user/x").is_none());
        assert!(PrincipalArn::parse("arn:aws:iam::111122223333:group/x").is_none());
    }

    #[test]
    fn accounts_and_regions() {
        assert!(AccountId::parse("111122223333").is_some());
        assert!(AccountId::parse("11112222333").is_none());
        assert!(Region::parse("us-east-1").is_some());
        assert!(Region::parse("US-EAST-1").is_none());
        assert!(Region::parse("").is_none());
    }
}
