//! `trent admin ...`: users, roles, access keys and identity policies in the data directory's
//! store, managed from the command line, while `trent serve` runs or not.
//!
//! The operations and their rules are `trent_core::admin`'s; this module parses arguments
//! and prints results, human-readable or (`--json`) as JSON. A secret access key is printed
//! once, by `create-access-key`, and never again.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use trent_core::admin::{Deleted, IdentityAdmin, NewAccessKey, Revocation};
use trent_store::{AccessKeyRecord, IdentityPolicyRecord, PrincipalKind, PrincipalRecord};

use crate::Result;

#[derive(clap::Args, Debug)]
pub struct AdminArgs {
    /// A TOML configuration file (for its `data_dir`, and its identities, which are left to it).
    #[arg(long, env = "TRENT_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// The data directory [default: the configuration's, or ./trent-data].
    #[arg(long, env = "TRENT_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AdminCommand {
    /// Creates an IAM user.
    CreateUser(NewPrincipalArgs),
    /// Creates an IAM role (used with access keys of its own: Trent issues no sessions).
    CreateRole(NewPrincipalArgs),
    /// Deletes a user.
    DeleteUser(DeletePrincipalArgs),
    /// Deletes a role.
    DeleteRole(DeletePrincipalArgs),
    /// Lists users and roles.
    ListPrincipals {
        #[arg(long)]
        account: Option<String>,
    },
    /// Issues an access key to a user or role and prints its secret, once.
    CreateAccessKey {
        /// The user's or role's ARN.
        #[arg(long)]
        principal: String,
    },
    /// Deactivates an access key, or with --delete removes it.
    RevokeAccessKey {
        #[arg(long)]
        access_key_id: String,
        /// Remove the key for good instead of deactivating it.
        #[arg(long)]
        delete: bool,
    },
    /// Makes a deactivated access key active again.
    ActivateAccessKey {
        #[arg(long)]
        access_key_id: String,
    },
    /// Lists access keys (never their secrets).
    ListAccessKeys {
        #[arg(long, conflicts_with = "account")]
        principal: Option<String>,
        #[arg(long)]
        account: Option<String>,
    },
    /// Attaches an identity policy to a user or role (replacing its policy of that name).
    AttachPolicy {
        #[arg(long)]
        principal: String,
        /// The policy's name, unique among the principal's.
        #[arg(long)]
        name: String,
        /// The policy document: JSON, or @FILE, or @- for standard input.
        #[arg(long)]
        document: String,
    },
    /// Detaches an identity policy from a user or role.
    DetachPolicy {
        #[arg(long)]
        principal: String,
        #[arg(long)]
        name: String,
    },
    /// Lists identity policies with their documents.
    ListPolicies {
        #[arg(long, conflicts_with = "account")]
        principal: Option<String>,
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
struct NewPrincipalArgs {
    /// The 12-digit account id.
    #[arg(long)]
    account: String,
    #[arg(long)]
    name: String,
    /// An IAM path such as /engineering/ [default: /].
    #[arg(long)]
    path: Option<String>,
    /// A principal tag (for aws:PrincipalTag/KEY), as KEY=VALUE; repeatable.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    tags: Vec<(String, String)>,
}

#[derive(clap::Args, Debug)]
struct DeletePrincipalArgs {
    #[arg(long)]
    account: String,
    #[arg(long)]
    name: String,
    /// Also delete its access keys and detach its policies (else they must be gone first).
    #[arg(long)]
    force: bool,
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

pub async fn run(args: AdminArgs) -> Result {
    let (data_dir, configured) =
        crate::config::admin_location(args.config.as_deref(), args.data_dir)?;
    if !args.command.changes_something() && !data_dir.join("trent.db").exists() {
        return Err(format!(
            "no Trent database at {}",
            data_dir.join("trent.db").display()
        )
        .into());
    }
    let admin =
        IdentityAdmin::open(&data_dir, &configured, Arc::new(trent_types::SystemClock)).await?;
    let out = Output { json: args.json };
    match args.command {
        AdminCommand::CreateUser(a) => {
            create(&admin, &out, PrincipalKind::User, a, &configured).await
        }
        AdminCommand::CreateRole(a) => {
            create(&admin, &out, PrincipalKind::Role, a, &configured).await
        }
        AdminCommand::DeleteUser(a) => delete(&admin, &out, PrincipalKind::User, a).await,
        AdminCommand::DeleteRole(a) => delete(&admin, &out, PrincipalKind::Role, a).await,
        AdminCommand::ListPrincipals { account } => {
            let principals = admin.principals(account.as_deref()).await?;
            out.principals(&principals);
            Ok(())
        }
        AdminCommand::CreateAccessKey { principal } => {
            let key = admin.create_access_key(&principal).await?;
            out.new_access_key(&key);
            Ok(())
        }
        AdminCommand::RevokeAccessKey {
            access_key_id,
            delete,
        } => {
            let how = if delete {
                Revocation::Delete
            } else {
                Revocation::Deactivate
            };
            let key = admin.revoke_access_key(&access_key_id, how).await?;
            let now = if delete { "Deleted" } else { "Inactive" };
            out.access_key_changed(&key, now);
            Ok(())
        }
        AdminCommand::ActivateAccessKey { access_key_id } => {
            let key = admin.activate_access_key(&access_key_id).await?;
            out.access_key_changed(&key, "Active");
            Ok(())
        }
        AdminCommand::ListAccessKeys { principal, account } => {
            let keys = admin
                .access_keys(principal.as_deref(), account.as_deref())
                .await?;
            out.access_keys(&keys);
            Ok(())
        }
        AdminCommand::AttachPolicy {
            principal,
            name,
            document,
        } => {
            let document = read_document(&document)?;
            let replaced = admin.attach_policy(&principal, &name, &document).await?;
            out.policy_attached(&principal, &name, replaced);
            Ok(())
        }
        AdminCommand::DetachPolicy { principal, name } => {
            admin.detach_policy(&principal, &name).await?;
            out.policy_detached(&principal, &name);
            Ok(())
        }
        AdminCommand::ListPolicies { principal, account } => {
            let policies = admin
                .policies(principal.as_deref(), account.as_deref())
                .await?;
            out.policies(&policies);
            Ok(())
        }
    }
}

impl AdminCommand {
    /// Listing needs an existing database; a change may be the first thing in one.
    fn changes_something(&self) -> bool {
        !matches!(
            self,
            Self::ListPrincipals { .. } | Self::ListAccessKeys { .. } | Self::ListPolicies { .. }
        )
    }
}

async fn create(
    admin: &IdentityAdmin,
    out: &Output,
    kind: PrincipalKind,
    a: NewPrincipalArgs,
    configured: &trent_core::Identities,
) -> Result {
    let created = admin
        .create_principal(&a.account, kind, &a.name, a.path.as_deref(), &a.tags)
        .await?;
    out.principal_created(&created);
    if configured.is_empty() && admin.principals(None).await?.len() == 1 {
        eprintln!(
            "note: with identities in the store, `trent serve` without configured identities \
             no longer accepts the default `test` access key (from its next start)"
        );
    }
    Ok(())
}

async fn delete(
    admin: &IdentityAdmin,
    out: &Output,
    kind: PrincipalKind,
    a: DeletePrincipalArgs,
) -> Result {
    let deleted = admin
        .delete_principal(&a.account, kind, &a.name, a.force)
        .await?;
    out.principal_deleted(&deleted);
    Ok(())
}

/// The document as given, or read from `@FILE`, or from standard input for `@-`.
fn read_document(arg: &str) -> Result<String> {
    let Some(source) = arg.strip_prefix('@') else {
        return Ok(arg.to_owned());
    };
    if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read the policy document from standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(Path::new(source))
        .map_err(|e| format!("cannot read the policy document {source}: {e}").into())
}

/// Prints results for people, or as JSON.
struct Output {
    json: bool,
}

impl Output {
    fn print_json(&self, value: &Value) {
        println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        );
    }

    fn principal_created(&self, p: &PrincipalRecord) {
        if self.json {
            self.print_json(&json!({ "Principal": principal_json(p) }));
        } else {
            println!("created {} {}", p.kind.as_str(), p.arn);
        }
    }

    fn principal_deleted(&self, d: &Deleted) {
        if self.json {
            self.print_json(&json!({
                "Deleted": principal_json(&d.principal),
                "DeletedAccessKeys": d.access_keys.iter().map(|k| k.access_key_id.as_str()).collect::<Vec<_>>(),
                "DetachedPolicies": d.policies.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            }));
            return;
        }
        println!("deleted {} {}", d.principal.kind.as_str(), d.principal.arn);
        for k in &d.access_keys {
            println!("  deleted access key {}", k.access_key_id);
        }
        for p in &d.policies {
            println!("  detached policy {}", p.name);
        }
    }

    fn principals(&self, principals: &[PrincipalRecord]) {
        if self.json {
            let list: Vec<_> = principals.iter().map(principal_json).collect();
            self.print_json(&json!({ "Principals": list }));
            return;
        }
        if principals.is_empty() {
            println!("no users or roles");
            return;
        }
        for p in principals {
            let tags: Vec<_> = p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "{:<4}  {}  created {}{}",
                p.kind.as_str(),
                p.arn,
                p.created.iso8601(),
                if tags.is_empty() {
                    String::new()
                } else {
                    format!("  tags {}", tags.join(","))
                }
            );
        }
    }

    fn new_access_key(&self, key: &NewAccessKey) {
        let r = &key.record;
        // The one place a secret access key leaves Trent: shown to the operator who asked
        // for it, once.
        let secret = key.secret();
        if self.json {
            self.print_json(&json!({ "AccessKey": {
                "AccessKeyId": r.access_key_id,
                "SecretAccessKey": secret,
                "Principal": r.principal.as_str(),
                "Status": r.status.as_str(),
                "CreateDate": r.created.iso8601(),
            }}));
        } else {
            println!("AccessKeyId:     {}", r.access_key_id);
            println!("SecretAccessKey: {secret}");
            println!("Principal:       {}", r.principal);
            println!("Status:          {}", r.status.as_str());
        }
        eprintln!(
            "note: save the secret access key now; Trent keeps it sealed and cannot show it again"
        );
    }

    fn access_key_changed(&self, before: &AccessKeyRecord, now: &str) {
        if self.json {
            self.print_json(&json!({
                "AccessKeyId": before.access_key_id,
                "Principal": before.principal.as_str(),
                "PreviousStatus": before.status.as_str(),
                "Status": now,
            }));
        } else {
            println!(
                "access key {} of {}: {} -> {now}",
                before.access_key_id,
                before.principal,
                before.status.as_str()
            );
        }
    }

    fn access_keys(&self, keys: &[AccessKeyRecord]) {
        if self.json {
            let list: Vec<_> = keys
                .iter()
                .map(|k| {
                    json!({
                        "AccessKeyId": k.access_key_id,
                        "Principal": k.principal.as_str(),
                        "Status": k.status.as_str(),
                        "CreateDate": k.created.iso8601(),
                    })
                })
                .collect();
            self.print_json(&json!({ "AccessKeys": list }));
            return;
        }
        if keys.is_empty() {
            println!("no access keys");
            return;
        }
        for k in keys {
            println!(
                "{}  {:<8}  {}  created {}",
                k.access_key_id,
                k.status.as_str(),
                k.principal,
                k.created.iso8601()
            );
        }
    }

    fn policy_attached(&self, principal: &str, name: &str, replaced: bool) {
        if self.json {
            self.print_json(&json!({
                "Principal": principal, "PolicyName": name, "Replaced": replaced,
            }));
        } else if replaced {
            println!("replaced policy {name} of {principal}");
        } else {
            println!("attached policy {name} to {principal}");
        }
    }

    fn policy_detached(&self, principal: &str, name: &str) {
        if self.json {
            self.print_json(&json!({ "Principal": principal, "PolicyName": name }));
        } else {
            println!("detached policy {name} from {principal}");
        }
    }

    fn policies(&self, policies: &[IdentityPolicyRecord]) {
        if self.json {
            let list: Vec<_> = policies
                .iter()
                .map(|p| {
                    json!({
                        "Principal": p.principal.as_str(),
                        "PolicyName": p.name,
                        // Parsed when attached, so this is JSON; as text if it somehow is not.
                        "PolicyDocument": serde_json::from_str::<Value>(&p.document)
                            .unwrap_or_else(|_| Value::String(p.document.clone())),
                    })
                })
                .collect();
            self.print_json(&json!({ "Policies": list }));
            return;
        }
        if policies.is_empty() {
            println!("no policies");
            return;
        }
        for p in policies {
            println!("{}  {}", p.principal, p.name);
            println!("  {}", p.document.trim());
        }
    }
}

fn principal_json(p: &PrincipalRecord) -> Value {
    json!({
        "Arn": p.arn.as_str(),
        "Account": p.account().as_str(),
        "Type": p.kind.as_str(),
        "Name": p.name,
        "Path": p.path,
        "Tags": p.tags,
        "CreateDate": p.created.iso8601(),
    })
}
