//! The only unsafe code in Trent: AWS-LC functions that aws-lc-rs has no safe API for.
//!
//! - Ed25519ph (RFC 8032 HashEdDSA, empty context) over a caller-supplied SHA-512 digest:
//!   `ED25519ph_sign_digest`, `ED25519ph_verify_digest`.
//! - ML-DSA over an external μ (FIPS 204 §6.2, "external mu"): AWS-LC's `EVP_PKEY_sign` /
//!   `EVP_PKEY_verify` on an ML-DSA key take the 64-byte μ where `EVP_DigestSign` takes the
//!   message.
//! - ML-KEM keys from their PKCS#8 seed form: `EVP_parse_private_key` expands the seed, and the
//!   expanded decapsulation key and the encapsulation key are then handed to aws-lc-rs.
//!
//! Every function takes and returns plain slices and owned buffers; pointers never leave this
//! module, and every AWS-LC object is freed by a guard on every path. Same linkage as
//! aws-lc-rs: `aws-lc-sys` at the exact version aws-lc-rs links.
#![allow(unsafe_code)]

use std::ptr::{self, NonNull};

use aws_lc_sys as sys;
use zeroize::Zeroizing;

use crate::CryptoError;

/// Length of an Ed25519 signature, public key, and of the SHA-512 digest Ed25519ph signs.
pub(crate) const ED25519_SIGNATURE_LEN: usize = 64;

/// Signs `digest` (SHA-512 of the message) with Ed25519ph and an empty context.
/// `private_key` is RFC 8032's 32-byte seed followed by the 32-byte public key.
pub(crate) fn ed25519ph_sign_digest(
    private_key: &[u8; 64],
    digest: &[u8; 64],
) -> Result<[u8; ED25519_SIGNATURE_LEN], CryptoError> {
    let mut signature = [0u8; ED25519_SIGNATURE_LEN];
    // SAFETY: every pointer is to a live array of exactly the length AWS-LC reads or writes
    // (64-byte signature out, 64-byte digest, 64-byte private key); the context pointer is
    // null with length 0, which AWS-LC accepts as the empty context.
    let ok = unsafe {
        sys::ED25519ph_sign_digest(
            signature.as_mut_ptr(),
            digest.as_ptr(),
            private_key.as_ptr(),
            ptr::null(),
            0,
        )
    };
    if ok == 1 {
        Ok(signature)
    } else {
        Err(CryptoError)
    }
}

/// Verifies an Ed25519ph signature (empty context) over `digest`.
pub(crate) fn ed25519ph_verify_digest(
    public_key: &[u8; 32],
    digest: &[u8; 64],
    signature: &[u8],
) -> bool {
    let Ok(signature) = <&[u8; ED25519_SIGNATURE_LEN]>::try_from(signature) else {
        return false;
    };
    // SAFETY: the digest and signature are 64-byte arrays and the public key a 32-byte array,
    // the lengths AWS-LC reads; AWS-LC only reads through them. Null context, length 0.
    let ok = unsafe {
        sys::ED25519ph_verify_digest(
            digest.as_ptr(),
            signature.as_ptr(),
            public_key.as_ptr(),
            ptr::null(),
            0,
        )
    };
    ok == 1
}

/// Signs the 64-byte μ with the ML-DSA private key in `pkcs8` (seed or expanded form).
pub(crate) fn ml_dsa_sign_mu(pkcs8: &[u8], mu: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = Pkey::parse_private(pkcs8)?;
    if key.id() != sys::EVP_PKEY_PQDSA {
        return Err(CryptoError);
    }
    let ctx = PkeyCtx::for_key(&key)?;
    // SAFETY: `ctx` is a live context created for `key` (which outlives it).
    if unsafe { sys::EVP_PKEY_sign_init(ctx.0.as_ptr()) } != 1 {
        return Err(CryptoError);
    }
    let mut len = 0usize;
    // SAFETY: a null signature pointer asks only for the signature length, written to `len`.
    let ok = unsafe {
        sys::EVP_PKEY_sign(
            ctx.0.as_ptr(),
            ptr::null_mut(),
            &mut len,
            mu.as_ptr(),
            mu.len(),
        )
    };
    if ok != 1 || len == 0 {
        return Err(CryptoError);
    }
    let mut signature = vec![0u8; len];
    // SAFETY: `signature` has `len` writable bytes and `len` says so; `mu` is read for
    // `mu.len()` bytes (AWS-LC refuses any length but the parameter set's 64).
    let ok = unsafe {
        sys::EVP_PKEY_sign(
            ctx.0.as_ptr(),
            signature.as_mut_ptr(),
            &mut len,
            mu.as_ptr(),
            mu.len(),
        )
    };
    if ok != 1 || len > signature.len() {
        return Err(CryptoError);
    }
    signature.truncate(len);
    Ok(signature)
}

/// Verifies an ML-DSA signature over the 64-byte μ with the public key in `spki`.
pub(crate) fn ml_dsa_verify_mu(spki: &[u8], mu: &[u8], signature: &[u8]) -> bool {
    let verify = || -> Result<bool, CryptoError> {
        let key = Pkey::parse_public(spki)?;
        if key.id() != sys::EVP_PKEY_PQDSA {
            return Err(CryptoError);
        }
        let ctx = PkeyCtx::for_key(&key)?;
        // SAFETY: `ctx` is a live context created for `key` (which outlives it).
        if unsafe { sys::EVP_PKEY_verify_init(ctx.0.as_ptr()) } != 1 {
            return Err(CryptoError);
        }
        // SAFETY: both slices are read for exactly their lengths.
        let ok = unsafe {
            sys::EVP_PKEY_verify(
                ctx.0.as_ptr(),
                signature.as_ptr(),
                signature.len(),
                mu.as_ptr(),
                mu.len(),
            )
        };
        Ok(ok == 1)
    };
    let valid = verify().unwrap_or(false);
    clear_errors();
    valid
}

/// The expanded decapsulation key (FIPS 203 `dk`) and the encapsulation key (`ek`) of the
/// ML-KEM private key in `pkcs8`.
pub(crate) fn ml_kem_keys(pkcs8: &[u8]) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), CryptoError> {
    let key = Pkey::parse_private(pkcs8)?;
    if key.id() != sys::EVP_PKEY_KEM {
        return Err(CryptoError);
    }
    let dk = Zeroizing::new(key.raw(sys::EVP_PKEY_get_raw_private_key)?);
    let ek = key.raw(sys::EVP_PKEY_get_raw_public_key)?;
    if dk.is_empty() || ek.is_empty() {
        return Err(CryptoError);
    }
    Ok((dk, ek))
}

/// An owned `EVP_PKEY`, freed on drop.
struct Pkey(NonNull<sys::EVP_PKEY>);

type RawGetter = unsafe extern "C" fn(*const sys::EVP_PKEY, *mut u8, *mut usize) -> i32;

impl Pkey {
    fn parse_private(der: &[u8]) -> Result<Self, CryptoError> {
        Self::parse(der, sys::EVP_parse_private_key)
    }

    fn parse_public(der: &[u8]) -> Result<Self, CryptoError> {
        Self::parse(der, sys::EVP_parse_public_key)
    }

    fn parse(
        der: &[u8],
        parse: unsafe extern "C" fn(*mut sys::CBS) -> *mut sys::EVP_PKEY,
    ) -> Result<Self, CryptoError> {
        let mut cbs = sys::CBS {
            data: der.as_ptr(),
            len: der.len(),
        };
        // SAFETY: `cbs` borrows `der`, which outlives the call; the parser only reads through
        // it and advances it. The returned key, if any, is owned by us and freed by `Pkey`.
        let key = NonNull::new(unsafe { parse(&mut cbs) }).map(Self);
        let key = match key {
            Some(key) => key,
            None => {
                clear_errors();
                return Err(CryptoError);
            }
        };
        // Exactly one structure, no trailing bytes.
        if cbs.len != 0 {
            return Err(CryptoError);
        }
        Ok(key)
    }

    fn id(&self) -> i32 {
        // SAFETY: `self.0` is a live key.
        unsafe { sys::EVP_PKEY_id(self.0.as_ptr()) }
    }

    fn raw(&self, getter: RawGetter) -> Result<Vec<u8>, CryptoError> {
        let mut len = 0usize;
        // SAFETY: a null output pointer asks only for the length, written to `len`.
        if unsafe { getter(self.0.as_ptr(), ptr::null_mut(), &mut len) } != 1 {
            clear_errors();
            return Err(CryptoError);
        }
        let mut out = Zeroizing::new(vec![0u8; len]);
        // SAFETY: `out` has `len` writable bytes and `len` says so.
        if unsafe { getter(self.0.as_ptr(), out.as_mut_ptr(), &mut len) } != 1 || len > out.len() {
            clear_errors();
            return Err(CryptoError);
        }
        out.truncate(len);
        Ok(std::mem::take(&mut *out))
    }
}

impl Drop for Pkey {
    fn drop(&mut self) {
        // SAFETY: we own this key and free it exactly once. AWS-LC clears key memory on free.
        unsafe { sys::EVP_PKEY_free(self.0.as_ptr()) }
    }
}

/// An owned `EVP_PKEY_CTX`, freed on drop; it holds its own reference to the key.
struct PkeyCtx(NonNull<sys::EVP_PKEY_CTX>);

impl PkeyCtx {
    fn for_key(key: &Pkey) -> Result<Self, CryptoError> {
        // SAFETY: `key` is live; the context takes its own reference to it. No engine.
        NonNull::new(unsafe { sys::EVP_PKEY_CTX_new(key.0.as_ptr(), ptr::null_mut()) })
            .map(Self)
            .ok_or(CryptoError)
    }
}

impl Drop for PkeyCtx {
    fn drop(&mut self) {
        // SAFETY: we own this context and free it exactly once.
        unsafe { sys::EVP_PKEY_CTX_free(self.0.as_ptr()) }
    }
}

/// Drops what a failed call left on AWS-LC's thread-local error queue, so it cannot be
/// mistaken later for the cause of an unrelated failure.
fn clear_errors() {
    // SAFETY: takes no arguments and only touches this thread's error queue.
    unsafe { sys::ERR_clear_error() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_without_panicking() {
        assert!(Pkey::parse_private(&[]).is_err());
        assert!(Pkey::parse_private(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(Pkey::parse_public(&[0xff; 40]).is_err());
        assert!(ml_kem_keys(&[0x30, 0x00]).is_err());
        assert!(ml_dsa_sign_mu(&[0x30, 0x00], &[0; 64]).is_err());
        assert!(!ml_dsa_verify_mu(&[0x30, 0x00], &[0; 64], &[0; 10]));
        assert!(!ed25519ph_verify_digest(&[0; 32], &[0; 64], &[0; 63]));
    }
}
