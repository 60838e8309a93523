//! The application state shared by every request: configuration, the pool, the registry view
//! and the tile service.

use std::sync::Arc;

use deadpool_postgres::Pool;

use crate::config::Config;
use crate::datasets::Datasets;
use crate::db::replicas::Replicas;
use crate::stats::StatsService;
use crate::tiles::{TileCache, TileService};

/// Everything a request may need.
pub struct App {
    /// The configuration it was built from.
    pub config: Config,
    /// Connection settings, for the `LISTEN` connection.
    pub pg_config: tokio_postgres::Config,
    /// The pool every query goes through: the primary.
    pub pool: Pool,
    /// Read replicas, if configured: tiles, statistics and items read from them when they
    /// have replayed the versions served.
    pub replicas: Arc<Replicas>,
    /// The loaded datasets.
    pub datasets: Arc<Datasets>,
    /// Vector tiles.
    pub tiles: TileService,
    /// Statistics.
    pub stats: StatsService,
    /// Requests being handled, bounded by `limits.max_concurrent_requests`.
    pub requests: Arc<tokio::sync::Semaphore>,
    /// Invalid API keys per client address.
    pub key_failures: crate::access::FailureLimiter,
    /// `trusted_proxies`, parsed once (validation refused any that do not parse).
    pub trusted_proxies: Vec<crate::http::client_addr::Network>,
}

/// The one axum state: a cheap handle on [`App`].
#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl App {
    /// Builds the state and reads the registry. A database that cannot be reached is logged,
    /// not fatal: the server starts, `/ready` says 503, and the registry is read again by the
    /// listener once the database is back.
    pub async fn new(config: Config, pg_config: tokio_postgres::Config, pool: Pool) -> Self {
        let datasets = Arc::new(Datasets::default());
        if let Err(e) = datasets.reload_all(&pool).await {
            tracing::warn!("could not read the dataset registry: {e}");
        }
        // Statistics get a pool of their own, so expensive questions queue among themselves.
        let stats_db = crate::config::DbConfig {
            pool_size: config.db.stats_pool_size,
            statement_timeout_ms: config.db.stats_statement_timeout_ms,
            parallel_workers: config.db.stats_parallel_workers,
            ..config.db.clone()
        };
        let replicas = Replicas::new(&config.database_read_url, &config.db, &stats_db)
            .unwrap_or_else(|e| {
                // Validation parsed every URL; this is not reached.
                tracing::error!("read replicas: {e}; reading from the primary");
                Replicas::default()
            });
        replicas.watch();
        let replicas = Arc::new(replicas);
        let tiles = TileService::new(
            pool.clone(),
            replicas.clone(),
            datasets.clone(),
            TileCache::new(config.cache.size_mb),
            config.tiles.prerendered,
        );
        let stats_pool = crate::db::pool::build(pg_config.clone(), &stats_db).unwrap_or_else(|e| {
            // Only a zero size is rejected, and validation refuses that first.
            tracing::error!("statistics pool: {e}; sharing the main pool");
            pool.clone()
        });
        let stats = StatsService::new(stats_pool, replicas.clone(), datasets.clone());
        // The recorder before anything records, and its upkeep.
        let _ = crate::metrics::handle();
        crate::metrics::start_upkeep();
        let requests = Arc::new(tokio::sync::Semaphore::new(
            config.limits.max_concurrent_requests,
        ));
        let trusted_proxies = config
            .trusted_proxies
            .iter()
            .filter_map(|p| crate::http::client_addr::Network::parse(p).ok())
            .collect();
        Self {
            trusted_proxies,
            config,
            pg_config,
            pool,
            replicas,
            datasets,
            tiles,
            stats,
            requests,
            key_failures: crate::access::FailureLimiter::default(),
        }
    }
}
