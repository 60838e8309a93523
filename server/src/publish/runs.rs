//! The jobs themselves: a load (upload, replacement, reload), a rollback, a seed, each run on
//! a task of its own with a [`Tracker`] writing its progress, audited when it ends.

use std::ops::RangeInclusive;
use std::sync::Arc;

use rummet_core::DatasetId;
use rummet_loaders::catalog::CatalogEntry;
use rummet_loaders::pipeline::{self, LoadOptions, versions};
use rummet_loaders::read::Input;
use rummet_loaders::upload::{self, UploadMeta};
use serde_json::{Value, json};

use super::jobs::{self, JobKind, Tracker};
use super::{PublishError, Received};
use crate::access::{self, Outcome, Principal, Visibility};
use crate::app::AppState;
use crate::db::registry;
use crate::tiles::Seeder;

/// A load to run as a job.
pub(super) struct LoadPlan {
    pub kind: JobKind,
    /// The entry to load with: the catalog's, or an upload's as described.
    pub entry: CatalogEntry,
    /// For an upload: its meta, to read every feature for the column types first.
    pub infer: Option<UploadMeta>,
    pub input: Input,
    /// The owning organisation and visibility to set in the load's transaction.
    pub owner: Option<(String, Visibility)>,
}

impl JobKind {
    fn action(self) -> &'static str {
        match self {
            Self::Upload => "dataset.upload",
            Self::Replace => "dataset.replace",
            Self::Reload => "dataset.reload",
            Self::Seed => "dataset.seed",
            Self::Rollback => "dataset.rollback",
        }
    }
}

/// Opens a job for `plan` and runs it on a task; the job's number. The received `file`, if
/// any, is removed when the job ends.
pub(super) async fn start_load(
    app: &AppState,
    who: &Principal,
    plan: LoadPlan,
    file: Option<Received>,
) -> Result<i64, PublishError> {
    let tracker = open(app, who, plan.kind, plan.entry.id.as_str()).await?;
    let id = tracker.id();
    let (app, who) = (app.clone(), who.clone());
    on_thread(move || async move {
        let kind = plan.kind;
        let dataset = plan.entry.id.to_string();
        let result = run_load(&app, &tracker, plan).await;
        let detail = json!({
            "job": tracker.id(),
            "file": file.as_ref().map(|f| &f.name),
            "bytes": file.as_ref().map(|f| f.bytes),
        });
        finish(&app, &who, (kind, &dataset), tracker, result, detail).await;
        drop(file);
    });
    Ok(id)
}

async fn run_load(app: &AppState, tracker: &Tracker, plan: LoadPlan) -> Result<Value, String> {
    let entry = match &plan.infer {
        Some(meta) => {
            tracker.phase("inspecting");
            let (entry, meta, input) = (plan.entry.clone(), meta.clone(), plan.input.clone());
            let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let seen = counter.clone();
            let inferred = tokio::task::spawn_blocking(move || {
                upload::infer(&entry, &meta, &input, &|n| {
                    seen.store(n, std::sync::atomic::Ordering::Relaxed);
                })
            })
            .await
            .map_err(|e| format!("the reader stopped: {e}"))?;
            tracker.rows(counter.load(std::sync::atomic::Ordering::Relaxed), None);
            inferred.map_err(|e| e.to_string())?
        }
        None => plan.entry,
    };
    let mut client = app.pool.get().await.map_err(|e| e.to_string())?;
    let progress = |n, total| tracker.rows(n, total);
    let phase = |p| tracker.phase(p);
    let owner = plan
        .owner
        .as_ref()
        .map(|(org, vis)| (org.as_str(), vis.as_str()));
    let options = LoadOptions {
        progress: &progress,
        phase: &phase,
        owner,
        keep_versions: app.config.publishing.keep_versions,
        new_only: plan.kind == JobKind::Upload,
        ..LoadOptions::default()
    };
    let report = pipeline::load(&mut client, &entry, &plan.input, options)
        .await
        .map_err(|e| e.to_string())?;
    drop(client);
    swapped(app, &entry.id).await;
    let mut doc = serde_json::to_value(&report).unwrap_or_default();
    tracker.phase("seeding");
    doc["seed"] = seed_after(app, &entry.id, None).await;
    Ok(doc)
}

/// Takes in a swap on this server at once, as `notify` does when the `NOTIFY` arrives: a
/// client told the job succeeded must find the new version here, whatever the listener's lag.
async fn swapped(app: &AppState, id: &DatasetId) {
    match app.datasets.reload(&app.pool, id).await {
        Ok(_) => app.tiles.cache().invalidate_dataset(id),
        Err(e) => tracing::warn!(dataset = %id, "re-reading the registry after a job: {e}"),
    }
}

/// Pre-renders the dataset's low zooms after a load or rollback. The load has succeeded
/// whatever happens here: a failure is reported, and its tiles render on first request.
async fn seed_after(app: &AppState, id: &DatasetId, zooms: Option<RangeInclusive<u8>>) -> Value {
    let result = async {
        let client = app.pool.get().await.map_err(|e| e.to_string())?;
        let ds = registry::get(&**client, id)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{id} is not loaded"))?;
        drop(client);
        let zooms = zooms.unwrap_or(0..=ds.l2_maxzoom.min(app.config.publishing.seed_maxzoom));
        let seeder = Seeder::new(app.pool.clone(), 2);
        let report = seeder
            .seed(&Arc::new(ds), zooms.clone(), &|_, _| {})
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(json!({
            "zooms": [zooms.start(), zooms.end()],
            "rendered": report.rendered,
            "kept": report.kept,
        }))
    }
    .await;
    result.unwrap_or_else(
        |e| json!({ "warning": format!("{e}; tiles will be rendered on first request") }),
    )
}

/// Opens a rollback job and runs it on a task.
pub(super) async fn start_rollback(
    app: &AppState,
    who: &Principal,
    id: DatasetId,
    to: Option<i64>,
) -> Result<i64, PublishError> {
    let tracker = open(app, who, JobKind::Rollback, id.as_str()).await?;
    let job = tracker.id();
    let (app, who) = (app.clone(), who.clone());
    on_thread(move || async move {
        tracker.phase("overlaying");
        let result = async {
            let mut client = app.pool.get().await.map_err(|e| e.to_string())?;
            let keep = app.config.publishing.keep_versions;
            let report = versions::rollback(&mut client, &id, to, keep)
                .await
                .map_err(|e| e.to_string())?;
            drop(client);
            swapped(&app, &id).await;
            let mut doc = serde_json::to_value(&report).unwrap_or_default();
            tracker.phase("seeding");
            doc["seed"] = seed_after(&app, &id, None).await;
            Ok(doc)
        }
        .await;
        let detail = json!({ "job": job, "to": to });
        finish(
            &app,
            &who,
            (JobKind::Rollback, id.as_str()),
            tracker,
            result,
            detail,
        )
        .await;
    });
    Ok(job)
}

/// Opens a seed job and runs it on a task.
pub(super) async fn start_seed(
    app: &AppState,
    who: &Principal,
    id: DatasetId,
    zooms: RangeInclusive<u8>,
) -> Result<i64, PublishError> {
    let tracker = open(app, who, JobKind::Seed, id.as_str()).await?;
    let job = tracker.id();
    let (app, who) = (app.clone(), who.clone());
    on_thread(move || async move {
        tracker.phase("seeding");
        let report = seed_after(&app, &id, Some(zooms.clone())).await;
        let result = match report.get("warning") {
            Some(w) => Err(w.as_str().unwrap_or_default().to_owned()),
            None => Ok(report),
        };
        let detail = json!({ "job": job, "zooms": [zooms.start(), zooms.end()] });
        finish(
            &app,
            &who,
            (JobKind::Seed, id.as_str()),
            tracker,
            result,
            detail,
        )
        .await;
    });
    Ok(job)
}

/// Runs a job on a thread of its own, driving it with the server's runtime: its
/// connections and the tasks it spawns live on that runtime like any request's. (The load
/// pipeline's future cannot be proven `Send` by today's compiler, so it cannot be
/// `tokio::spawn`ed; it is built on the thread that runs it instead.)
fn on_thread<F, Fut>(make: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let handle = tokio::runtime::Handle::current();
    let started = std::thread::Builder::new()
        .name("rummet-job".into())
        .spawn(move || handle.block_on(make()));
    if let Err(e) = started {
        tracing::error!("starting a job thread: {e}");
    }
}

async fn open(
    app: &AppState,
    who: &Principal,
    kind: JobKind,
    dataset: &str,
) -> Result<Tracker, PublishError> {
    let client = app.pool.get().await?;
    let id = jobs::open(&**client, kind, dataset, Some(who)).await?;
    Ok(Tracker::start(app.pool.clone(), id))
}

/// Ends a job: its row, the audit trail, the log.
async fn finish(
    app: &AppState,
    who: &Principal,
    (kind, dataset): (JobKind, &str),
    tracker: Tracker,
    result: Result<Value, String>,
    mut detail: Value,
) {
    let job = tracker.id();
    let outcome = match &result {
        Ok(_) => {
            tracing::info!(job, dataset, kind = kind.action(), "job succeeded");
            Outcome::Done
        }
        Err(e) => {
            tracing::warn!(job, dataset, kind = kind.action(), "job failed: {e}");
            detail["error"] = json!(e);
            Outcome::Failed
        }
    };
    tracker.finish(kind, result).await;
    audit(app, Some(who), (kind.action(), dataset), outcome, &detail).await;
}

/// Writes an audit row; a failure to is logged, never the request's.
pub(super) async fn audit(
    app: &AppState,
    who: Option<&Principal>,
    (action, target): (&str, &str),
    outcome: Outcome,
    detail: &Value,
) {
    let written = async {
        let client = app.pool.get().await.map_err(access::AccessError::from)?;
        access::audit_record(&**client, who, "", (action, target), outcome, detail).await
    }
    .await;
    if let Err(e) = written {
        tracing::error!(action, target, "writing the audit trail: {e}");
    }
}
