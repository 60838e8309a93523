//! The load pipeline: stream → stage (`COPY … BINARY`) → validate → repair and transform →
//! index → swap in with the registry row and a `NOTIFY`, all in one transaction. Readers see
//! either the old version or the new one; a failed or interrupted load rolls back and leaves
//! nothing behind, because PostgreSQL discards the whole transaction.

mod access;
mod access_sums;
mod build;
mod cell;
mod overlay;
mod parts;
mod population;
mod stage;
mod thin;
pub mod versions;

use std::time::{Duration, Instant};

use rummet_core::{DATA_SCHEMA, escape_identifier, version_table};
use serde::Serialize;
use tokio_postgres::{Client, Transaction};

pub use access::AccessReport;
pub use overlay::OverlayReport;
pub use parts::Part;
pub use population::PopulationReport;

use crate::catalog::CatalogEntry;
use crate::read::{self, Input};
use crate::{LoadError, Result};

pub use rummet_core::NOTIFY_CHANNEL;

use rummet_core::SWEDEN_BOUNDS_WGS84 as SWEDEN_BOUNDS;

/// What a load did, for the CLI summary and the registry.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The dataset.
    pub id: String,
    /// The part loaded (`lan:25`), when the input was one part of the dataset.
    pub part: Option<String>,
    /// The new version number.
    pub version: i64,
    /// The table that now serves it.
    pub table: String,
    /// Where it was read from.
    pub source: String,
    /// SHA-256 of the input.
    pub sha256: String,
    /// Features read from the input.
    pub rows_read: u64,
    /// Features in the new version.
    pub rows_loaded: u64,
    /// Features whose invalid geometry was repaired with `ST_MakeValid`.
    pub rows_repaired: u64,
    /// Up to ten feature numbers of repaired features, so a steward can look at them.
    pub repaired_features: Vec<i64>,
    /// Features the catalog's filter left out.
    pub rows_filtered: u64,
    /// Features without a usable geometry, left out.
    pub rows_rejected: u64,
    /// Features whose geometry carried Z or M: stored in 2D.
    pub rows_flattened: u64,
    /// The ordinates dropped (`Z`, `M` or `ZM`), if any feature had them.
    pub dropped_dimensions: Option<String>,
    /// What a steward should know: optional fields the file lacks (their columns are empty),
    /// values outside a code list. Also printed on stderr and kept in the registry.
    pub warnings: Vec<String>,
    /// Extent of the loaded features in WGS 84: west, south, east, north.
    pub bounds: [f64; 4],
    /// The statistics overlays the load recomputed: this dataset by every division and, for
    /// a division, every dataset by it.
    pub overlays: Vec<OverlayReport>,
    /// The people per unit and inside polygons the load recomputed, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<PopulationReport>,
    /// The accessibility the load recomputed (services, their network or the population).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access: Vec<AccessReport>,
    /// Wall time of the load (in seconds, as JSON).
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// Whether this was a dry run, rolled back.
    pub dry_run: bool,
}

/// A duration as seconds, for the JSON reports (`rummet load --json`, a job's report).
pub(crate) fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

/// How a load runs.
#[derive(Clone, Copy)]
pub struct LoadOptions<'a> {
    /// Read, stage, validate and build everything, then roll back instead of swapping in.
    pub dry_run: bool,
    /// Called with the features read so far and, when the format tells, how many there are.
    pub progress: &'a (dyn Fn(u64, Option<u64>) + Sync),
    /// Load the input as this part of the dataset, keeping its other parts.
    pub part: Option<&'a Part>,
    /// Let a part replace a dataset that serves a whole-dataset load.
    pub replace_whole: bool,
    /// Earlier versions to keep for rollback (see [`versions`]); 0 drops the replaced one.
    pub keep_versions: u32,
    /// The organisation that owns the dataset and who may see it (`public`, `org`,
    /// `private`), set in the load's transaction so a restricted upload is never visible to
    /// others, not even for a moment. `None` keeps what the registry has.
    pub owner: Option<(&'a str, &'a str)>,
    /// Called as the load enters each step: `reading`, `validating`, `building`,
    /// `overlaying`, `committing`.
    pub phase: &'a (dyn Fn(&'static str) + Sync),
    /// Refuse the load when the dataset is loaded already (an upload of a new dataset, which
    /// must not replace one another server has just taken in).
    pub new_only: bool,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        Self {
            dry_run: false,
            progress: &|_, _| {},
            part: None,
            replace_whole: false,
            keep_versions: 0,
            owner: None,
            phase: &|_| {},
            new_only: false,
        }
    }
}

/// Loads `input` as a new version of `entry`'s dataset and swaps it in.
///
/// # Errors
/// When the input cannot be read or fails validation, or the database fails; in every case
/// the transaction is rolled back and the previous version keeps serving.
pub async fn load(
    client: &mut Client,
    entry: &CatalogEntry,
    input: &Input,
    options: LoadOptions<'_>,
) -> Result<LoadReport> {
    load_named(client, entry, input, options)
        .await
        .map_err(|e| e.in_input(&input.name()))
}

async fn load_named(
    client: &mut Client,
    entry: &CatalogEntry,
    input: &Input,
    options: LoadOptions<'_>,
) -> Result<LoadReport> {
    let started = Instant::now();
    let name = input.name();
    let (reader, sha256, expected_srid) = open_checked(entry, input, &name).await?;
    let tx = client
        .transaction()
        .await
        .map_err(LoadError::db("starting the load transaction"))?;
    let version = begin(&tx, entry, options.new_only.then_some(name.as_str())).await?;
    let forgotten = versions::retire(&tx, entry.id.as_str(), options.keep_versions).await?;
    let slot = parts::prepare(&tx, entry, (&name, options.part), options.replace_whole).await?;
    let fid_base = slot.as_ref().map_or(0, |s| s.base);

    let total = reader.feature_count();
    let progress = |n| (options.progress)(n, total);
    (options.phase)("reading");
    let step = Instant::now();
    let mut staged = stage::copy_features(&tx, entry, reader, (&name, fid_base), &progress).await?;
    let rows_read = staged.rows;
    tracing::debug!(dataset = %entry.id, elapsed = ?step.elapsed(), rows_read, "staged");
    let (unjoined, warning) = stage::join_units(&tx, entry, &name).await?;
    staged.warnings.extend(warning);
    let rows_filtered = stage::apply_filter(&tx, entry).await? + unjoined;
    let step = Instant::now();
    (options.phase)("validating");
    // Feature numbers as the file counts them, not as a part's ids are offset.
    let checked = stage::validate(&tx, entry, expected_srid)
        .await?
        .numbered_from(fid_base);
    tracing::debug!(dataset = %entry.id, elapsed = ?step.elapsed(), "validated");
    check_whole(entry, &name, rows_read - rows_filtered, &checked)?;

    let table = version_table(&entry.id, version);
    (options.phase)("building");
    let step = Instant::now();
    let rows_loaded =
        build::build_version(&tx, entry, &table, expected_srid, slot.as_ref()).await?;
    tracing::debug!(dataset = %entry.id, elapsed = ?step.elapsed(), rows_loaded, "built and indexed");
    let bounds = build::extent(&tx, &table).await?;
    let counts = parts::Counts {
        read: rows_read,
        loaded: rows_loaded,
        filtered: rows_filtered,
        repaired: checked.invalid,
        flattened: checked.flattened,
    };
    let provenance = (version, name.as_str(), sha256.as_str());
    let totals = parts::account(
        &tx,
        entry.id.as_str(),
        slot.as_ref(),
        provenance,
        counts,
        &staged.warnings,
    )
    .await?;
    let registration = build::Registration {
        source: &name,
        sha256: &sha256,
        version,
        table: &table,
        rows_read: totals.read,
        rows_loaded: totals.loaded,
        rows_repaired: totals.repaired,
        rows_filtered: totals.filtered,
        rows_flattened: totals.flattened,
        dropped_dimensions: checked.dropped,
        warnings: &staged.warnings,
        bounds,
    };
    let replaced = swap_in(&tx, entry, &registration, &options, forgotten).await?;
    (options.phase)("overlaying");
    let step = Instant::now();
    let derived = refresh_derived(&tx, entry.id.as_str(), &options).await?;
    tracing::debug!(dataset = %entry.id, elapsed = ?step.elapsed(), overlays = derived.overlays.len(), "overlaid");
    if finish(tx, &options).await? {
        let old = (derived.overlays.iter()).filter_map(|o| o.replaced.clone());
        drop_replaced(client, replaced.into_iter().chain(old)).await;
    }

    Ok(LoadReport {
        id: entry.id.to_string(),
        part: options.part.map(ToString::to_string),
        version,
        table,
        source: name,
        sha256,
        rows_read,
        rows_loaded,
        rows_repaired: checked.invalid,
        repaired_features: checked.invalid_fids,
        rows_filtered,
        rows_rejected: rows_read.saturating_sub(rows_loaded + rows_filtered),
        rows_flattened: checked.flattened,
        dropped_dimensions: checked.dropped.map(str::to_owned),
        warnings: staged.warnings,
        bounds,
        overlays: derived.overlays,
        population: derived.population,
        access: derived.access,
        elapsed: started.elapsed(),
        dry_run: options.dry_run,
    })
}

/// What a load or a rollback recomputes from the serving versions.
pub(crate) struct Derived {
    pub overlays: Vec<OverlayReport>,
    pub population: Option<PopulationReport>,
    pub access: Vec<AccessReport>,
}

/// Recomputes, in order, what depends on the serving version of `id`: the overlays with
/// every division, the people per unit and inside polygons (which read the overlays' cover),
/// and the accessibility (which reads the people per unit).
pub(crate) async fn refresh_derived(
    tx: &Transaction<'_>,
    id: &str,
    options: &LoadOptions<'_>,
) -> Result<Derived> {
    let overlays = overlay::refresh(tx, id).await?;
    let population = population::refresh(tx, id).await?;
    let access = access::refresh(tx, id).await?;
    if !access.is_empty() {
        (options.phase)("accessibility");
    }
    Ok(Derived {
        overlays,
        population,
        access,
    })
}

/// Commits the load or, for a dry run, rolls it back: a dry run has done every step, the
/// swap included, and rolling back undoes it whole (and drops the NOTIFY with it).
/// Whether it committed.
async fn finish(tx: Transaction<'_>, options: &LoadOptions<'_>) -> Result<bool> {
    if options.dry_run {
        tx.rollback()
            .await
            .map_err(LoadError::db("rolling back the dry run"))?;
        return Ok(false);
    }
    (options.phase)("committing");
    tx.commit()
        .await
        .map_err(LoadError::db("committing the swap"))?;
    Ok(true)
}

/// Opens the reader (on a blocking thread: it may unzip) and hashes the input, and refuses a
/// file that declares a CRS other than the catalog's.
async fn open_checked(
    entry: &CatalogEntry,
    input: &Input,
    name: &str,
) -> Result<(Box<dyn read::FeatureReader>, String, i32)> {
    let expected = entry.source.srid().map_err(|message| LoadError::Rejected {
        input: name.to_owned(),
        message,
    })?;
    let (owned_entry, owned_input) = (entry.clone(), input.clone());
    let (reader, sha256) = tokio::task::spawn_blocking(move || {
        Ok::<_, LoadError>((
            read::open(&owned_entry, &owned_input)?,
            owned_input.sha256()?,
        ))
    })
    .await
    .map_err(|e| LoadError::Rejected {
        input: name.to_owned(),
        message: format!("reader thread failed: {e}"),
    })??;
    if let Some(declared) = reader.declared_srid().filter(|d| *d != expected) {
        return Err(LoadError::CrsMismatch {
            input: name.to_owned(),
            declared,
            expected,
        });
    }
    Ok((reader, sha256, expected))
}

/// Prepares the load transaction: quiet notices, one load of a dataset at a time (refused
/// when `new_only` and the dataset exists), a new version number.
async fn begin(tx: &Transaction<'_>, entry: &CatalogEntry, new_only: Option<&str>) -> Result<i64> {
    // ST_IsValid reports every defect as a NOTICE; the report counts them instead. The
    // server's statement timeout guards requests, not loads: a national overlay takes minutes.
    tx.batch_execute("SET LOCAL client_min_messages = warning; SET LOCAL statement_timeout = 0")
        .await
        .map_err(LoadError::db("configuring the load session"))?;
    lock_dataset(tx, entry.id.as_str()).await?;
    if let Some(input) = new_only {
        refuse_existing(tx, entry, input).await?;
    }
    Ok(tx
        .query_one("SELECT nextval('rummet.dataset_version')", &[])
        .await
        .map_err(LoadError::db("allocating a version"))?
        .get(0))
}

/// Refuses to load over a dataset that is loaded already: asked under the dataset's lock, so
/// two uploads of one new id, or one racing another server's, cannot both create it.
async fn refuse_existing(tx: &Transaction<'_>, entry: &CatalogEntry, input: &str) -> Result<()> {
    let exists = tx
        .query_opt(
            "SELECT 1 FROM rummet.datasets WHERE id = $1",
            &[&entry.id.as_str()],
        )
        .await
        .map_err(LoadError::db("looking for the dataset"))?
        .is_some();
    if exists {
        return Err(LoadError::Rejected {
            input: input.to_owned(),
            message: format!(
                "{} exists: send a new version with PUT /api/datasets/{}",
                entry.id, entry.id
            ),
        });
    }
    Ok(())
}

/// Waits for any other load, rollback or removal of dataset `id`, then holds it off until
/// the transaction ends.
pub(crate) async fn lock_dataset(tx: &Transaction<'_>, id: &str) -> Result<()> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('rummet.load:' || $1))",
        &[&id],
    )
    .await
    .map_err(LoadError::db("waiting for another load of this dataset"))?;
    Ok(())
}

/// Registers the new version (with its owner, when the load sets one) and notifies servers,
/// inside the load transaction, so readers switch at commit and never see a gap. Returns the
/// tables to drop after the commit with [`drop_replaced`] (the replaced version's, or, when
/// versions are kept, those `forgotten` to make room): until then the old version serves,
/// unblocked.
async fn swap_in(
    tx: &Transaction<'_>,
    entry: &CatalogEntry,
    registration: &build::Registration<'_>,
    options: &LoadOptions<'_>,
    forgotten: Vec<String>,
) -> Result<Vec<String>> {
    let replaced = build::register(tx, entry, registration)
        .await?
        .filter(|old| old != registration.table);
    if let Some((organisation, visibility)) = options.owner {
        tx.execute(
            "UPDATE rummet.datasets SET organisation = $2, visibility = $3 WHERE id = $1",
            &[&entry.id.as_str(), &organisation, &visibility],
        )
        .await
        .map_err(LoadError::db("setting the owner"))?;
    }
    // A kept version's table stays; the versions forgotten to make room go instead.
    let replaced = if options.keep_versions > 0 {
        forgotten
    } else {
        replaced.into_iter().collect()
    };
    // Pre-rendered tiles of the replaced versions go with them, at the same commit.
    tx.execute(
        "DELETE FROM rummet.tiles WHERE dataset = $1",
        &[&entry.id.as_str()],
    )
    .await
    .map_err(LoadError::db("dropping the replaced version's tiles"))?;
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&NOTIFY_CHANNEL, &entry.id.as_str()],
    )
    .await
    .map_err(LoadError::db("notifying servers"))?;
    Ok(replaced)
}

/// Drops the tables a committed load replaced, each in its own short statement: it waits
/// only for readers already inside the old table, and a reader that comes after reads the
/// registry's new version. A drop that fails (the database went away just after the commit)
/// leaves an orphan that the next server start removes, so it is logged, not an error: the
/// load itself succeeded.
async fn drop_replaced(client: &Client, tables: impl Iterator<Item = String>) {
    for table in tables {
        // A DROP waiting for its lock queues every new reader of the table behind it: wait a
        // moment at a time, and between tries let them through.
        let drop = format!(
            "SET lock_timeout = '{DROP_LOCK_WAIT_MS}ms'; DROP TABLE IF EXISTS {}.{}",
            escape_identifier(DATA_SCHEMA),
            escape_identifier(&table)
        );
        let mut last = None;
        for _ in 0..DROP_TRIES {
            match client.batch_execute(&drop).await {
                Ok(()) => {
                    last = None;
                    break;
                }
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(std::time::Duration::from_millis(DROP_LOCK_WAIT_MS)).await;
                }
            }
        }
        let _ = client.batch_execute("RESET lock_timeout").await;
        if let Some(e) = last {
            tracing::warn!(
                table,
                "could not drop a replaced table (dropped at the next start): {e}"
            );
        }
    }
}

/// How long one try to drop a replaced table waits for its lock, in milliseconds.
const DROP_LOCK_WAIT_MS: u64 = 200;
/// Tries to drop a replaced table before leaving it to the next start.
const DROP_TRIES: u32 = 25;

/// Rejects inputs that cannot be right as a whole: empty, the wrong geometry family, or
/// coordinates outside Sweden (a mislabelled CRS; the source box's corners transformed are
/// close enough for that, not for the served bounds, which come from the built version).
fn check_whole(
    entry: &CatalogEntry,
    input: &str,
    rows_read: u64,
    checked: &stage::Checked,
) -> Result<()> {
    let reject = |message: String| LoadError::Rejected {
        input: input.to_owned(),
        message,
    };
    if rows_read == 0 || checked.empty == rows_read {
        let filtered = entry
            .filter
            .as_ref()
            .map(|f| format!(" whose {} is one of {:?}", f.column, f.values))
            .unwrap_or_default();
        return Err(reject(format!(
            "the file holds no features with geometry{filtered}"
        )));
    }
    if let (Some(fid), Some(kind)) = (checked.wrong_type_fid, &checked.wrong_type) {
        return Err(reject(format!(
            "feature {fid} is a {kind}, but {} holds {:?} geometries",
            entry.id, entry.geometry
        )));
    }
    let b = checked
        .bounds
        .ok_or_else(|| reject("the features have no extent".into()))?;
    let inside = b[0] >= SWEDEN_BOUNDS[0]
        && b[1] >= SWEDEN_BOUNDS[1]
        && b[2] <= SWEDEN_BOUNDS[2]
        && b[3] <= SWEDEN_BOUNDS[3];
    if !inside || b.iter().any(|v| !v.is_finite()) {
        return Err(reject(format!(
            "coordinates read as {} span lon {:.3}..{:.3}, lat {:.3}..{:.3}, outside Sweden: is the file really in {}?",
            entry.source.crs, b[0], b[2], b[1], b[3], entry.source.crs
        )));
    }
    Ok(())
}
