//! The root of trust: what keeps key material sealed at rest.
//!
//! Two layers. A [`RootOfTrust`] (today the [`FileRoot`], a 256-bit key in a file of mode
//! 0600; later a passphrase, Shamir shares or an HSM) wraps one data-encryption key, the DEK,
//! which the store keeps only wrapped. The [`Sealer`] holds the unwrapped DEK and seals each key
//! material with AES-256-GCM, binding the key ARN and material id into the AAD so a sealed blob
//! moved to another key or material fails to open. Secret access keys are sealed the same way,
//! bound to their access key id (and, by a distinct AAD prefix, never confusable with
//! material). Changing the root of trust re-wraps one DEK,
//! not every key.
//!
//! This crate must never write plaintext material anywhere, log it, or let it into an error.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use trent_crypto::aead::{KEY_LEN, SealingKey};
use trent_crypto::token::TokenKey;
use trent_crypto::{CryptoError, KeyMaterial};
use trent_types::MaterialId;
use zeroize::Zeroizing;

/// Why the root of trust or a seal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("root key file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("root key file {0} is readable or writable by group or others; run `chmod 600` on it")]
    Permissions(PathBuf),
    #[error("root key file {0} does not hold a 256-bit key")]
    Malformed(PathBuf),
    #[error("the data-encryption key does not open under this root of trust")]
    WrongRoot,
    #[error("sealed key material failed to open")]
    Unseal,
    #[error("sealing failed")]
    Seal,
}

/// Wraps and unwraps the data-encryption key.
pub trait RootOfTrust: Send + Sync + fmt::Debug {
    fn wrap(&self, dek: &[u8]) -> Result<Vec<u8>, SealError>;
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError>;
}

const DEK_AAD: &[u8] = b"trent data-encryption key v1";

/// A root key kept in a file readable by its owner only.
pub struct FileRoot {
    key: SealingKey,
}

impl FileRoot {
    /// Opens the root key file, creating it (mode 0600, 32 random bytes) if it does not exist.
    /// Refuses a file that group or others may read or write.
    pub fn open_or_create(path: &Path) -> Result<Self, SealError> {
        let io_err = |source| SealError::Io {
            path: path.to_owned(),
            source,
        };
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut file) => {
                let mut key = Zeroizing::new([0u8; KEY_LEN]);
                aws_fill(&mut key[..]).map_err(|_| SealError::Seal)?;
                file.write_all(&key[..]).map_err(io_err)?;
                file.sync_all().map_err(io_err)?;
                if let Some(dir) = path.parent() {
                    // Make the new directory entry durable too.
                    if let Ok(d) = fs::File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
                Self::from_bytes(&key[..], path)
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::open(path),
            Err(e) => Err(io_err(e)),
        }
    }

    /// Opens an existing root key file.
    pub fn open(path: &Path) -> Result<Self, SealError> {
        let io_err = |source| SealError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = fs::File::open(path).map_err(io_err)?;
        let mode = file.metadata().map_err(io_err)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(SealError::Permissions(path.to_owned()));
        }
        let mut key = Zeroizing::new(Vec::with_capacity(KEY_LEN + 1));
        file.read_to_end(&mut key).map_err(io_err)?;
        Self::from_bytes(&key, path)
    }

    fn from_bytes(key: &[u8], path: &Path) -> Result<Self, SealError> {
        if key.len() != KEY_LEN {
            return Err(SealError::Malformed(path.to_owned()));
        }
        let key = SealingKey::new(key).map_err(|_| SealError::Malformed(path.to_owned()))?;
        Ok(Self { key })
    }
}

fn aws_fill(buf: &mut [u8]) -> Result<(), CryptoError> {
    let bytes = trent_crypto::random_bytes(buf.len())?;
    buf.copy_from_slice(bytes.as_bytes());
    Ok(())
}

impl RootOfTrust for FileRoot {
    fn wrap(&self, dek: &[u8]) -> Result<Vec<u8>, SealError> {
        self.key.seal(DEK_AAD, dek).map_err(|_| SealError::Seal)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.key
            .open(DEK_AAD, wrapped)
            .map_err(|_| SealError::WrongRoot)
    }
}

impl fmt::Debug for FileRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileRoot(..)")
    }
}

/// A fresh data-encryption key, to be wrapped by the root of trust and stored.
pub fn generate_dek() -> Result<Zeroizing<Vec<u8>>, SealError> {
    trent_crypto::random_bytes(KEY_LEN)
        .map(|p| p.into_inner())
        .map_err(|_| SealError::Seal)
}

/// Seals and unseals key material under the unwrapped data-encryption key.
pub struct Sealer {
    dek: SealingKey,
    /// Authenticates grant tokens: derived from the DEK (HKDF, [`GRANT_TOKEN_PURPOSE`]), so
    /// every node that opens the same store verifies the tokens any of them issued, and
    /// nothing about it is ever stored.
    grant_tokens: TokenKey,
}

/// The HKDF purpose label of the grant-token key.
const GRANT_TOKEN_PURPOSE: &[u8] = b"trent grant token v1";

impl Sealer {
    /// Unwraps `wrapped_dek` with `root` and prepares it.
    pub fn new(root: &dyn RootOfTrust, wrapped_dek: &[u8]) -> Result<Self, SealError> {
        let dek = root.unwrap(wrapped_dek)?;
        let grant_tokens =
            TokenKey::derive(&dek, GRANT_TOKEN_PURPOSE).map_err(|_| SealError::WrongRoot)?;
        let dek = SealingKey::new(&dek).map_err(|_| SealError::WrongRoot)?;
        Ok(Self { dek, grant_tokens })
    }

    /// Seals `material` of the key `key_arn`.
    pub fn seal(
        &self,
        key_arn: &str,
        material_id: &MaterialId,
        material: &KeyMaterial,
    ) -> Result<Vec<u8>, SealError> {
        self.dek
            .seal(
                &material_aad(key_arn, material_id),
                material.expose_secret(),
            )
            .map_err(|_| SealError::Seal)
    }

    /// Opens what [`Self::seal`] produced for the same key ARN and material id.
    pub fn unseal(
        &self,
        key_arn: &str,
        material_id: &MaterialId,
        sealed: &[u8],
    ) -> Result<KeyMaterial, SealError> {
        self.dek
            .open(&material_aad(key_arn, material_id), sealed)
            .map(KeyMaterial::from_unsealed)
            .map_err(|_| SealError::Unseal)
    }
}

impl Sealer {
    /// Seals the secret access key of `access_key_id`.
    pub fn seal_secret(&self, access_key_id: &str, secret: &[u8]) -> Result<Vec<u8>, SealError> {
        self.dek
            .seal(&secret_aad(access_key_id), secret)
            .map_err(|_| SealError::Seal)
    }

    /// Opens what [`Self::seal_secret`] produced for the same access key id.
    pub fn unseal_secret(
        &self,
        access_key_id: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.dek
            .open(&secret_aad(access_key_id), sealed)
            .map_err(|_| SealError::Unseal)
    }
}

impl Sealer {
    /// The key that authenticates grant tokens.
    pub fn grant_token_key(&self) -> &TokenKey {
        &self.grant_tokens
    }

    /// Seals the private wrapping key of an import token, bound to the key ARN and to the
    /// token's clear `header` (its algorithm, wrapping key spec and expiry): a token changed
    /// in any byte, or presented for another key, fails to open.
    pub fn seal_import_token(
        &self,
        key_arn: &str,
        header: &[u8],
        private_key: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        self.dek
            .seal(&import_token_aad(key_arn, header), private_key)
            .map_err(|_| SealError::Seal)
    }

    /// Opens what [`Self::seal_import_token`] produced for the same key ARN and header.
    pub fn unseal_import_token(
        &self,
        key_arn: &str,
        header: &[u8],
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, SealError> {
        self.dek
            .open(&import_token_aad(key_arn, header), sealed)
            .map_err(|_| SealError::Unseal)
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

fn material_aad(key_arn: &str, material_id: &MaterialId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + key_arn.len() + 1 + 32);
    aad.extend_from_slice(b"trent key material v1\0");
    aad.extend_from_slice(key_arn.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&material_id.0);
    aad
}

fn import_token_aad(key_arn: &str, header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + key_arn.len() + 1 + header.len());
    aad.extend_from_slice(b"trent import token v1\0");
    aad.extend_from_slice(key_arn.as_bytes());
    aad.push(0);
    aad.extend_from_slice(header);
    aad
}

fn secret_aad(access_key_id: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + access_key_id.len());
    aad.extend_from_slice(b"trent secret access key v1\0");
    aad.extend_from_slice(access_key_id.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_root_key_and_reopens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let root = FileRoot::open_or_create(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(fs::read(&path).unwrap().len(), 32);
        let dek = generate_dek().unwrap();
        let wrapped = root.wrap(&dek).unwrap();
        let again = FileRoot::open_or_create(&path).unwrap();
        assert_eq!(&*again.unwrap(&wrapped).unwrap(), &*dek);
    }

    #[test]
    fn refuses_a_root_key_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        FileRoot::open_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            FileRoot::open_or_create(&path),
            Err(SealError::Permissions(_))
        ));
    }

    #[test]
    fn refuses_a_malformed_root_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        fs::write(&path, b"short").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            FileRoot::open(&path),
            Err(SealError::Malformed(_))
        ));
    }

    #[test]
    fn another_root_cannot_unwrap() {
        let dir = tempfile::tempdir().unwrap();
        let a = FileRoot::open_or_create(&dir.path().join("a.key")).unwrap();
        let b = FileRoot::open_or_create(&dir.path().join("b.key")).unwrap();
        let wrapped = a.wrap(&generate_dek().unwrap()).unwrap();
        assert!(matches!(b.unwrap(&wrapped), Err(SealError::WrongRoot)));
        assert!(matches!(
            Sealer::new(&b, &wrapped),
            Err(SealError::WrongRoot)
        ));
    }

    #[test]
    fn sealed_material_is_bound_to_its_key_and_id() {
        let dir = tempfile::tempdir().unwrap();
        let root = FileRoot::open_or_create(&dir.path().join("root.key")).unwrap();
        let sealer = Sealer::new(&root, &root.wrap(&generate_dek().unwrap()).unwrap()).unwrap();
        let m = KeyMaterial::generate_symmetric().unwrap();
        let id = MaterialId([1; 32]);
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k1";
        let sealed = sealer.seal(arn, &id, &m).unwrap();
        assert!(!sealed.windows(32).any(|w| w == m.expose_secret()));
        let back = sealer.unseal(arn, &id, &sealed).unwrap();
        assert_eq!(back.expose_secret(), m.expose_secret());
        let other_arn = "arn:aws:kms:us-east-1:111122223333:key/k2";
        assert!(sealer.unseal(other_arn, &id, &sealed).is_err());
        assert!(sealer.unseal(arn, &MaterialId([2; 32]), &sealed).is_err());
    }

    #[test]
    fn sealed_secrets_are_bound_to_their_access_key_id() {
        let dir = tempfile::tempdir().unwrap();
        let root = FileRoot::open_or_create(&dir.path().join("root.key")).unwrap();
        let sealer = Sealer::new(&root, &root.wrap(&generate_dek().unwrap()).unwrap()).unwrap();
        let secret = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let sealed = sealer.seal_secret("AKIAIOSFODNN7EXAMPLE", secret).unwrap();
        assert!(!sealed.windows(secret.len()).any(|w| w == secret));
        assert_eq!(
            &*sealer
                .unseal_secret("AKIAIOSFODNN7EXAMPLE", &sealed)
                .unwrap(),
            secret
        );
        assert!(matches!(
            sealer.unseal_secret("AKIAIOSFODNN7EXAMPLF", &sealed),
            Err(SealError::Unseal)
        ));
        let mut tampered = sealed.clone();
        tampered[sealed.len() / 2] ^= 1;
        assert!(
            sealer
                .unseal_secret("AKIAIOSFODNN7EXAMPLE", &tampered)
                .is_err()
        );
        // A sealed secret is not key material, even where the associated strings agree.
        let id = MaterialId([3; 32]);
        assert!(sealer.unseal("AKIAIOSFODNN7EXAMPLE", &id, &sealed).is_err());
    }

    #[test]
    fn sealed_import_tokens_are_bound_to_key_and_header() {
        let dir = tempfile::tempdir().unwrap();
        let root = FileRoot::open_or_create(&dir.path().join("root.key")).unwrap();
        let sealer = Sealer::new(&root, &root.wrap(&generate_dek().unwrap()).unwrap()).unwrap();
        let arn = "arn:aws:kms:us-east-1:111122223333:key/k";
        let private = b"a wrapping private key";
        let sealed = sealer.seal_import_token(arn, b"header", private).unwrap();
        assert!(!sealed.windows(private.len()).any(|w| w == private));
        assert_eq!(
            &*sealer.unseal_import_token(arn, b"header", &sealed).unwrap(),
            private
        );
        let other = "arn:aws:kms:us-east-1:111122223333:key/k2";
        assert!(
            sealer
                .unseal_import_token(other, b"header", &sealed)
                .is_err()
        );
        assert!(sealer.unseal_import_token(arn, b"headex", &sealed).is_err());
        assert!(sealer.unseal_secret(arn, &sealed).is_err());
    }
}
