//! `rummet load <id>`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use rummet_core::DatasetId;
use rummet_loaders::catalog;
use rummet_loaders::pipeline;
use rummet_loaders::read::Input;

use super::database::Database;
use crate::config::Config;

#[derive(Debug, Args)]
pub(super) struct LoadArgs {
    /// Dataset id from the catalog (`rummet datasets` lists them).
    id: String,
    /// Read this file (in the catalog's format) instead of the bundled copy.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// Print the load report as JSON.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(config: &Config, args: LoadArgs) -> anyhow::Result<()> {
    let id = DatasetId::parse(&args.id)?;
    let entry = catalog::get(&id).with_context(|| {
        format!("unknown dataset \"{id}\": `rummet datasets` lists the catalog")
    })?;
    let input = match (
        args.file,
        rummet_loaders::demo::DATASETS
            .iter()
            .find(|(d, _)| *d == id.as_str()),
    ) {
        (Some(path), _) => {
            if !path.is_file() {
                bail!("{}: no such file", path.display());
            }
            Input::File(path)
        }
        (None, Some((_, bytes))) => Input::Bytes {
            name: format!("demo:{}", entry.source.file),
            data: bytes::Bytes::from_static(bytes),
        },
        (None, None) => bail!(
            "{id}: give --file with the agency's {} file ({})",
            entry.source.file,
            entry.source.urls.join(", ")
        ),
    };
    let db = Database::open(config).await?;
    let result = async {
        let mut client = db.pool.get().await.context("connecting to the database")?;
        let show = !args.json;
        let progress = move |n: u64| {
            if show {
                eprint!("\r{id}: {n} features read");
                let _ = std::io::stderr().flush();
            }
        };
        let report = pipeline::load(&mut client, entry, &input, &progress).await;
        if show {
            eprintln!();
        }
        let report = report?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!(
                "loaded {} version {}: {} features ({} read, {} repaired, {} rejected) from {} in {:.1}s",
                report.id,
                report.version,
                report.rows_loaded,
                report.rows_read,
                report.rows_repaired,
                report.rows_rejected,
                report.source,
                report.elapsed.as_secs_f64()
            );
            if !report.repaired_features.is_empty() {
                println!("repaired invalid geometries of features {:?}", report.repaired_features);
            }
        }
        anyhow::Ok(())
    }
    .await;
    db.close().await;
    result
}
