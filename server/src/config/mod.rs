//! Configuration, layered: built-in defaults → `rummet.toml` → `RUMMET__SECTION__KEY`
//! environment variables → command-line flags. Validated into [`Config`] once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: SocketAddr,
    /// Base URL clients reach the server at (behind a proxy); `None` uses the request's host
    /// when it is one of `allowed_hosts`, the listen address or loopback.
    pub public_url: Option<String>,
    /// Host names (optionally with `:port`) the request's `Host` may name for the URLs Rummet
    /// writes into TileJSON, styles and OGC links when `public_url` is not set. Any other
    /// `Host` gets URLs of the listen address, so a forged header cannot plant another
    /// site's address in a cached document.
    pub allowed_hosts: Vec<String>,
    /// Reverse proxies (addresses or networks, `10.0.0.0/8`) whose `X-Forwarded-For` is
    /// believed for the client's address, which the limit on invalid API keys counts by.
    /// Empty (the default): the connection's address is the client's.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Where the managed PostgreSQL cluster and other state live.
    pub data_dir: PathBuf,
    /// An external PostgreSQL; when set, no cluster is managed.
    pub database_url: Option<String>,
    /// Streaming replicas of the database to read tiles, statistics and OGC items from
    /// (`postgres://` URLs); a dataset is read from a replica only once it has replayed the
    /// version served. Loads, pre-rendered tile writes and `LISTEN` use the primary.
    #[serde(default)]
    pub database_read_url: Vec<String>,
    /// Load the bundled demo datasets when they are not loaded yet.
    pub demo: bool,
    /// Database pool and timeouts.
    pub db: DbConfig,
    /// The in-process tile cache.
    pub cache: CacheConfig,
    /// Tile responses.
    pub tiles: TilesConfig,
    /// Which other origins' pages may read the API.
    pub cors: CorsConfig,
    /// Limits at the edge: connections, request concurrency, timeouts.
    pub limits: LimitsConfig,
    /// Prometheus metrics.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Uploads and versions.
    #[serde(default)]
    pub publishing: PublishingConfig,
    /// For working on the atlas: serve its files from this directory (`server/assets`) as
    /// they are on disk instead of the copies built into the binary.
    #[serde(default)]
    pub assets_dir: Option<PathBuf>,
}

/// Limits at the edge, so a flood or a slow client cannot hold the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Requests handled at once; beyond it, `503` with `Retry-After`.
    pub max_concurrent_requests: usize,
    /// Longest a client may take to send its request headers.
    pub header_read_timeout_ms: u64,
    /// Longest a request may take until its response starts (body upload included): then
    /// `503` with `Retry-After`. The default, 30 s, is above the pool wait plus two statement
    /// timeouts (a statistics question may run a few statements, each within its own), so it
    /// cuts off what the database could not: a frozen server.
    pub request_timeout_ms: u64,
    /// On shutdown, how long requests in flight may run on.
    pub shutdown_grace_ms: u64,
}

/// Prometheus metrics.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve them (on by default).
    pub enabled: bool,
    /// Where: `/metrics` by default; an unguessable path keeps them off a public listener
    /// when no proxy filters it.
    pub path: String,
    /// Serve them on a listener of their own (`127.0.0.1:9100`, say), and not on the public
    /// one.
    pub listen: Option<SocketAddr>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: "/metrics".into(),
            listen: None,
        }
    }
}

/// Uploads over HTTP and the versions kept for rollback.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishingConfig {
    /// Largest upload, in MiB (`413` past it).
    pub max_upload_mb: u64,
    /// Largest total an uploaded zip may unpack to, in MiB.
    pub max_unpacked_mb: u64,
    /// Largest unpacked-to-packed ratio of a zip member over 1 MiB: a zip bomb's is in the
    /// thousands, a Shapefile's rarely above 20.
    pub max_zip_ratio: u64,
    /// Earlier versions of each dataset kept for rollback (by `rummet load` too); 0 keeps
    /// none.
    pub keep_versions: u32,
    /// Where uploads are written while they load; the system's temporary directory when
    /// unset.
    pub upload_dir: Option<PathBuf>,
    /// Zooms pre-rendered after an upload loads (`0-<this>`).
    pub seed_maxzoom: u8,
}

impl Default for PublishingConfig {
    fn default() -> Self {
        Self {
            max_upload_mb: 1024,
            max_unpacked_mb: 4096,
            max_zip_ratio: 100,
            keep_versions: 3,
            upload_dir: None,
            seed_maxzoom: 10,
        }
    }
}

/// Cross-origin reads (CORS).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorsConfig {
    /// Origins whose pages may read responses, e.g. `https://karta.region.se`; `*` (the
    /// default, for open data) allows any; empty allows none.
    pub allow_origins: Vec<String>,
}

/// Database pool and timeouts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbConfig {
    /// Connections in the pool.
    pub pool_size: usize,
    /// How long a request waits for a free connection before a 503.
    pub pool_wait_ms: u64,
    /// How long opening a connection may take.
    pub connect_timeout_ms: u64,
    /// Longest a single query may run before PostgreSQL cancels it.
    pub statement_timeout_ms: u64,
    /// PostgreSQL's `max_parallel_workers_per_gather` for the request pool: 0, because a page
    /// of features or a tile is small and starting workers cost 25–35 ms a query (measured in
    /// benches/README.md) for nothing.
    pub parallel_workers: u32,
    /// The same for the statistics pool, whose national aggregates do scan in parallel.
    pub stats_parallel_workers: u32,
    /// Connections statistics questions may hold, apart from `pool_size`: a burst of
    /// expensive questions (national drawn areas) waits for these and never takes the
    /// connections tiles and features need.
    pub stats_pool_size: usize,
    /// Longest a statistics question may run before PostgreSQL cancels it (`503`).
    pub stats_statement_timeout_ms: u64,
    /// Memory a query's sort or hash may use before spilling to disk, in MiB (PostgreSQL's
    /// `work_mem`, per connection): a statistics question over 150,000 pieces spills at the
    /// server default of 4 MiB.
    pub work_mem_mb: u64,
    /// Let streaming replicas follow the managed cluster (`wal_level = replica`); off, loads
    /// write about half the WAL. For an external database, its own settings decide.
    #[serde(default)]
    pub replication: bool,
}

/// The in-process tile cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Upper bound of cached tile bytes, in MiB; 0 disables the cache.
    pub size_mb: u64,
}

/// Tile responses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TilesConfig {
    /// `Cache-Control` sent with tiles.
    pub cache_control: String,
    /// Read and write pre-rendered tiles in the database (L2). Off, every L1 miss renders.
    pub prerendered: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            allowed_hosts: Vec::new(),
            trusted_proxies: Vec::new(),
            data_dir: default_data_dir(),
            database_url: None,
            database_read_url: Vec::new(),
            demo: true,
            db: DbConfig {
                pool_size: 16,
                pool_wait_ms: 2_000,
                connect_timeout_ms: 5_000,
                statement_timeout_ms: 15_000,
                work_mem_mb: 64,
                parallel_workers: 0,
                stats_parallel_workers: 2,
                stats_pool_size: 4,
                stats_statement_timeout_ms: 10_000,
                replication: false,
            },
            cache: CacheConfig { size_mb: 256 },
            tiles: TilesConfig {
                cache_control: "public, max-age=300".into(),
                prerendered: true,
            },
            cors: CorsConfig {
                allow_origins: vec!["*".into()],
            },
            limits: LimitsConfig {
                max_connections: 4096,
                max_concurrent_requests: 1024,
                header_read_timeout_ms: 10_000,
                request_timeout_ms: 30_000,
                shutdown_grace_ms: 10_000,
            },
            metrics: MetricsConfig::default(),
            publishing: PublishingConfig::default(),
            assets_dir: None,
        }
    }
}

/// Root's home is not reachable by the `postgres` user the cluster runs as, so root gets the
/// system location; anyone else gets the XDG data directory.
fn default_data_dir() -> PathBuf {
    if nix::unistd::geteuid().is_root() {
        return PathBuf::from("/var/lib/rummet");
    }
    dirs::data_dir().map_or_else(|| PathBuf::from("rummet-data"), |d| d.join("rummet"))
}

/// Values given on the command line; `None` leaves the lower layers' value.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    /// `--listen`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// `--public-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--database-url` or `DATABASE_URL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `--no-demo` sets this to false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Builds the configuration from every layer. `file` is the TOML file to read: an explicit
    /// path must exist; without one, `./rummet.toml` is read when present.
    ///
    /// # Errors
    /// When the file is missing or malformed, a value has the wrong type, or a value is invalid.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        match file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("rummet.toml").is_file() => {
                figment = figment.merge(Toml::file_exact("rummet.toml"));
            }
            None => {}
        }
        let config: Self = figment
            .merge(Env::prefixed("RUMMET__").split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.limits.max_connections == 0 || self.limits.max_concurrent_requests == 0 {
            return Err(ConfigError(
                "limits.max_connections and limits.max_concurrent_requests must be at least 1"
                    .into(),
            ));
        }
        if self.db.pool_size == 0 || self.db.stats_pool_size == 0 {
            return Err(ConfigError(
                "db.pool_size and db.stats_pool_size must be at least 1".into(),
            ));
        }
        let path = &self.metrics.path;
        let reserved = [
            "/",
            "/api",
            "/tiles",
            "/styles",
            "/collections",
            "/assets",
            "/fonts",
        ];
        if !path.starts_with('/')
            || path.len() < 2
            || path.contains(['{', '}', '*', '?', '#'])
            || reserved.iter().any(|r| path == r)
        {
            return Err(ConfigError(format!(
                "metrics.path {path:?} must be a plain path of its own, e.g. /metrics"
            )));
        }
        for url in &self.database_read_url {
            crate::db::pool::parse_url(url)
                .map_err(|e| ConfigError(format!("database_read_url: {e}")))?;
        }
        for proxy in &self.trusted_proxies {
            crate::http::client_addr::Network::parse(proxy)
                .map_err(|e| ConfigError(format!("trusted_proxies: {e}")))?;
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "public_url {url:?} must start with http:// or https://"
            )));
        }
        Ok(())
    }
}
