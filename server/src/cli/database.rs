//! Opening the database for a command: the external server of `--database-url`, or the managed
//! cluster, started when needed and stopped again by [`Database::close`] if this command
//! started it.

use anyhow::Context;
use deadpool_postgres::Pool;

use crate::config::Config;
use crate::db::{self, CLUSTER_DB, ManagedCluster, pool};

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
    /// Connects (starting the managed cluster if needed) and applies migrations.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        let (pg_config, cluster, started) = if let Some(url) = &config.database_url {
            (pool::parse_url(url)?, None, false)
        } else {
            let cluster = ManagedCluster::new(&config.data_dir)?;
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
