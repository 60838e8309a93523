//! The database: the managed local cluster, the connection pool, migrations and the registry.

mod cluster;
mod error;
mod guarded;
mod install;
mod migrate;
pub mod pool;
mod query_error;
pub mod registry;
pub mod replicas;

pub use cluster::{CLUSTER_DB, CLUSTER_USER, ManagedCluster, Status};
pub use error::ClusterError;
pub use guarded::Guarded;
pub use install::{Installation, find as find_postgres};
pub use migrate::{drop_orphans, migrate};
pub use query_error::QueryError;
/// Connection settings, re-exported so users of the library need not depend on tokio-postgres.
pub use tokio_postgres::Config as PgConfig;
