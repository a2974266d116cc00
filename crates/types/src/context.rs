//! Encryption contexts: the non-secret key-value pairs bound to a ciphertext.

use std::collections::BTreeMap;

/// An encryption context, kept sorted by key bytes so its canonical form is a plain walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionContext(BTreeMap<String, String>);

/// Why a map is not a usable encryption context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionContextError {
    #[error("encryption context keys and values must not be empty")]
    Empty,
    #[error("an encryption context key or value is longer than 65535 bytes")]
    TooLong,
}

impl EncryptionContext {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the pairs and takes them. KMS refuses empty keys and values; the canonical
    /// form needs each to fit a u16 length.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, EncryptionContextError> {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if k.is_empty() || v.is_empty() {
                return Err(EncryptionContextError::Empty);
            }
            if k.len() > usize::from(u16::MAX) || v.len() > usize::from(u16::MAX) {
                return Err(EncryptionContextError::TooLong);
            }
            map.insert(k, v);
        }
        Ok(Self(map))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// The canonical bytes bound into a ciphertext's AAD: for each pair sorted by key
    /// bytes, a u16-BE length and the key, then a u16-BE length and the value.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        for (k, v) in &self.0 {
            push_u16_prefixed(out, k.as_bytes());
            push_u16_prefixed(out, v.as_bytes());
        }
    }

    /// The number of bytes [`Self::write_canonical`] appends.
    pub fn canonical_len(&self) -> usize {
        self.0.iter().map(|(k, v)| 4 + k.len() + v.len()).sum()
    }
}

fn push_u16_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    // from_pairs bounds every key and value to u16::MAX bytes.
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

impl serde::Serialize for EncryptionContext {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
            .unwrap()
    }

    #[test]
    fn canonical_form_is_sorted_and_length_prefixed() {
        let c = ctx(&[("b", "2"), ("a", "xy")]);
        let mut out = Vec::new();
        c.write_canonical(&mut out);
        assert_eq!(out, b"\x00\x01a\x00\x02xy\x00\x01b\x00\x012");
        assert_eq!(out.len(), c.canonical_len());
    }

    #[test]
    fn order_of_insertion_does_not_matter() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        ctx(&[("x", "1"), ("y", "2")]).write_canonical(&mut a);
        ctx(&[("y", "2"), ("x", "1")]).write_canonical(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn refuses_empty_keys_and_values() {
        let e = EncryptionContext::from_pairs([(String::new(), "v".into())]);
        assert_eq!(e, Err(EncryptionContextError::Empty));
        let e = EncryptionContext::from_pairs([("k".into(), String::new())]);
        assert_eq!(e, Err(EncryptionContextError::Empty));
    }

    #[test]
    fn boundaries_between_pairs_are_unambiguous() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        ctx(&[("ab", "c")]).write_canonical(&mut a);
        ctx(&[("a", "bc")]).write_canonical(&mut b);
        assert_ne!(a, b);
    }
}
