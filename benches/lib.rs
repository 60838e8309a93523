//! Shared fixtures for the benches: a managed PostGIS cluster in a temporary directory, loaded
//! with the demo data through the ordinary pipeline, and the production app over it.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::Arc;

use rummet::app::{App, AppState};
use rummet::config::Config;
use rummet::db::{self, CLUSTER_DB, ManagedCluster, pool};

/// A running cluster with the demo data; stopped and removed by [`Fixture::stop`].
pub struct Fixture {
    cluster: ManagedCluster,
    dir: PathBuf,
    pg_config: db::PgConfig,
}

impl Fixture {
    /// Starts the cluster and loads the demo data.
    ///
    /// # Panics
    /// When PostgreSQL with PostGIS is not installed or the load fails: a bench without a
    /// real database measures nothing.
    pub async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("rummet-bench-")
            .tempdir_in("/tmp")
            .expect("temp dir")
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let cluster =
            ManagedCluster::new(&dir).unwrap_or_else(|e| panic!("benches need PostGIS: {e}"));
        cluster.start().await.expect("cluster starts");
        let pg_config = cluster.connect_config(CLUSTER_DB).expect("config");
        let pool = pool::build(pg_config.clone(), &Config::default().db).expect("pool");
        db::migrate(&mut pool.get().await.expect("connection"))
            .await
            .expect("migrations");
        rummet::demo::load_missing(&pool).await.expect("demo data");
        pool.close();
        Self {
            cluster,
            dir,
            pg_config,
        }
    }

    /// The production app over the fixture database, with `config`.
    ///
    /// # Panics
    /// When the pool configuration is invalid.
    pub async fn app(&self, config: Config) -> AppState {
        let pool = pool::build(self.pg_config.clone(), &config.db).expect("pool");
        AppState(Arc::new(
            App::new(config, self.pg_config.clone(), pool).await,
        ))
    }

    /// Stops the cluster and removes its directory.
    pub fn stop(self) {
        if let Err(e) = self.cluster.stop_blocking() {
            eprintln!("stopping the bench cluster: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
