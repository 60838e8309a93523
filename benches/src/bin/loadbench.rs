//! Loads one generated file through Rummet's load pipeline, for `benches/load/run.sh`:
//! `loadbench <postgres-url> <dataset> <file.gpkg | file_shp.zip>`. The catalog entry of
//! `dataset` is used with its format switched to the file's (and, for Shapefiles, its field
//! names cut to DBF's 10 characters), so both formats of one schema go through one path.
//! Prints one JSON line: features read and loaded, seconds.

use anyhow::Context;
use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, SourceFormat};
use rummet_loaders::pipeline::{self, LoadOptions};
use rummet_loaders::read::Input;
use tokio_postgres::NoTls;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .init();
    let args: Vec<String> = std::env::args().collect();
    let [_, url, dataset, file] = args.as_slice() else {
        anyhow::bail!("usage: loadbench <postgres-url> <dataset> <file>");
    };
    let mut entry = catalog::get(&DatasetId::parse(dataset)?)
        .context("dataset not in the catalog")?
        .clone();
    if std::path::Path::new(file)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
    {
        entry.source.format = SourceFormat::GeoPackage;
        entry.source.layer = Some(if dataset == "lamningar" {
            "lämningar_sverige_point".into()
        } else {
            dataset.clone()
        });
    } else {
        entry.source.format = SourceFormat::Shapefile;
        entry.source.member = None;
        for f in &mut entry.fields {
            f.source = f.source.chars().take(10).collect();
        }
    }
    let (mut client, conn) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(conn);
    let report = pipeline::load(
        &mut client,
        &entry,
        &Input::File(file.into()),
        LoadOptions::default(),
    )
    .await?;
    println!(
        "{}",
        serde_json::json!({
            "dataset": dataset,
            "file": file,
            "read": report.rows_read,
            "loaded": report.rows_loaded,
            "seconds": report.elapsed.as_secs_f64(),
        })
    );
    Ok(())
}
