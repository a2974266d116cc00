//! Bytes and secrets on the wire.
//!
//! KMS carries blobs as standard base64 strings (with padding). [`Blob`] is for bytes that are
//! not secret (ciphertexts, signatures, public keys); [`SecretBlob`] for the members the model
//! marks `sensitive` (plaintexts, data keys, private keys, shared secrets, messages to sign);
//! [`SecretString`] for sensitive strings (a key store password, XKS proxy credentials).
//!
//! The secret types zeroize on drop, print as `SecretBlob(..)` / `SecretString(..)` and do not
//! implement `Clone`. Decoding writes straight into a zeroizing buffer. What this crate cannot
//! reach is the request body itself and, when a base64 string contains JSON escapes such as
//! `\/`, the scratch buffer `serde_json` unescapes it into: the body belongs to the caller,
//! which must zeroize it.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

/// A blob member that is not secret.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes (what the model's `minLength`/`maxLength` bound).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blob({} bytes)", self.0.len())
    }
}

impl serde::Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Blob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTING)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Blob, E> {
                STANDARD
                    .decode(v)
                    .map(Blob)
                    .map_err(|_| E::custom(INVALID_BASE64))
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// A sensitive blob member: zeroized on drop, never printed, not `Clone`.
pub struct SecretBlob(Zeroizing<Vec<u8>>);

impl SecretBlob {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The length in bytes (what the model's `minLength`/`maxLength` bound).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_inner(self) -> Zeroizing<Vec<u8>> {
        self.0
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBlob {
    fn from(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for SecretBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBlob(..)")
    }
}

/// Serializing a `SecretBlob` is the one place a secret leaves the process: it happens only
/// when a response body (Decrypt's `Plaintext`, GenerateDataKey's `Plaintext`, ...) is
/// written. The base64 text is built in a zeroizing buffer; the body it is copied into
/// belongs to the caller.
impl serde::Serialize for SecretBlob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let capacity = base64::encoded_len(self.0.len(), true).unwrap_or(0);
        // Reserved up front so that encoding never reallocates (a reallocation would leave
        // an unzeroized copy behind).
        let mut text = Zeroizing::new(String::with_capacity(capacity));
        STANDARD.encode_string(&*self.0, &mut text);
        s.serialize_str(&text)
    }
}

impl<'de> serde::Deserialize<'de> for SecretBlob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SecretBlob;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTING)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SecretBlob, E> {
                decode_secret(v).map_err(|()| E::custom(INVALID_BASE64))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<SecretBlob, E> {
                let v = Zeroizing::new(v);
                self.visit_str(&v)
            }
        }
        d.deserialize_str(Visitor)
    }
}

/// Decodes base64 into a zeroizing buffer sized up front, so no unzeroized copy of the
/// decoded bytes is ever made (no reallocation, no intermediate `Vec`).
fn decode_secret(text: &str) -> Result<SecretBlob, ()> {
    let mut bytes = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(text.len())]);
    let len = STANDARD
        .decode_slice(text.as_bytes(), &mut bytes[..])
        .map_err(|_| ())?;
    bytes.truncate(len);
    Ok(SecretBlob(bytes))
}

/// A sensitive string member: zeroized on drop, never printed, not `Clone`.
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The length in characters (what the model's `minLength`/`maxLength` bound).
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_inner(self) -> Zeroizing<String> {
        self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(..)")
    }
}

/// Like [`SecretBlob`]'s, used only when a response body is written.
impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = SecretString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SecretString, E> {
                Ok(SecretString::new(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<SecretString, E> {
                Ok(SecretString::new(v))
            }
        }
        d.deserialize_str(Visitor)
    }
}

const EXPECTING: &str = "a base64 string";

/// The error for a blob that is not valid base64; deliberately says nothing about the value.
pub(crate) const INVALID_BASE64: &str = "blob is not valid base64";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_as_standard_base64() {
        let blob: Blob = serde_json::from_str("\"AAEC/w==\"").unwrap();
        assert_eq!(blob.as_bytes(), &[0, 1, 2, 255]);
        assert_eq!(serde_json::to_string(&blob).unwrap(), "\"AAEC/w==\"");

        let secret: SecretBlob = serde_json::from_str("\"aGVsbG8=\"").unwrap();
        assert_eq!(secret.as_bytes(), b"hello");
        assert_eq!(secret.len(), 5);
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"aGVsbG8=\"");
    }

    #[test]
    fn escaped_base64_still_decodes() {
        // `\/` is a legal JSON escape for `/`, and serde_json hands it over as an owned string.
        let secret: SecretBlob = serde_json::from_str(r#""AAEC\/w==""#).unwrap();
        assert_eq!(secret.as_bytes(), &[0, 1, 2, 255]);
    }

    #[test]
    fn empty_base64_is_an_empty_blob() {
        let secret: SecretBlob = serde_json::from_str("\"\"").unwrap();
        assert!(secret.is_empty());
        let blob: Blob = serde_json::from_str("\"\"").unwrap();
        assert!(blob.is_empty());
    }

    #[test]
    fn invalid_base64_is_an_error_that_does_not_echo_the_value() {
        for text in ["\"not base64!\"", "\"aGVsbG8\"", "\"aGVs bG8=\""] {
            let err = serde_json::from_str::<SecretBlob>(text).unwrap_err();
            assert!(err.to_string().starts_with(INVALID_BASE64), "{err}");
            assert!(serde_json::from_str::<Blob>(text).is_err());
        }
        assert!(serde_json::from_str::<SecretBlob>("42").is_err());
    }

    #[test]
    fn secrets_never_print() {
        let secret = SecretBlob::new(b"hunter2".to_vec());
        assert_eq!(format!("{secret:?}"), "SecretBlob(..)");
        let text = SecretString::new("hunter2".to_owned());
        assert_eq!(format!("{text:?}"), "SecretString(..)");
        assert_eq!(text.len(), 7);
        assert_eq!(format!("{:?}", Blob::new(vec![1, 2, 3])), "Blob(3 bytes)");
    }
}
