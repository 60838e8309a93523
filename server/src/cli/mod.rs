//! The `rummet` command line: `serve`, `load`, `seed`, `export`, `datasets`,
//! `db start|stop|status|url`, `org`, `key` and `audit`.

mod access;
mod database;
mod datasets;
mod db;
mod export;
mod load;
mod seed;
mod serve;
mod versions;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, Overrides};

/// Rummet serves Sweden's national geodata from PostGIS as vector tiles, features and
/// statistics, and loads the agencies' published files into it.
#[derive(Debug, Parser)]
#[command(name = "rummet", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./rummet.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the managed PostgreSQL cluster and other state.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this PostgreSQL server instead of a managed cluster.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve tiles, TileJSON, styles and the catalog over HTTP (starts the managed database
    /// and loads the demo data on first start unless --database-url is given).
    Serve(serve::ServeArgs),
    /// Load a dataset from the catalog into a new version and swap it in atomically.
    Load(load::LoadArgs),
    /// Pre-render a loaded dataset's tiles over a range of zooms into the database (L2),
    /// shared by every server; `load` does zooms 0-10 by itself.
    Seed(seed::SeedArgs),
    /// Write a dataset's tiles (or several datasets', one layer each) to a PMTiles or
    /// MBTiles file.
    Export(export::ExportArgs),
    /// List the catalog and what is loaded.
    Datasets(datasets::DatasetsArgs),
    /// Manage the embedded PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        action: db::DbAction,
    },
    /// Organisations that hold API keys and publish.
    Org {
        #[command(subcommand)]
        action: access::OrgAction,
    },
    /// API keys: create (printed once, stored hashed), list, revoke.
    Key {
        #[command(subcommand)]
        action: access::KeyAction,
    },
    /// Who may see a dataset: public, org or private, and its owning organisation.
    Visibility(access::VisibilityArgs),
    /// The audit trail of writes: who, what, when, with what result.
    Audit(access::AuditArgs),
    /// The serving version of a dataset and the earlier ones kept for rollback.
    Versions(versions::VersionsArgs),
    /// Swap a kept version of a dataset back in, atomically (the serving one is kept).
    Rollback(versions::RollbackArgs),
    /// Remove a loaded dataset with its kept versions, statistics overlays and tiles.
    Remove(versions::RemoveArgs),
}

/// Parses the command line, runs it, and turns an error into one line and exit code 1.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut overrides = Overrides {
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        ..Overrides::default()
    };
    if let Command::Serve(args) = &cli.command {
        args.apply(&mut overrides);
    }
    let config = Config::load(cli.config.as_deref(), &overrides)?;
    match cli.command {
        Command::Serve(_) => serve::run(config).await,
        Command::Load(args) => load::run(&config, args).await,
        Command::Seed(args) => seed::run(&config, args).await,
        Command::Export(args) => export::run(&config, args).await,
        Command::Datasets(args) => datasets::run(&config, &args).await,
        Command::Db { action } => db::run(&config, action).await,
        Command::Org { action } => access::org(&config, action).await,
        Command::Key { action } => access::key(&config, action).await,
        Command::Visibility(args) => access::visibility(&config, &args).await,
        Command::Audit(args) => access::audit(&config, &args).await,
        Command::Versions(args) => versions::list(&config, &args).await,
        Command::Rollback(args) => versions::rollback(&config, &args).await,
        Command::Remove(args) => versions::remove(&config, &args).await,
    }
}

/// Logs to stderr, filtered by `RUST_LOG`; one JSON object per line with
/// `RUMMET_LOG_FORMAT=json` (for a log collector), each carrying the fields of the span it is
/// in — a request's `request_id`, method and route.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_postgres=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("RUMMET_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}
