//! Prometheus metrics at `/metrics`: requests by route template and status with latency
//! histograms, tiles by cache level and zoom with render time and bytes, statistics cache
//! hits, and — read when scraped — the pool, the loaded datasets and the process's memory.
//! Labels are of low cardinality: route templates, never paths; zooms, never tiles.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::App;

/// Seconds: from a cached tile (sub-millisecond) to a statistics question near its timeout.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The process's recorder, installed once (every server of a process shares it, as the
/// tests' do).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                if metrics::set_global_recorder(recorder).is_err() {
                    tracing::warn!("a metrics recorder was installed before Rummet's");
                }
                handle
            }
            Err(e) => {
                tracing::error!("metrics recorder: {e}");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// Starts, once per process, the task that folds recorded histogram samples into their
/// buckets every five seconds. The exporter keeps raw samples until then (a scrape does it
/// too), so with no scraper they grew with every request: about 30 MB a minute in a soak of
/// cached tiles.
pub fn start_upkeep() {
    static STARTED: OnceLock<()> = OnceLock::new();
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    STARTED.get_or_init(|| {
        let handle = handle().clone();
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    });
}

/// Where a tile came from.
#[derive(Debug, Clone, Copy)]
pub enum TileLevel {
    /// The in-process cache.
    L1,
    /// The pre-rendered store in PostgreSQL.
    L2,
    /// Rendered from the dataset's table.
    Render,
}

/// Counts a tile answered from `level` at `zoom`.
pub fn tile(level: TileLevel, zoom: u8) {
    let level = match level {
        TileLevel::L1 => "l1",
        TileLevel::L2 => "l2",
        TileLevel::Render => "render",
    };
    metrics::counter!("rummet_tiles_total", "level" => level, "zoom" => zoom.to_string())
        .increment(1);
}

/// The text for a scrape: what was recorded, and the gauges read now.
#[must_use]
#[expect(
    clippy::cast_precision_loss,
    reason = "Prometheus values are f64; these counts stay far below 2^52"
)]
pub fn render(app: &App) -> String {
    let status = app.pool.status();
    metrics::gauge!("rummet_db_pool_connections").set(status.size as f64);
    metrics::gauge!("rummet_db_pool_available").set(status.available as f64);
    metrics::gauge!("rummet_db_pool_waiting").set(status.waiting as f64);
    metrics::gauge!("rummet_datasets_loaded").set(app.datasets.count() as f64);
    if !app.replicas.is_empty() {
        metrics::gauge!("rummet_read_replicas_up").set(app.replicas.up() as f64);
    }
    for ds in app.datasets.all_any() {
        let id = ds.id.to_string();
        metrics::gauge!("rummet_dataset_features", "dataset" => id.clone()).set(ds.features as f64);
        metrics::gauge!("rummet_dataset_version", "dataset" => id.clone()).set(ds.version as f64);
        metrics::gauge!("rummet_dataset_loaded_timestamp_seconds", "dataset" => id)
            .set(ds.loaded_epoch);
    }
    if let Some(rss) = resident_bytes() {
        metrics::gauge!("rummet_process_resident_memory_bytes").set(rss as f64);
    }
    handle().render()
}

/// The process's resident set, from `/proc/self/statm` (Linux).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}
