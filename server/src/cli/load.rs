//! `rummet load <id> [--file PATH]` and `rummet load --all --dir DIR`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, CatalogEntry, SourceFormat};
use rummet_loaders::discover;
use rummet_loaders::pipeline::{self, LoadOptions, LoadReport, Part};
use rummet_loaders::read::Input;

use super::database::Database;
use crate::config::Config;

#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "each is a command-line flag")]
pub(super) struct LoadArgs {
    /// Dataset id from the catalog (`rummet datasets` lists them).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    id: Option<String>,
    /// Read this file (in the catalog's format) instead of the bundled copy.
    #[arg(long, value_name = "PATH", conflicts_with = "all")]
    file: Option<PathBuf>,
    /// Read from this URL: an OGC API Features `…/items` or WFS 2.0 (`service=WFS`) endpoint,
    /// paged as GeoJSON, or a file in the catalog's format.
    #[arg(long, value_name = "URL", conflicts_with_all = ["all", "file"])]
    url: Option<String>,
    /// Read this layer of a GeoPackage (or this member of a zip) instead of the catalog's.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    layer: Option<String>,
    /// Load the file as this part of the dataset (`lan:25`, `kommun:0680`): it replaces that
    /// part and keeps the others, as one dataset to tiles, statistics and OGC API.
    #[arg(long, value_name = "DIVISION:CODE", conflicts_with = "all")]
    part: Option<String>,
    /// With --part (or --all finding parts): let a part replace a dataset now serving a
    /// whole-dataset load.
    #[arg(long)]
    replace_whole: bool,
    /// Load every catalog dataset with a file in --dir: recognised by the catalog's file
    /// names and patterns, else by its content (layers and fields).
    #[arg(long, requires = "dir")]
    all: bool,
    /// Directory --all looks in.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Read, validate and build the new version, then roll back: nothing changes.
    #[arg(long)]
    dry_run: bool,
    /// Do not pre-render the new version's tiles (zooms 0-10 by default) after loading;
    /// they are then rendered on first request.
    #[arg(long)]
    no_seed: bool,
    /// Print the load reports as JSON instead of a progress bar and a summary.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(config: &Config, args: LoadArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let db = Database::open(config).await?;
    let result = load_all(&db, &plan, &args, config.publishing.keep_versions).await;
    db.close().await;
    result
}

/// One load to run: a dataset, its input, and the part the input is, if it is one.
struct Planned {
    entry: CatalogEntry,
    input: Input,
    part: Option<Part>,
}

/// What to load from where, decided before touching the database.
fn plan(args: &LoadArgs) -> anyhow::Result<Vec<Planned>> {
    if args.replace_whole && args.part.is_none() && !args.all {
        bail!("--replace-whole is for a part: give --part, or --all with a directory of parts");
    }
    if let (true, Some(dir)) = (args.all, &args.dir) {
        return plan_dir(dir);
    }
    let id = DatasetId::parse(args.id.as_deref().unwrap_or_default())?;
    let mut entry = catalog::get(&id)
        .with_context(|| format!("unknown dataset \"{id}\": `rummet datasets` lists the catalog"))?
        .clone();
    let part = args
        .part
        .as_deref()
        .map(Part::parse)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    if let Some(layer) = &args.layer {
        if entry.source.format == SourceFormat::GeoPackage {
            entry.source.layer = Some(layer.clone());
            entry.source.layer_given = true;
        } else {
            // The other formats' "layers" are the files of a zip.
            entry.source.member = Some(layer.clone());
            entry.source.members.clear();
        }
    }
    let bundled = rummet_loaders::demo::DATASETS
        .iter()
        .find(|(d, _)| *d == id.as_str());
    if let Some(url) = &args.url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("{url}: only http:// and https:// URLs are read");
        }
        return Ok(vec![Planned {
            entry,
            input: Input::Url(url.clone()),
            part,
        }]);
    }
    let input = match (&args.file, bundled) {
        (Some(path), _) if !path.is_file() => bail!("{}: no such file", path.display()),
        (Some(path), _) => Input::File(path.clone()),
        (None, Some((_, bytes))) => Input::Bytes {
            name: format!("demo:{}", entry.source.file),
            data: bytes::Bytes::from_static(bytes),
        },
        (None, None) => bail!(
            "{id}: give --file with the agency's {} file, or --url ({})",
            entry.source.file,
            entry.source.urls.join(", ")
        ),
    };
    Ok(vec![Planned { entry, input, part }])
}

/// Every dataset the files in `dir` hold; the files that hold none are listed on stderr
/// with why.
fn plan_dir(dir: &std::path::Path) -> anyhow::Result<Vec<Planned>> {
    if !dir.is_dir() {
        bail!("{}: no such directory", dir.display());
    }
    let found = discover::scan(dir).with_context(|| format!("{}: cannot list", dir.display()))?;
    for skipped in &found.skipped {
        eprintln!("skipped {}: {}", skipped.path.display(), skipped.reason);
    }
    if found.found.is_empty() {
        bail!(
            "{}: holds none of the catalog's datasets (`rummet datasets` lists them)",
            dir.display()
        );
    }
    Ok(found
        .found
        .into_iter()
        .map(|f| {
            if f.how == discover::Recognised::ByContent {
                eprintln!(
                    "{}: recognised as {} by its content",
                    f.path.display(),
                    f.entry.id
                );
            }
            Planned {
                entry: f.entry.clone(),
                input: Input::File(f.path),
                part: f.part,
            }
        })
        .collect())
}

async fn load_all(
    db: &Database,
    plan: &[Planned],
    args: &LoadArgs,
    keep: u32,
) -> anyhow::Result<()> {
    let mut client = db.pool.get().await.context("connecting to the database")?;
    let mut failed = Vec::new();
    let mut reports = Vec::new();
    for Planned { entry, input, part } in plan {
        let bar = progress_bar(entry, args.json);
        let on_progress = |n: u64, total: Option<u64>| {
            if let Some(total) = total.filter(|t| bar.length() != Some(*t)) {
                bar.set_length(total);
                bar.set_style(counted_style());
            }
            bar.set_position(n);
        };
        let options = LoadOptions {
            dry_run: args.dry_run,
            progress: &on_progress,
            part: part.as_ref(),
            replace_whole: args.replace_whole,
            keep_versions: keep,
            ..LoadOptions::default()
        };
        let result = pipeline::load(&mut client, entry, input, options).await;
        bar.finish_and_clear();
        match result {
            Ok(report) => {
                for warning in &report.warnings {
                    eprintln!("warning: {warning}");
                }
                if !args.json {
                    print_summary(&report);
                }
                if !(args.dry_run || args.no_seed) {
                    seed_loaded(db, entry, args.json).await;
                }
                if args.json {
                    reports.push(report);
                }
            }
            // One dataset: its error is the one line `main` prints.
            Err(e) if plan.len() == 1 => return Err(e.into()),
            Err(e) => {
                eprintln!("error: {}: {e}", entry.id);
                failed.push(entry.id.to_string());
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    }
    match failed.as_slice() {
        [] => Ok(()),
        [one] if plan.len() == 1 => {
            bail!("loading {one} failed; the version that was serving still serves")
        }
        many => bail!(
            "{} of {} loads failed ({}); their previous versions still serve",
            many.len(),
            plan.len(),
            many.join(", ")
        ),
    }
}

/// Pre-renders the new version's kept zooms. The load has succeeded whatever happens here:
/// a failure is reported and its tiles render on first request instead.
async fn seed_loaded(db: &Database, entry: &CatalogEntry, quiet: bool) {
    let result = async {
        let ds = super::seed::loaded(&db.pool, &entry.id).await?;
        let zooms = 0..=ds.l2_maxzoom;
        let report = super::seed::seed(&db.pool, &ds, zooms.clone(), quiet).await?;
        if !quiet {
            super::seed::print_report(&ds, &zooms, &report);
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(e) = result {
        eprintln!("warning: {e:#}; tiles will be rendered on first request");
    }
}

fn progress_bar(entry: &CatalogEntry, hidden: bool) -> ProgressBar {
    if hidden {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_prefix(entry.id.to_string());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} {spinner} {human_pos} features, {per_sec}, {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn counted_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix} [{bar:30}] {human_pos}/{human_len} features, {per_sec}, ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn print_summary(r: &LoadReport) {
    let verb = if r.dry_run { "dry run of" } else { "loaded" };
    println!(
        "{verb} {}{} version {}: {} features ({} read, {} filtered, {} repaired, {} rejected) from {} in {:.1}s",
        r.id,
        r.part
            .as_ref()
            .map(|p| format!(" part {p}"))
            .unwrap_or_default(),
        r.version,
        r.rows_loaded,
        r.rows_read,
        r.rows_filtered,
        r.rows_repaired,
        r.rows_rejected,
        r.source,
        r.elapsed.as_secs_f64()
    );
    if let Some(dims) = &r.dropped_dimensions {
        println!(
            "  {} features carried {dims} coordinates: stored in 2D",
            r.rows_flattened
        );
    }
    if !r.repaired_features.is_empty() {
        println!(
            "  repaired invalid geometries of features {:?}",
            r.repaired_features
        );
    }
    if !r.overlays.is_empty() {
        let pairs: Vec<String> = r
            .overlays
            .iter()
            .map(|o| format!("{} by {} ({} pieces)", o.dataset, o.division, o.pieces))
            .collect();
        let secs: f64 = r.overlays.iter().map(|o| o.elapsed.as_secs_f64()).sum();
        println!("  statistics overlay: {} in {secs:.1}s", pairs.join(", "));
    }
    if let Some(p) = &r.population {
        println!(
            "  people counted from {}: units of {}, inside {} polygon overlays, in {:.1}s",
            p.population,
            if p.divisions.is_empty() {
                "no division".to_owned()
            } else {
                p.divisions.join(", ")
            },
            p.covers,
            p.elapsed.as_secs_f64()
        );
    }
    for a in &r.access {
        println!(
            "  travel times of {} along {} for {} cells ({} without road), types {}, in {:.1}s",
            a.services,
            a.network,
            a.cells,
            a.cells_without_road,
            a.service_types
                .iter()
                .map(|(t, n)| format!("{t} ({n})"))
                .collect::<Vec<_>>()
                .join(", "),
            a.elapsed.as_secs_f64()
        );
    }
    if r.dry_run {
        println!("  nothing was changed");
    }
}
