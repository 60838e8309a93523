//! `rummet seed <id> --zooms A-B`: pre-render a dataset's tiles into L2, and the same step
//! run after every `rummet load`.

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use deadpool_postgres::Pool;
use indicatif::{ProgressBar, ProgressStyle};
use rummet_core::DatasetId;

use super::database::Database;
use crate::config::Config;
use crate::datasets::Dataset;
use crate::db::registry;
use crate::tiles::{SeedReport, Seeder, parse_zooms};

#[derive(Debug, Args)]
pub(super) struct SeedArgs {
    /// Dataset id of a loaded dataset.
    id: String,
    /// Zooms to render, `A-B` or one zoom; the dataset's tiles are then kept up to B.
    #[arg(long, value_name = "A-B", value_parser = parse_zooms, default_value = "0-10")]
    zooms: RangeInclusive<u8>,
}

pub(super) async fn run(config: &Config, args: SeedArgs) -> anyhow::Result<()> {
    let id = DatasetId::parse(&args.id)?;
    let db = Database::open(config).await?;
    let result = async {
        let ds = loaded(&db.pool, &id).await?;
        let report = seed(&db.pool, &ds, args.zooms.clone(), false).await?;
        print_report(&ds, &args.zooms, &report);
        Ok(())
    }
    .await;
    db.close().await;
    result
}

/// The serving version of `id`, or an error saying it is not loaded.
pub(super) async fn loaded(pool: &Pool, id: &DatasetId) -> anyhow::Result<Arc<Dataset>> {
    let client = pool.get().await.context("connecting to the database")?;
    match registry::get(&**client, id).await? {
        Some(ds) => Ok(Arc::new(ds)),
        None => bail!("dataset \"{id}\" is not loaded: `rummet load {id}` first"),
    }
}

/// Seeds `zooms` of `ds` with a progress bar per zoom (none when `quiet`).
pub(super) async fn seed(
    pool: &Pool,
    ds: &Arc<Dataset>,
    zooms: RangeInclusive<u8>,
    quiet: bool,
) -> anyhow::Result<(SeedReport, Duration)> {
    let started = Instant::now();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        zoom_spinner(format!("{} tiles", ds.id))
    };
    let progress = |z: u8, n: usize| bar.set_message(format!("zoom {z}: {n} tiles"));
    let seeder = Seeder::new(pool.clone(), concurrency());
    let result = seeder.seed(ds, zooms, &progress).await;
    bar.finish_and_clear();
    Ok((
        result.with_context(|| format!("pre-rendering the tiles of {}", ds.id))?,
        started.elapsed(),
    ))
}

/// A spinner for a walk down the zooms; its message is set per zoom.
pub(super) fn zoom_spinner(prefix: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_prefix(prefix);
    bar.set_style(
        ProgressStyle::with_template("{prefix} {spinner} {msg}, {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// One render per core: rendering is PostgreSQL's CPU work, and more would only queue.
pub(super) fn concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

pub(super) fn print_report(
    ds: &Dataset,
    zooms: &RangeInclusive<u8>,
    (report, took): &(SeedReport, Duration),
) {
    println!(
        "pre-rendered {} version {} zooms {}-{}: {} tiles rendered ({} empty), {} already stored, largest {} KB, in {:.1}s",
        ds.id,
        ds.version,
        zooms.start(),
        zooms.end(),
        report.rendered,
        report.empty,
        report.kept,
        report.largest.div_ceil(1024),
        took.as_secs_f64()
    );
}
