//! The symmetric ciphertext blob, version 1.
//!
//! ```text
//! 0x01 | key-id length (1 byte) | key id (UTF-8) | key material id (32 bytes)
//!      | nonce (12 bytes) | AES-256-GCM ciphertext | tag (16 bytes)
//! AAD = every byte before the ciphertext || canonical(encryption context)
//! ```
//!
//! Parsing only splits the blob; nothing in it is trusted until the tag verifies.

use aws_lc_rs::aead::NONCE_LEN;
use trent_types::MaterialId;

use crate::CryptoError;
use crate::aead::TAG_LEN;

pub const VERSION_1: u8 = 0x01;
const MATERIAL_ID_LEN: usize = 32;

/// The parts of a version 1 blob, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// The key id as written; the caller resolves it.
    pub key_id: &'a str,
    pub material_id: MaterialId,
    /// Every byte before the ciphertext: the first part of the AAD.
    pub header: &'a [u8],
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    pub sealed: &'a [u8],
}

/// Splits a blob into its parts. Fails, without saying why, on anything malformed.
pub fn parse(blob: &[u8]) -> Result<Parsed<'_>, CryptoError> {
    let (&version, rest) = blob.split_first().ok_or(CryptoError)?;
    if version != VERSION_1 {
        return Err(CryptoError);
    }
    let (&id_len, rest) = rest.split_first().ok_or(CryptoError)?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + MATERIAL_ID_LEN + NONCE_LEN + TAG_LEN {
        return Err(CryptoError);
    }
    let (key_id, rest) = rest.split_at(id_len);
    let key_id = std::str::from_utf8(key_id).map_err(|_| CryptoError)?;
    let (material_id, rest) = rest.split_at(MATERIAL_ID_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let header_len = 2 + id_len + MATERIAL_ID_LEN + NONCE_LEN;
    Ok(Parsed {
        key_id,
        material_id: MaterialId(material_id.try_into().map_err(|_| CryptoError)?),
        header: &blob[..header_len],
        nonce: nonce.try_into().map_err(|_| CryptoError)?,
        sealed,
    })
}

/// Writes the header (version through nonce) of a new blob into `out`.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    key_id: &str,
    material_id: &MaterialId,
    nonce: &[u8; NONCE_LEN],
) -> Result<(), CryptoError> {
    let id_len = u8::try_from(key_id.len()).map_err(|_| CryptoError)?;
    out.push(VERSION_1);
    out.push(id_len);
    out.extend_from_slice(key_id.as_bytes());
    out.extend_from_slice(&material_id.0);
    out.extend_from_slice(nonce);
    Ok(())
}

/// The length of a blob for this key id and plaintext length.
pub fn blob_len(key_id: &str, plaintext_len: usize) -> usize {
    2 + key_id.len() + MATERIAL_ID_LEN + NONCE_LEN + plaintext_len + TAG_LEN
}

/// Reads only the key id of a blob, for callers that must find the key before decrypting.
pub fn key_id(blob: &[u8]) -> Result<&str, CryptoError> {
    parse(blob).map(|p| p.key_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let mut out = Vec::new();
        let m = MaterialId([9; 32]);
        write_header(&mut out, "abc", &m, &[5; 12]).unwrap();
        out.extend_from_slice(&[1; 20]);
        let p = parse(&out).unwrap();
        assert_eq!(p.key_id, "abc");
        assert_eq!(p.material_id, m);
        assert_eq!(p.nonce, [5; 12]);
        assert_eq!(p.header.len(), 2 + 3 + 32 + 12);
        assert_eq!(p.sealed, &[1; 20][..]);
        assert_eq!(out.len(), blob_len("abc", 4));
    }

    #[test]
    fn malformed_blobs_fail() {
        assert!(parse(&[]).is_err());
        assert!(parse(&[2, 0]).is_err());
        assert!(parse(&[1]).is_err());
        assert!(parse(&[1, 200, 1, 2, 3]).is_err());
        let mut short = vec![1, 1, b'a'];
        short.extend_from_slice(&[0; 32 + 12 + 15]);
        assert!(parse(&short).is_err());
        let mut bad_utf8 = vec![1, 1, 0xff];
        bad_utf8.extend_from_slice(&[0; 32 + 12 + 16]);
        assert!(parse(&bad_utf8).is_err());
    }
}
