//! Opening the database for a command: the external server of `--database-url`, or the managed
//! cluster, started when needed and stopped again by [`Database::close`] if this command
//! started it.

use std::time::Duration;

use anyhow::Context;
use deadpool_postgres::Pool;

use crate::config::Config;

use crate::db::{self, CLUSTER_DB, ManagedCluster, Status, pool};

/// An open, migrated database.
pub struct Database {
    /// Connection settings.
    pub pg_config: tokio_postgres::Config,
    /// The pool.
    pub pool: Pool,
    cluster: Option<ManagedCluster>,
    started: bool,
}

impl Database {
    /// As [`Database::open`], and owning the managed cluster whoever started it: `close`
    /// stops it. For `rummet serve`, which also restarts it when it dies
    /// ([`Database::supervise`]), so a server restarted after a crash still stops its cluster
    /// on shutdown.
    pub async fn open_owned(config: &Config) -> anyhow::Result<Self> {
        let mut this = Self::open(config).await?;
        this.started = this.cluster.is_some();
        Ok(this)
    }

    /// Watches the managed cluster (if any) and starts it again when its postmaster is gone,
    /// backing off from 1 s to a minute while starts fail; the pool reconnects by itself.
    #[must_use]
    pub fn supervise(
        &self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let cluster = self.cluster.clone()?;
        Some(tokio::spawn(async move {
            let mut backoff = Duration::from_secs(1);
            loop {
                // Stopped only between checks, never inside a start: an aborted start could
                // bring PostgreSQL up after the server has stopped it, and leave it running.
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                if matches!(cluster.status(), Status::Running { .. }) {
                    backoff = Duration::from_secs(1);
                    continue;
                }
                tracing::warn!("the managed PostgreSQL cluster is not running; starting it again");
                match cluster.start().await {
                    Ok(_) => tracing::info!("restarted the managed PostgreSQL cluster"),
                    Err(e) => {
                        tracing::error!(?backoff, "restarting the managed PostgreSQL cluster: {e}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_mins(1));
                    }
                }
            }
        }))
    }

    /// Connects (starting the managed cluster if needed) and applies migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (pg_config, cluster, started) = if let Some(url) = &config.database_url {
            (pool::parse_url(url)?, None, false)
        } else {
            let cluster =
                ManagedCluster::new(&config.data_dir)?.with_replication(config.db.replication);
            let started = cluster.start().await?;
            if started {
                tracing::info!(dir = %cluster.pgdata().display(), "started the managed PostgreSQL cluster");
            }
            (cluster.connect_config(CLUSTER_DB)?, Some(cluster), started)
        };
        let this = Self {
            pool: pool::build(pg_config.clone(), &config.db)?,
            pg_config,
            cluster,
            started,
        };
        if let Err(e) = this.migrate().await {
            this.close().await;
            return Err(e);
        }
        Ok(this)
    }

    async fn migrate(&self) -> anyhow::Result<()> {
        let mut client = self
            .pool
            .get()
            .await
            .context("connecting to the database")?;
        db::migrate(&mut client).await?;
        db::drop_orphans(&client).await?;
        Ok(())
    }

    /// Closes the pool and stops the managed cluster if this command started it.
    pub async fn close(self) {
        self.pool.close();
        if let (Some(cluster), true) = (&self.cluster, self.started) {
            match cluster.stop().await {
                Ok(_) => tracing::info!("stopped the managed PostgreSQL cluster"),
                Err(e) => tracing::error!("stopping the managed PostgreSQL cluster: {e}"),
            }
        }
    }
}
