//! Configuration: defaults, then a TOML file, then `TRENT_*` environment variables, then
//! flags, each overriding the one before.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use trent_core::{Identities, Principal, ServiceOptions};
use trent_types::PrincipalArn;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:4599";
pub const DEFAULT_DATA_DIR: &str = "./trent-data";

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// A TOML configuration file.
    #[arg(long, env = "TRENT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the database and the root key live [default: ./trent-data].
    #[arg(long, env = "TRENT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// The address to listen on [default: 127.0.0.1:4599].
    #[arg(long, env = "TRENT_LISTEN")]
    pub listen: Option<SocketAddr>,
}

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    /// Seconds between runs of the background jobs (deletion, rotation, last-use writes).
    pub job_interval_seconds: Option<u64>,
    /// Seconds shutdown waits for in-flight requests before closing their connections.
    pub drain_timeout_seconds: Option<u64>,
    /// Access keys Trent accepts. Without any, the default `test` identity (with an allow-all
    /// identity policy) is used.
    #[serde(default)]
    pub identities: Vec<IdentityConfig>,
}

/// One access key. Several may name the same principal; the principal's identity policies and
/// tags are then those of all its entries together.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// `arn:aws:iam::ACCOUNT:user/NAME`, `...:role/NAME` or `...:root`.
    pub principal: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// IAM identity policies, each a JSON document. Without any, the principal may do only
    /// what key policies allow it by name.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Principal tags, for `aws:PrincipalTag/KEY` conditions.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl std::fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("principal", &self.principal)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// The settings `trent serve` runs with.
#[derive(Debug)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub job_interval: Duration,
    pub drain_timeout: Duration,
    pub identities: Identities,
    /// Whether the out-of-the-box `test` identity is in use (then only loopback is allowed).
    pub default_identity: bool,
}

impl Settings {
    /// The settings from defaults, the file, the environment and the flags. Whether the
    /// default identity stays depends on the store too: see [`Self::settle_default_identity`].
    pub fn load(args: &ServeArgs) -> Result<Self, String> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let listen = match (args.listen, file.listen) {
            (Some(l), _) | (None, Some(l)) => l,
            (None, None) => DEFAULT_LISTEN
                .parse()
                .map_err(|e| format!("default listen address: {e}"))?,
        };
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let default_identity = file.identities.is_empty();
        let identities = if default_identity {
            Identities::default_local()
        } else {
            identities(file.identities)?
        };
        Ok(Self {
            data_dir,
            listen,
            job_interval: Duration::from_secs(file.job_interval_seconds.unwrap_or(60).max(1)),
            drain_timeout: Duration::from_secs(file.drain_timeout_seconds.unwrap_or(30)),
            identities,
            default_identity,
        })
    }

    /// The out-of-the-box `test` identity serves only while no identity is configured or
    /// stored (`stored_principals`: the store holds a principal); with it, Trent listens on
    /// loopback addresses only.
    pub fn settle_default_identity(&mut self, stored_principals: bool) -> Result<(), String> {
        if self.default_identity && stored_principals {
            self.default_identity = false;
            self.identities = Identities::default();
        }
        if self.default_identity && !self.listen.ip().is_loopback() {
            return Err(format!(
                "refusing to listen on {} with the default test credentials; \
                 configure identities (or create some with `trent admin`) or listen on a \
                 loopback address",
                self.listen
            ));
        }
        Ok(())
    }

    pub fn serve_options(&self) -> trent_server::ServeOptions {
        trent_server::ServeOptions {
            drain_timeout: self.drain_timeout,
            ..trent_server::ServeOptions::default()
        }
    }

    pub fn service_options(&self) -> ServiceOptions {
        let mut opts = ServiceOptions::new(self.data_dir.clone());
        opts.identities = self.identities.clone();
        opts.job_interval = self.job_interval;
        opts.clock = Arc::new(trent_types::SystemClock);
        opts
    }
}

/// Where `trent admin` works: `--data-dir`, `TRENT_DATA_DIR`, the file's `data_dir` or the
/// default, as for `trent serve`; and the configured identities (none if the file has none),
/// whose principals `trent admin` leaves to the file.
pub fn admin_location(
    config: Option<&Path>,
    data_dir: Option<PathBuf>,
) -> Result<(PathBuf, Identities), String> {
    let file = match config {
        Some(path) => read_file(path)?,
        None => FileConfig::default(),
    };
    let data_dir = data_dir
        .or(file.data_dir)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    Ok((data_dir, identities(file.identities)?))
}

/// The configured access keys, grouped by principal: each principal is built once, with the
/// policies and tags of all its entries, and shared by its access keys.
fn identities(configured: Vec<IdentityConfig>) -> Result<Identities, String> {
    let mut principals: Vec<(Principal, Vec<(String, String)>)> = Vec::new();
    for i in configured {
        let arn = PrincipalArn::parse(&i.principal).ok_or_else(|| {
            format!(
                "identity {}: bad principal ARN {}",
                i.access_key_id, i.principal
            )
        })?;
        if i.secret_access_key.len() < 8 {
            return Err(format!(
                "identity {}: the secret access key is too short (8 characters at least)",
                i.access_key_id
            ));
        }
        if principals
            .iter()
            .any(|(_, keys)| keys.iter().any(|(k, _)| *k == i.access_key_id))
        {
            return Err(format!(
                "identity {}: the access key id appears twice",
                i.access_key_id
            ));
        }
        let at = match principals.iter().position(|(p, _)| p.arn == arn) {
            Some(at) => at,
            None => {
                principals.push((Principal::new(arn), Vec::new()));
                principals.len() - 1
            }
        };
        let (principal, keys) = &mut principals[at];
        for (n, policy) in i.policies.iter().enumerate() {
            let parsed = trent_policy::Policy::parse_identity_policy(policy).map_err(|e| {
                format!(
                    "identity {} ({}): policy {} is not a valid identity policy: {e}",
                    i.access_key_id,
                    i.principal,
                    n + 1
                )
            })?;
            principal.policies.push(parsed);
        }
        for (key, value) in i.tags {
            if let Some(other) = principal.tags.get(&key)
                && *other != value
            {
                return Err(format!(
                    "identity {} ({}): tag {key} is {value} here and {other} in another entry \
                     of the same principal",
                    i.access_key_id, i.principal
                ));
            }
            principal.tags.insert(key, value);
        }
        keys.push((i.access_key_id, i.secret_access_key));
    }
    let mut ids = Identities::default();
    for (principal, keys) in principals {
        let principal = Arc::new(principal);
        for (access_key_id, secret) in keys {
            ids.add(access_key_id, secret, &principal);
        }
    }
    Ok(ids)
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ServeArgs {
        ServeArgs {
            config: None,
            data_dir: None,
            listen: None,
        }
    }

    #[test]
    fn defaults() {
        let s = Settings::load(&args()).unwrap();
        assert_eq!(s.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(s.default_identity);
        assert!(s.identities.credential("test").is_some());
    }

    #[test]
    fn file_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trent.toml");
        std::fs::write(
            &path,
            r#"
data_dir = "/tmp/from-file"
listen = "127.0.0.1:5000"
[[identities]]
principal = "arn:aws:iam::444455556666:user/alice"
access_key_id = "AKIAALICE"
secret_access_key = "alice-secret"
"#,
        )
        .unwrap();
        let mut a = args();
        a.config = Some(path);
        let s = Settings::load(&a).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/tmp/from-file"));
        assert_eq!(s.listen.to_string(), "127.0.0.1:5000");
        assert!(!s.default_identity);
        assert!(s.identities.credential("test").is_none());
        assert!(s.identities.credential("AKIAALICE").is_some());
        a.listen = Some("127.0.0.1:6000".parse().unwrap());
        a.data_dir = Some("/tmp/from-flag".into());
        let s = Settings::load(&a).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:6000");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/from-flag"));
    }

    #[test]
    fn default_credentials_stay_on_loopback() {
        let mut a = args();
        a.listen = Some("0.0.0.0:4599".parse().unwrap());
        let mut s = Settings::load(&a).unwrap();
        assert!(
            s.settle_default_identity(false)
                .unwrap_err()
                .contains("refusing")
        );
        // Loopback: fine.
        let mut s = Settings::load(&args()).unwrap();
        s.settle_default_identity(false).unwrap();
        assert!(s.default_identity);
        assert!(s.identities.credential("test").is_some());
    }

    #[test]
    fn stored_identities_retire_the_default_one() {
        let mut a = args();
        a.listen = Some("0.0.0.0:4599".parse().unwrap());
        let mut s = Settings::load(&a).unwrap();
        s.settle_default_identity(true).unwrap();
        assert!(!s.default_identity);
        assert!(s.identities.is_empty());
        // Configured identities are kept whatever the store holds.
        let mut s = load_config(
            r#"
listen = "0.0.0.0:4599"
[[identities]]
principal = "arn:aws:iam::444455556666:user/alice"
access_key_id = "AKIAALICE"
secret_access_key = "alice-secret"
"#,
        )
        .unwrap();
        s.settle_default_identity(false).unwrap();
        s.settle_default_identity(true).unwrap();
        assert!(s.identities.credential("AKIAALICE").is_some());
    }

    #[test]
    fn admin_finds_the_data_dir_as_serve_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trent.toml");
        std::fs::write(
            &path,
            r#"
data_dir = "/tmp/from-file"
[[identities]]
principal = "arn:aws:iam::444455556666:user/alice"
access_key_id = "AKIAALICE"
secret_access_key = "alice-secret"
"#,
        )
        .unwrap();
        let (data_dir, ids) = admin_location(Some(&path), None).unwrap();
        assert_eq!(data_dir, PathBuf::from("/tmp/from-file"));
        assert!(ids.credential("AKIAALICE").is_some());
        let (data_dir, _) = admin_location(Some(&path), Some("/tmp/flag".into())).unwrap();
        assert_eq!(data_dir, PathBuf::from("/tmp/flag"));
        let (data_dir, ids) = admin_location(None, None).unwrap();
        assert_eq!(data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(
            ids.is_empty(),
            "the default identity is not a configured one"
        );
    }

    fn load_config(text: &str) -> Result<Settings, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trent.toml");
        std::fs::write(&path, text).unwrap();
        let mut a = args();
        a.config = Some(path);
        Settings::load(&a)
    }

    #[test]
    fn identities_carry_policies_and_tags_shared_by_their_access_keys() {
        let s = load_config(
            r#"
[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIAALICE1"
secret_access_key = "alice-secret-one"
policies = ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}']
tags = { team = "blue" }

[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIAALICE2"
secret_access_key = "alice-secret-two"
policies = ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}']

[[identities]]
principal = "arn:aws:iam::111122223333:user/bob"
access_key_id = "AKIABOB"
secret_access_key = "bob-secret"
"#,
        )
        .unwrap();
        let one = s.identities.credential("AKIAALICE1").unwrap();
        let two = s.identities.credential("AKIAALICE2").unwrap();
        assert!(Arc::ptr_eq(&one.principal, &two.principal));
        assert_eq!(one.principal.policies.len(), 2);
        assert_eq!(one.principal.tags["team"], "blue");
        let bob = s.identities.credential("AKIABOB").unwrap();
        assert!(bob.principal.policies.is_empty());
        assert!(bob.principal.tags.is_empty());
    }

    #[test]
    fn a_malformed_identity_policy_refuses_startup_naming_the_identity() {
        for policy in [
            "{",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*"}]}"#,
        ] {
            let e = load_config(&format!(
                r#"
[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIAALICE"
secret_access_key = "alice-secret"
policies = ['{policy}']
"#
            ))
            .unwrap_err();
            assert!(e.contains("AKIAALICE"), "{e}");
            assert!(e.contains("policy 1"), "{e}");
        }
    }

    #[test]
    fn conflicting_tags_and_repeated_access_keys_are_refused() {
        let e = load_config(
            r#"
[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIA1"
secret_access_key = "alice-secret"
tags = { team = "blue" }
[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIA2"
secret_access_key = "alice-secret"
tags = { team = "red" }
"#,
        )
        .unwrap_err();
        assert!(e.contains("tag team"), "{e}");
        let e = load_config(
            r#"
[[identities]]
principal = "arn:aws:iam::111122223333:user/alice"
access_key_id = "AKIA1"
secret_access_key = "alice-secret"
[[identities]]
principal = "arn:aws:iam::111122223333:user/bob"
access_key_id = "AKIA1"
secret_access_key = "bob-secret-x"
"#,
        )
        .unwrap_err();
        assert!(e.contains("twice"), "{e}");
    }

    #[test]
    fn the_default_identity_is_an_administrator() {
        let s = Settings::load(&args()).unwrap();
        let admin = s.identities.credential("test").unwrap();
        assert_eq!(admin.principal.policies.len(), 1);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trent.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:1\"\n").unwrap();
        let mut a = args();
        a.config = Some(path);
        assert!(Settings::load(&a).is_err());
    }
}
