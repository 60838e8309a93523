//! The connection pool: bounded in size and in how long a request waits for a connection,
//! with a statement timeout on every session.

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::ClusterError;
use crate::config::DbConfig;

/// Parses a `postgres://` URL or key=value connection string.
///
/// # Errors
/// When the string is not a valid connection string.
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, ClusterError> {
    let mut config =
        tokio_postgres::Config::from_str(url).map_err(|e| ClusterError::Url(e.to_string()))?;
    if config.get_application_name().is_none() {
        config.application_name("rummet");
    }
    Ok(config)
}

/// Builds the pool. No connection is opened until one is needed.
///
/// # Errors
/// When the pool configuration is rejected.
pub fn build(mut pg: tokio_postgres::Config, cfg: &DbConfig) -> Result<Pool, ClusterError> {
    // JIT off: compiling a tile or statistics query costs more (50-200 ms) than it saves on
    // queries that run for milliseconds.
    pg.options(format!(
        "-c statement_timeout={} -c work_mem={}MB -c jit=off -c max_parallel_workers_per_gather={}",
        cfg.statement_timeout_ms, cfg.work_mem_mb, cfg.parallel_workers
    ));
    pg.connect_timeout(Duration::from_millis(cfg.connect_timeout_ms));
    let manager = Manager::from_config(
        pg,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(cfg.pool_size)
        .wait_timeout(Some(Duration::from_millis(cfg.pool_wait_ms)))
        .create_timeout(Some(Duration::from_millis(cfg.connect_timeout_ms)))
        .recycle_timeout(Some(Duration::from_millis(cfg.connect_timeout_ms)))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| ClusterError::Pool(e.to_string()))
}
