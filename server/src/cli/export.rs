//! `rummet export <id|a,b> --format pmtiles|mbtiles`: a dataset's tiles as one file for a
//! CDN or for QGIS offline.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use rummet_core::DatasetId;

use super::database::Database;
use super::seed::{concurrency, loaded, zoom_spinner};
use crate::config::Config;
use crate::export::{self, Format};
use crate::tiles::parse_zooms;

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// Dataset id, or several joined by commas (one layer each, in that order).
    ids: String,
    /// Archive format.
    #[arg(long, value_enum, default_value = "pmtiles")]
    format: Format,
    /// Zooms to write, `A-B`.
    #[arg(long, value_name = "A-B", value_parser = parse_zooms, default_value = "0-12")]
    zooms: RangeInclusive<u8>,
    /// File to write (default: `<ids>.pmtiles` or `<ids>.mbtiles` here). It appears only
    /// when complete.
    #[arg(long, short, value_name = "PATH")]
    output: Option<PathBuf>,
}

pub(super) async fn run(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let ids = args
        .ids
        .split(',')
        .map(DatasetId::parse)
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        bail!("give at least one dataset id");
    }
    let extension = match args.format {
        Format::Pmtiles => "pmtiles",
        Format::Mbtiles => "mbtiles",
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.{extension}", args.ids.replace(',', "_"))));
    if output.is_dir() {
        bail!("{}: is a directory; give a file name", output.display());
    }
    let db = Database::open(config).await?;
    let result = async {
        let mut layers = Vec::new();
        for id in &ids {
            layers.push(loaded(&db.pool, id).await?);
        }
        let started = Instant::now();
        let bar = zoom_spinner(format!("export {}", args.ids));
        let progress = |z: u8, n: usize| bar.set_message(format!("zoom {z}: {n} tiles"));
        let report = export::export(
            &db.pool,
            layers,
            args.zooms.clone(),
            args.format,
            &output,
            concurrency(),
            &progress,
        )
        .await;
        bar.finish_and_clear();
        let report = report?;
        println!(
            "wrote {}: {} tiles, zooms {}-{}, {} KB of tile data, in {:.1}s",
            output.display(),
            report.tiles,
            args.zooms.start(),
            args.zooms.end(),
            report.bytes.div_ceil(1024),
            started.elapsed().as_secs_f64()
        );
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
