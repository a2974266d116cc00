//! `trent`: the Trent key management service and its tools.
//!
//! `trent serve` runs the service; `trent admin ...` manages the identities stored in a data
//! directory; `trent audit list|verify` reads the audit trail of a data directory;
//! `trent bench` drives load at any KMS endpoint.

mod admin;
mod bench;
mod config;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use trent_store::Store;

use crate::config::Settings;

/// mimalloc: a request allocates and frees dozens of small buffers across two threads, and
/// glibc's allocator costs about a tenth of Encrypt's CPU time there (measured with perf).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "trent",
    version,
    about = "A key management service that speaks the AWS KMS API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs the KMS service.
    Serve(config::ServeArgs),
    /// Manages the identities stored in the data directory: users, roles, access keys and
    /// identity policies.
    Admin(admin::AdminArgs),
    /// Reads the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Drives one operation at an endpoint and reports throughput and latency.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Prints every event as one JSON line, oldest first.
    List {
        /// The data directory whose trail to read.
        #[arg(long, env = "TRENT_DATA_DIR", default_value = "./trent-data")]
        data_dir: PathBuf,
        /// Print only events after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
    /// Checks the hash chain of the whole trail.
    Verify {
        #[arg(long, env = "TRENT_DATA_DIR", default_value = "./trent-data")]
        data_dir: PathBuf,
    },
    /// Deletes the events older than a number of days, keeping the chain checkable from the
    /// last one deleted. Safe beside running servers.
    Prune {
        #[arg(long, env = "TRENT_DATA_DIR", default_value = "./trent-data")]
        data_dir: PathBuf,
        /// Delete the events older than this many days.
        #[arg(long)]
        older_than_days: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TRENT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("trent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Admin(args) => admin::run(args).await,
            Command::Audit { command } => audit(command).await,
            Command::Bench(args) => bench::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trent: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = (), E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

async fn serve(args: config::ServeArgs) -> Result {
    let mut settings = Settings::load(&args)?;
    let stored = stored_principals(&settings.data_dir).await?;
    settings.settle_default_identity(stored)?;
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let local: SocketAddr = listener.local_addr()?;
    let (svc, background) = trent_core::Service::start(settings.service_options()).await?;
    println!("Trent is serving the AWS KMS API at http://{local}");
    println!("  data directory: {}", settings.data_dir.display());
    if settings.default_identity {
        println!("  account:        111122223333");
        println!("  principal:      {}", trent_core::DEFAULT_PRINCIPAL);
        println!("  access key id:  test");
        println!("  secret key:     test");
        println!(
            "  try:  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \\"
        );
        println!("        aws --endpoint-url http://{local} kms create-key");
    } else {
        print_access_keys(&svc.identities());
    }
    trent_server::serve_with(listener, svc, shutdown_signal(), settings.serve_options()).await?;
    tracing::info!("stopped taking requests; flushing the audit trail");
    background.shutdown().await;
    Ok(())
}

/// Whether the data directory's store holds any principal (without creating anything).
async fn stored_principals(data_dir: &std::path::Path) -> Result<bool> {
    if !data_dir.join("trent.db").exists() {
        return Ok(false);
    }
    let store = trent_store::sqlite::SqliteStore::open(&data_dir.join("trent.db")).await?;
    let any = !store.list_principals(None).await?.is_empty();
    store.close().await;
    Ok(any)
}

/// The access keys served at startup (ids and principals, never secrets), the first few.
fn print_access_keys(identities: &trent_core::Identities) {
    const SHOWN: usize = 20;
    let mut keys: Vec<_> = identities
        .iter()
        .map(|c| (c.access_key_id.as_str(), c.principal.arn.as_str()))
        .collect();
    keys.sort_unstable();
    for (id, arn) in keys.iter().take(SHOWN) {
        println!("  access key id:  {id} ({arn})");
    }
    if keys.len() > SHOWN {
        println!("  ... and {} more access keys", keys.len() - SHOWN);
    }
    if keys.is_empty() {
        println!(
            "  no access key is active: create one with `trent admin create-access-key`, \
             or configure identities"
        );
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = term => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    tracing::info!("shutdown requested; draining in-flight requests");
}

async fn audit(command: AuditCommand) -> Result {
    match command {
        AuditCommand::List { data_dir, after } => {
            let store = open_store(&data_dir).await?;
            let mut next = after;
            loop {
                let page = store.list_audit(next, 1000).await?;
                let Some(last) = page.last() else { break };
                next = last.seq;
                for r in &page {
                    println!("{}", r.event_json);
                }
            }
            Ok(())
        }
        AuditCommand::Verify { data_dir } => {
            let store = open_store(&data_dir).await?;
            // A pruned trail is checked from the last event pruned, whose hash the store kept.
            let (after, mut prev) = store.audit_anchor().await?.unwrap_or((0, [0u8; 32]));
            let (mut seq, mut count) = (after + 1, 0u64);
            loop {
                let page = store.list_audit(seq - 1, 1000).await?;
                if page.is_empty() {
                    break;
                }
                prev = trent_audit::verify_chain(prev, seq, &page)
                    .map_err(|e| format!("the audit trail is broken: {e:?}"))?;
                seq += i64::try_from(page.len())?;
                count += u64::try_from(page.len())?;
            }
            if after > 0 {
                println!("ok: {count} events after event {after} (pruned), chain intact");
            } else {
                println!("ok: {count} events, chain intact");
            }
            Ok(())
        }
        AuditCommand::Prune {
            data_dir,
            older_than_days,
        } => {
            let store = open_store(&data_dir).await?;
            let now = trent_types::Clock::now(&trent_types::SystemClock);
            let before = trent_types::Timestamp::from_millis(
                now.millis()
                    .saturating_sub(i64::from(older_than_days) * 86_400_000),
            );
            let pruned = store.prune_audit(before).await?;
            match store.audit_anchor().await? {
                Some((seq, _)) if pruned > 0 => {
                    println!("pruned {pruned} events; the trail now starts after event {seq}");
                }
                _ => println!("nothing older than {older_than_days} days"),
            }
            Ok(())
        }
    }
}

async fn open_store(data_dir: &std::path::Path) -> Result<trent_store::sqlite::SqliteStore> {
    let path = data_dir.join("trent.db");
    if !path.exists() {
        return Err(format!("no Trent database at {}", path.display()).into());
    }
    Ok(trent_store::sqlite::SqliteStore::open(&path).await?)
}
