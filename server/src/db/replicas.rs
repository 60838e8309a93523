//! Read replicas (`database_read_url`): tiles, statistics and OGC items read from a streaming
//! replica of the primary, never a mix of versions. Each replica is watched: a task reads
//! its registry (`rummet.datasets`, a few rows) every 200 ms, and a read of some datasets
//! goes to a replica only if it has replayed the very versions this server serves — the
//! tables and overlays of a version commit in the load's one transaction, so a replica that
//! shows the version has all of it. Until then, and whenever no replica is up, reads go to
//! the primary. Loads, pre-rendered tile writes, jobs and `LISTEN` always use the primary.
//!
//! A read a replica cancels because replay had to remove what it was reading ("conflict with
//! recovery") is asked again of the primary, through [`on_primary`].
//!
//! Each URL must name one replica: the check holds for the server the watcher reads, so a
//! URL behind a balancer over several replicas could read a lagging one.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use deadpool_postgres::Pool;

use super::{ClusterError, pool};
use crate::config::DbConfig;

/// How often a replica's registry is read.
const WATCH_EVERY: Duration = Duration::from_millis(200);

/// One replica: its pools and the dataset versions it has replayed.
pub struct Replica {
    /// `host:port/dbname`, for logs and metrics (never the password).
    pub name: String,
    /// Reads of tiles and items.
    pub pool: Pool,
    /// Statistics questions, bounded apart as on the primary.
    pub stats_pool: Pool,
    /// The watcher's own connection: a busy read pool must not make the replica look down.
    watch_pool: Pool,
    seen: RwLock<HashMap<String, i64>>,
    up: AtomicBool,
}

impl Replica {
    fn has(&self, id: &str, version: i64) -> bool {
        self.up.load(Ordering::Relaxed)
            && self
                .seen
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(id)
                == Some(&version)
    }
}

/// The replicas this server reads from; none when `database_read_url` is empty.
#[derive(Default)]
pub struct Replicas {
    members: Vec<Arc<Replica>>,
    next: AtomicUsize,
}

/// Which kind of pool a read wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// Tiles and features.
    Plain,
    /// Statistics.
    Stats,
}

tokio::task_local! {
    /// Set while a read is asked again of the primary.
    static PRIMARY_ONLY: ();
}

/// Runs `read` with every read inside it sent to the primary: the retry of a read a replica
/// cancelled.
pub async fn on_primary<F: Future>(read: F) -> F::Output {
    PRIMARY_ONLY.scope((), read).await
}

impl Replicas {
    /// Pools for each of `urls` (`statement_timeout` and the rest as `db` and `stats` say);
    /// nothing connects until the watchers start.
    ///
    /// # Errors
    /// When a URL is malformed.
    pub fn new(urls: &[String], db: &DbConfig, stats: &DbConfig) -> Result<Self, ClusterError> {
        let members = urls
            .iter()
            .map(|url| {
                let pg = pool::parse_url(url)?;
                let name = format!(
                    "{}:{}/{}",
                    pg.get_hosts()
                        .first()
                        .map(|h| match h {
                            tokio_postgres::config::Host::Tcp(h) => h.clone(),
                            tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
                        })
                        .unwrap_or_default(),
                    pg.get_ports().first().copied().unwrap_or(5432),
                    pg.get_dbname().unwrap_or_default()
                );
                let one = DbConfig {
                    pool_size: 1,
                    ..db.clone()
                };
                Ok(Arc::new(Replica {
                    name,
                    pool: pool::build(pg.clone(), db)?,
                    watch_pool: pool::build(pg.clone(), &one)?,
                    stats_pool: pool::build(pg, stats)?,
                    seen: RwLock::default(),
                    up: AtomicBool::new(false),
                }))
            })
            .collect::<Result<_, ClusterError>>()?;
        Ok(Self {
            members,
            next: AtomicUsize::new(0),
        })
    }

    /// Whether any replica is configured.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Starts a watcher per replica, on the current runtime; each runs as long as the process.
    pub fn watch(&self) {
        for replica in &self.members {
            let replica = replica.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(WATCH_EVERY);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    watch_once(&replica).await;
                }
            });
        }
    }

    /// The pool to read `versions` (dataset id and the version this server serves) from: a
    /// replica that has replayed every one of them, taken in turn, else `primary`.
    #[must_use]
    pub fn pool_for(&self, primary: &Pool, kind: ReadKind, versions: &[(&str, i64)]) -> Pool {
        let forced = PRIMARY_ONLY.try_with(|()| ()).is_ok();
        let n = self.members.len();
        if n > 0 && !forced {
            let start = self.next.fetch_add(1, Ordering::Relaxed);
            for i in 0..n {
                let replica = &self.members[(start + i) % n];
                if versions.iter().all(|(id, v)| replica.has(id, *v)) {
                    metrics::counter!("rummet_db_reads_total", "target" => "replica").increment(1);
                    return match kind {
                        ReadKind::Plain => replica.pool.clone(),
                        ReadKind::Stats => replica.stats_pool.clone(),
                    };
                }
            }
        }
        if n > 0 {
            metrics::counter!("rummet_db_reads_total", "target" => "primary").increment(1);
        }
        primary.clone()
    }

    /// Replicas up, for `/metrics`.
    #[must_use]
    pub fn up(&self) -> usize {
        self.members
            .iter()
            .filter(|r| r.up.load(Ordering::Relaxed))
            .count()
    }
}

/// Reads the replica's registry once; a replica that does not answer is down until it does.
async fn watch_once(replica: &Replica) {
    let read = async {
        let client = replica.watch_pool.get().await.map_err(|e| e.to_string())?;
        let rows = client
            .query("SELECT id, version FROM rummet.datasets", &[])
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(
            rows.iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1)))
                .collect::<HashMap<_, _>>(),
        )
    }
    .await;
    match read {
        Ok(seen) => {
            *replica
                .seen
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = seen;
            if !replica.up.swap(true, Ordering::Relaxed) {
                tracing::info!(replica = replica.name, "read replica up");
            }
        }
        Err(e) => {
            if replica.up.swap(false, Ordering::Relaxed) {
                tracing::warn!(
                    replica = replica.name,
                    "read replica down, reading from the primary: {e}"
                );
            }
        }
    }
}
