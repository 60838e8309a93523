//! The load pipeline: stream → stage (`COPY … BINARY`) → validate → repair and transform →
//! index → swap in with the registry row and a `NOTIFY`, all in one transaction. Readers see
//! either the old version or the new one; a failed or interrupted load rolls back and leaves
//! nothing behind, because PostgreSQL discards the whole transaction.

mod build;
mod cell;
mod stage;

use std::time::{Duration, Instant};

use rummet_core::{DATA_SCHEMA, escape_identifier, version_table};
use serde::Serialize;
use tokio_postgres::Client;

use crate::catalog::CatalogEntry;
use crate::read::{self, Input};
use crate::{LoadError, Result};

/// The channel servers listen on for swapped datasets; the payload is the dataset id.
pub const NOTIFY_CHANNEL: &str = "rummet_datasets";

/// Sweden's extent in WGS 84 with a margin for the sea areas agencies include
/// (havsplaner, ekonomisk zon). Data outside it was almost surely read in the wrong CRS.
const SWEDEN_BOUNDS: [f64; 4] = [2.0, 52.0, 33.0, 72.0];

/// What a load did, for the CLI summary and the registry.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// The dataset.
    pub id: String,
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
    /// Extent in WGS 84: west, south, east, north.
    pub bounds: [f64; 4],
    /// Wall time of the load.
    pub elapsed: Duration,
}

/// Loads `input` as a new version of `entry`'s dataset and swaps it in.
///
/// `progress` is called with the number of features read so far.
///
/// # Errors
/// When the input cannot be read or fails validation, or the database fails; in every case
/// the transaction is rolled back and the previous version keeps serving.
pub async fn load(
    client: &mut Client,
    entry: &CatalogEntry,
    input: &Input,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<LoadReport> {
    let started = Instant::now();
    let name = input.name();
    let expected_srid = entry.source.srid().map_err(|message| LoadError::Rejected {
        input: name.clone(),
        message,
    })?;
    let (reader, sha256) = {
        let (entry, input) = (entry.clone(), input.clone());
        tokio::task::spawn_blocking(move || {
            Ok::<_, LoadError>((read::open(&entry, &input)?, input.sha256()?))
        })
        .await
        .map_err(|e| LoadError::Rejected {
            input: name.clone(),
            message: format!("reader thread failed: {e}"),
        })??
    };
    if let Some(declared) = reader.declared_srid().filter(|d| *d != expected_srid) {
        return Err(LoadError::CrsMismatch {
            input: name,
            declared,
            expected: expected_srid,
        });
    }

    let tx = client
        .transaction()
        .await
        .map_err(LoadError::db("starting the load transaction"))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('rummet.load:' || $1))",
        &[&entry.id.as_str()],
    )
    .await
    .map_err(LoadError::db("waiting for another load of this dataset"))?;
    let version: i64 = tx
        .query_one("SELECT nextval('rummet.dataset_version')", &[])
        .await
        .map_err(LoadError::db("allocating a version"))?
        .get(0);

    let rows_read = stage::copy_features(&tx, entry, reader, &name, progress).await?;
    let rows_filtered = stage::apply_filter(&tx, entry).await?;
    let checked = stage::validate(&tx, entry, expected_srid).await?;
    let bounds = check_whole(entry, &name, rows_read - rows_filtered, &checked)?;

    let table = version_table(&entry.id, version);
    let rows_loaded = build::build_version(&tx, entry, &table, expected_srid).await?;
    let replaced = build::register(
        &tx,
        entry,
        &build::Registration {
            source: &name,
            sha256: &sha256,
            version,
            table: &table,
            rows_read,
            rows_loaded,
            rows_repaired: checked.invalid,
            rows_filtered,
            bounds,
        },
    )
    .await?;
    if let Some(old) = replaced.filter(|old| *old != table) {
        let drop = format!(
            "DROP TABLE IF EXISTS {}.{}",
            escape_identifier(DATA_SCHEMA),
            escape_identifier(&old)
        );
        tx.batch_execute(&drop)
            .await
            .map_err(LoadError::db("dropping the replaced version"))?;
    }
    tx.execute(
        "SELECT pg_notify($1, $2)",
        &[&NOTIFY_CHANNEL, &entry.id.as_str()],
    )
    .await
    .map_err(LoadError::db("notifying servers"))?;
    tx.commit()
        .await
        .map_err(LoadError::db("committing the swap"))?;

    Ok(LoadReport {
        id: entry.id.to_string(),
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
        bounds,
        elapsed: started.elapsed(),
    })
}

/// Rejects inputs that cannot be right as a whole: empty, the wrong geometry family, or
/// coordinates outside Sweden (a mislabelled CRS).
fn check_whole(
    entry: &CatalogEntry,
    input: &str,
    rows_read: u64,
    checked: &stage::Checked,
) -> Result<[f64; 4]> {
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
    Ok(b)
}
