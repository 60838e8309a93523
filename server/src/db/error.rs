//! Errors of the database subsystem: the managed cluster, connections and migrations.

use std::path::PathBuf;

/// Why the database could not be set up or reached.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No PostgreSQL server binaries on the machine.
    #[error(
        "PostgreSQL is not installed: install it with `apt-get install postgresql postgresql-postgis` \
         (or set --database-url to use an existing server)"
    )]
    PostgresMissing,
    /// PostgreSQL is there but PostGIS is not.
    #[error(
        "PostGIS is not installed for PostgreSQL {major}: install it with `apt-get install postgresql-{major}-postgis-3`"
    )]
    PostgisMissing {
        /// The PostgreSQL major version found.
        major: u32,
    },
    /// Running as root and there is no `postgres` user to run the cluster as.
    #[error(
        "running as root, the cluster must run as the `postgres` user, and there is none: install PostgreSQL from the distribution's packages"
    )]
    NoPostgresUser,
    /// The data directory cannot be used.
    #[error("data directory {path}: {message}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A PostgreSQL tool failed.
    #[error("{tool} failed: {message}")]
    Tool {
        /// `initdb`, `pg_ctl start`, ...
        tool: &'static str,
        /// Its output, or the server log's last lines.
        message: String,
    },
    /// The cluster has never been initialised.
    #[error("no cluster in {0}: `rummet db start` or `rummet serve` creates one")]
    NotInitialized(PathBuf),
    /// The cluster is not running.
    #[error("the cluster in {0} is not running: `rummet db start` starts it")]
    NotRunning(PathBuf),
    /// Connecting or a setup statement failed.
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// The connection pool could not be built.
    #[error("database pool: {0}")]
    Pool(String),
    /// A database URL that cannot be parsed.
    #[error("invalid database URL: {0}")]
    Url(String),
    /// A migration failed.
    #[error("migration {name} failed: {source}")]
    Migration {
        /// The migration's file name.
        name: &'static str,
        /// The database error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// The database lacks PostGIS.
    #[error(
        "the database has no PostGIS: install it on the server (`apt-get install postgresql-<major>-postgis-3`) and let Rummet `CREATE EXTENSION postgis`, or create it as a superuser: {0}"
    )]
    PostgisUnavailable(String),
}
