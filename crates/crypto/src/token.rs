//! Keys that authenticate tokens Trent hands out and later takes back (grant tokens): a
//! secret derived with HKDF-SHA-256 under a purpose label, used as an HMAC-SHA-256 key.
//!
//! The derived key is never exported, printed or stored; it exists only in memory, beside
//! the secret it was derived from.

use aws_lc_rs::{digest, hkdf, hmac};

use crate::CryptoError;

/// Length of a tag made by [`TokenKey::tag`].
pub const TAG_LEN: usize = 32;

/// An HMAC-SHA-256 key derived for one purpose.
pub struct TokenKey(hmac::Key);

impl TokenKey {
    /// Derives the key for `purpose` from `secret` (HKDF-SHA-256, no salt, the purpose as
    /// info): distinct purposes give independent keys from the same secret.
    pub fn derive(secret: &[u8], purpose: &[u8]) -> Result<Self, CryptoError> {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(secret);
        let info = [purpose];
        let okm = prk
            .expand(&info, hmac::HMAC_SHA256)
            .map_err(|_| CryptoError)?;
        Ok(Self(hmac::Key::from(okm)))
    }

    /// The tag of `message`.
    pub fn tag(&self, message: &[u8]) -> [u8; TAG_LEN] {
        let mut out = [0; TAG_LEN];
        out.copy_from_slice(hmac::sign(&self.0, message).as_ref());
        out
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.0, message, tag).is_ok()
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, bytes).as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_verify_only_under_the_same_secret_and_purpose() {
        let key = TokenKey::derive(&[7; 32], b"trent grant token v1").unwrap();
        let tag = key.tag(b"facts");
        assert!(key.verify(b"facts", &tag));
        assert!(!key.verify(b"fact", &tag));
        assert!(!key.verify(b"facts", &tag[..31]));
        let other_purpose = TokenKey::derive(&[7; 32], b"another purpose").unwrap();
        assert!(!other_purpose.verify(b"facts", &tag));
        let other_secret = TokenKey::derive(&[8; 32], b"trent grant token v1").unwrap();
        assert!(!other_secret.verify(b"facts", &tag));
        assert_eq!(format!("{key:?}"), "TokenKey(..)");
    }

    #[test]
    fn derivation_is_rfc_5869_hkdf_then_hmac() {
        // HKDF-SHA-256 with an empty salt and info "p" of the 32-byte secret 0x0b..., then
        // HMAC-SHA-256 of "m": the same key derived twice tags alike.
        let a = TokenKey::derive(&[0x0b; 32], b"p").unwrap();
        let b = TokenKey::derive(&[0x0b; 32], b"p").unwrap();
        assert_eq!(a.tag(b"m"), b.tag(b"m"));
        assert_ne!(a.tag(b"m"), a.tag(b"n"));
        assert_eq!(
            sha256(b"abc")[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "SHA-256 known answer"
        );
    }
}
