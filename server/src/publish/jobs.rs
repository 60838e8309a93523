//! Jobs: the loads, seeds and rollbacks started over HTTP, in `rummet.jobs` so every server
//! answers for every job. A running job's server writes its progress every second; a job
//! silent for a minute died with its server and is shown as failed, and no longer holds its
//! dataset.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_postgres::Pool;
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::GenericClient;

use super::PublishError;
use crate::access::Principal;

/// How often a running job's progress is written.
const BEAT: Duration = Duration::from_secs(1);

/// A job whose server has not written for this long is taken as dead.
const STALE: &str = "60 seconds";

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// A new dataset from an uploaded file.
    Upload,
    /// A new version of a dataset from an uploaded file.
    Replace,
    /// A catalog dataset read again from its agency's URL.
    Reload,
    /// Tiles pre-rendered.
    Seed,
    /// A kept version swapped back in.
    Rollback,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Replace => "replace",
            Self::Reload => "reload",
            Self::Seed => "seed",
            Self::Rollback => "rollback",
        }
    }
}

/// A job as `GET /api/jobs/{n}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Its number.
    pub id: i64,
    /// `upload`, `replace`, `reload`, `seed` or `rollback`.
    pub kind: String,
    /// The dataset it works on.
    pub dataset: String,
    /// The organisation whose key started it (none from the command line).
    pub organisation: Option<String>,
    /// That key's id.
    pub key_id: Option<String>,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// What it is doing: `queued`, `inspecting`, `reading`, `validating`, `building`,
    /// `overlaying`, `committing`, `seeding`, `done`.
    pub phase: String,
    /// Features read so far.
    pub rows: i64,
    /// Features in the file, when known.
    pub total: Option<i64>,
    /// The load report (or seed or rollback report) once it succeeded.
    pub report: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
    /// When it was started, last heard of, and ended (UTC, RFC 3339).
    pub created_at: String,
    /// See `created_at`.
    pub updated_at: String,
    /// See `created_at`.
    pub finished_at: Option<String>,
}

// `STALE`, written out: a `const` cannot be formatted into another.
const SELECT: &str = "SELECT id, kind, dataset, organisation, key_id,
    CASE WHEN state = 'running' AND updated_at < now() - interval '60 seconds' THEN 'failed' ELSE state END AS state,
    phase, rows, total, report,
    CASE WHEN state = 'running' AND updated_at < now() - interval '60 seconds'
         THEN 'interrupted: the server running it stopped' ELSE error END AS error,
    to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS created_at,
    to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS updated_at,
    to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS finished_at
  FROM rummet.jobs";

fn from_row(r: &tokio_postgres::Row) -> Job {
    Job {
        id: r.get("id"),
        kind: r.get("kind"),
        dataset: r.get("dataset"),
        organisation: r.get("organisation"),
        key_id: r.get("key_id"),
        state: r.get("state"),
        phase: r.get("phase"),
        rows: r.get("rows"),
        total: r.get("total"),
        report: r.get("report"),
        error: r.get("error"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
        finished_at: r.get("finished_at"),
    }
}

/// Registers a job on `dataset`, refused while another runs on it.
///
/// # Errors
/// [`PublishError::Conflict`] naming the running job.
pub async fn open(
    client: &impl GenericClient,
    kind: JobKind,
    dataset: &str,
    who: Option<&Principal>,
) -> Result<i64, PublishError> {
    // A job left running by a server that died holds its dataset no longer.
    client
        .execute(
            &format!(
                "UPDATE rummet.jobs SET state = 'failed', finished_at = now(),
                   error = 'interrupted: the server running it stopped'
                 WHERE dataset = $1 AND state = 'running' AND updated_at < now() - interval '{STALE}'"
            ),
            &[&dataset],
        )
        .await?;
    let inserted = client
        .query_one(
            "INSERT INTO rummet.jobs (kind, dataset, organisation, key_id) VALUES ($1, $2, $3, $4)
             RETURNING id",
            &[
                &kind.as_str(),
                &dataset,
                &who.map(|p| p.organisation.as_str()),
                &who.map(|p| p.key_id.as_str()),
            ],
        )
        .await;
    match inserted {
        Ok(row) => Ok(row.get(0)),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => {
            let running = running(client, dataset).await?;
            Err(PublishError::Conflict(format!(
                "{dataset} is being changed by job {}: wait for it to finish (GET /api/jobs/{0})",
                running.unwrap_or_default()
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// The job running on `dataset`, if one is (and its server is alive).
///
/// # Errors
/// Database failures.
pub async fn running(
    client: &impl GenericClient,
    dataset: &str,
) -> Result<Option<i64>, PublishError> {
    Ok(client
        .query_opt(
            &format!(
                "SELECT id FROM rummet.jobs WHERE dataset = $1 AND state = 'running'
                   AND updated_at > now() - interval '{STALE}'"
            ),
            &[&dataset],
        )
        .await?
        .map(|r| r.get(0)))
}

/// Job `id`, when `viewer` may see it: its organisation's keys and admin keys.
///
/// # Errors
/// Database failures.
pub async fn get(
    client: &impl GenericClient,
    id: i64,
    viewer: &Principal,
) -> Result<Option<Job>, PublishError> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])
        .await?;
    Ok(row.map(|r| from_row(&r)).filter(|j| visible(j, viewer)))
}

/// The newest `limit` jobs `viewer` may see, newest first.
///
/// # Errors
/// Database failures.
pub async fn list(
    client: &impl GenericClient,
    viewer: &Principal,
    limit: i64,
) -> Result<Vec<Job>, PublishError> {
    if !viewer.may(crate::access::Scope::Publish) {
        return Ok(Vec::new());
    }
    let org = (viewer.scope != crate::access::Scope::Admin).then_some(viewer.organisation.as_str());
    let rows = client
        .query(
            &format!(
                "{SELECT} WHERE $1::text IS NULL OR organisation = $1 ORDER BY id DESC LIMIT $2"
            ),
            &[&org, &limit],
        )
        .await?;
    Ok(rows.iter().map(from_row).collect())
}

/// An organisation's jobs are its publishers' (their reports name private datasets); all
/// jobs are admins'.
fn visible(job: &Job, viewer: &Principal) -> bool {
    viewer.scope == crate::access::Scope::Admin
        || viewer.may(crate::access::Scope::Publish)
            && job.organisation.as_deref() == Some(viewer.organisation.as_str())
}

/// A running job's progress, written to its row every second by a task of its own until
/// [`Tracker::finish`].
pub struct Tracker {
    id: i64,
    started: std::time::Instant,
    pool: Pool,
    state: Arc<Progress>,
    beat: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct Progress {
    rows: AtomicU64,
    /// `u64::MAX` while unknown.
    total: AtomicU64,
    phase: Mutex<&'static str>,
}

impl Progress {
    fn snapshot(&self) -> (&'static str, i64, Option<i64>) {
        let phase = *self
            .phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let rows = i64::try_from(self.rows.load(Ordering::Relaxed)).unwrap_or(i64::MAX);
        let total = match self.total.load(Ordering::Relaxed) {
            u64::MAX => None,
            t => i64::try_from(t).ok(),
        };
        (phase, rows, total)
    }
}

impl Tracker {
    /// Starts writing the progress of job `id`.
    #[must_use]
    pub fn start(pool: Pool, id: i64) -> Self {
        let state = Arc::new(Progress {
            total: AtomicU64::new(u64::MAX),
            phase: Mutex::new("queued"),
            ..Progress::default()
        });
        let (beat_pool, beat_state) = (pool.clone(), state.clone());
        let beat = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(BEAT);
            loop {
                ticks.tick().await;
                let (phase, rows, total) = beat_state.snapshot();
                let written = async {
                    let client = beat_pool.get().await?;
                    client
                        .execute(
                            "UPDATE rummet.jobs SET phase = $2, rows = $3, total = $4, updated_at = now()
                             WHERE id = $1 AND state = 'running'",
                            &[&id, &phase, &rows, &total],
                        )
                        .await?;
                    Ok::<_, PublishError>(())
                }
                .await;
                if let Err(e) = written {
                    tracing::warn!(job = id, "writing job progress: {e}");
                }
            }
        });
        metrics::gauge!("rummet_jobs_running").increment(1.0);
        Self {
            id,
            started: std::time::Instant::now(),
            pool,
            state,
            beat,
        }
    }

    /// The job's number.
    #[must_use]
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Enters a phase.
    pub fn phase(&self, phase: &'static str) {
        *self
            .state
            .phase
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = phase;
    }

    /// Features read so far, and how many there are when known.
    pub fn rows(&self, rows: u64, total: Option<u64>) {
        self.state.rows.store(rows, Ordering::Relaxed);
        if let Some(t) = total {
            self.state.total.store(t, Ordering::Relaxed);
        }
    }

    /// Ends the job of `kind` with its report, or why it failed.
    pub async fn finish(self, kind: JobKind, result: Result<Value, String>) {
        self.beat.abort();
        let (phase, rows, total) = self.state.snapshot();
        let took = self.started.elapsed().as_secs_f64();
        let outcome = if result.is_ok() {
            "succeeded"
        } else {
            "failed"
        };
        metrics::gauge!("rummet_jobs_running").decrement(1.0);
        metrics::counter!("rummet_jobs_total", "kind" => kind.as_str(), "result" => outcome)
            .increment(1);
        metrics::histogram!("rummet_job_duration_seconds", "kind" => kind.as_str()).record(took);
        if rows > 0 && took > 0.0 {
            #[expect(clippy::cast_precision_loss, reason = "a rate, not a count")]
            let rate = rows as f64 / took;
            metrics::gauge!("rummet_job_rows_per_second", "kind" => kind.as_str()).set(rate);
        }
        let (state, phase, report, error) = match result {
            Ok(report) => ("succeeded", "done", Some(report), None),
            Err(e) => ("failed", phase, None, Some(e)),
        };
        let written = async {
            let client = self.pool.get().await?;
            client
                .execute(
                    "UPDATE rummet.jobs SET state = $2, phase = $3, rows = $4, total = $5,
                       report = $6, error = $7, updated_at = now(), finished_at = now()
                     WHERE id = $1",
                    &[&self.id, &state, &phase, &rows, &total, &report, &error],
                )
                .await?;
            Ok::<_, PublishError>(())
        }
        .await;
        if let Err(e) = written {
            tracing::error!(job = self.id, "recording the end of a job: {e}");
        }
    }
}
