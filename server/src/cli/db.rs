//! `rummet db start|stop|status|url`: the managed cluster by hand.

use anyhow::bail;
use clap::Subcommand;

use crate::config::Config;
use crate::db::{ManagedCluster, Status};

#[derive(Debug, Subcommand)]
pub(super) enum DbAction {
    /// Create the cluster if needed and start it; it keeps running until `rummet db stop`.
    Start,
    /// Stop the cluster.
    Stop,
    /// Say whether the cluster exists and runs, where, and on which port.
    Status,
    /// Print a postgres:// URL (loopback TCP, with password) for QGIS, psql or --database-url.
    Url,
}

pub(super) async fn run(config: &Config, action: DbAction) -> anyhow::Result<()> {
    if config.database_url.is_some() {
        bail!("a database URL is configured: `rummet db` manages only Rummet's own cluster");
    }
    let cluster = ManagedCluster::new(&config.data_dir)?.with_replication(config.db.replication);
    match action {
        DbAction::Start => {
            let started = cluster.start().await?;
            println!(
                "{} {}",
                if started {
                    "started"
                } else {
                    "already running:"
                },
                cluster.url()?
            );
        }
        DbAction::Stop => {
            let stopped = cluster.stop().await?;
            println!("{}", if stopped { "stopped" } else { "not running" });
        }
        DbAction::Status => match cluster.status() {
            Status::NotInitialized => println!("not initialised ({})", cluster.pgdata().display()),
            Status::Stopped => println!("stopped ({})", cluster.pgdata().display()),
            Status::Running { pid, port } => {
                println!(
                    "running: pid {pid}, port {port}, data {}",
                    cluster.pgdata().display()
                );
            }
        },
        DbAction::Url => println!("{}", cluster.url()?),
    }
    Ok(())
}
