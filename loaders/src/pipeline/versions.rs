//! Earlier versions. A load keeps the version it replaces, its table and its registry row,
//! for rollback, up to a configured number per dataset. A rollback swaps one back in as a
//! load swaps in a new one: in one transaction, overlays recomputed, servers notified.
//! Removing a dataset takes its versions, overlays and pre-rendered tiles along.

use rummet_core::DatasetId;
use serde::Serialize;
use tokio_postgres::{Client, GenericClient, Transaction};

use super::{NOTIFY_CHANNEL, OverlayReport, drop_replaced};
use crate::{LoadError, Result};

/// One version of a dataset: the serving one or a kept one.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    /// The version number.
    pub version: i64,
    /// Whether it is the one serving.
    pub serving: bool,
    /// What it was loaded from (a file name, or a URL).
    pub source: String,
    /// SHA-256 of that.
    pub sha256: String,
    /// When it was loaded (UTC, RFC 3339).
    pub loaded_at: String,
    /// When a later load replaced it, for a kept one.
    pub retired_at: Option<String>,
    /// Its features.
    pub features: i64,
    /// Its parts (`lan:25`), when it was loaded by parts.
    pub parts: Vec<String>,
}

/// What a rollback did.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    /// The dataset.
    pub id: String,
    /// The version serving now.
    pub version: i64,
    /// The version it replaced, now kept in its place.
    pub replaced: i64,
    /// The overlays recomputed for it.
    pub overlays: Vec<OverlayReport>,
}

/// Keeps the serving version of `id` among its earlier versions, before a load or a
/// rollback replaces it, and forgets the oldest beyond `keep`. Returns the tables of the
/// forgotten ones, to drop after the commit; with `keep` 0 nothing is kept and the caller
/// drops the replaced table as before.
pub(super) async fn retire(tx: &Transaction<'_>, id: &str, keep: u32) -> Result<Vec<String>> {
    if keep > 0 {
        tx.execute(include_str!("retire.sql"), &[&id])
            .await
            .map_err(LoadError::db("keeping the replaced version"))?;
    }
    // Also with `keep` 0: versions kept before (a rollback keeps one) go.
    prune(tx, id, keep).await
}

/// Forgets the kept versions of `id` beyond the `keep` replaced last; their tables, to drop.
/// By when they were replaced, not by number: a rollback serves an older number again.
async fn prune(tx: &Transaction<'_>, id: &str, keep: u32) -> Result<Vec<String>> {
    Ok(tx
        .query(
            "DELETE FROM rummet.dataset_versions WHERE dataset = $1 AND version NOT IN \
               (SELECT version FROM rummet.dataset_versions WHERE dataset = $1 \
                ORDER BY retired_at DESC, version DESC LIMIT $2) RETURNING table_name",
            &[&id, &i64::from(keep)],
        )
        .await
        .map_err(LoadError::db("forgetting the oldest kept versions"))?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// The serving version of `id`, then the kept ones, newest first; empty when it is not
/// loaded.
///
/// # Errors
/// When the database fails.
pub async fn list(client: &impl GenericClient, id: &DatasetId) -> Result<Vec<VersionInfo>> {
    let rows = client
        .query(include_str!("versions.sql"), &[&id.as_str()])
        .await
        .map_err(LoadError::db("listing versions"))?;
    Ok(rows
        .iter()
        .map(|r| VersionInfo {
            version: r.get("version"),
            serving: r.get("serving"),
            source: r.get("source"),
            sha256: r.get("sha256"),
            loaded_at: r.get("loaded_at"),
            retired_at: r.get("retired_at"),
            features: r.get("features"),
            parts: r.get("parts"),
        })
        .collect())
}

/// Swaps kept version `to` (the one replaced last when `None`) of `id` back in, keeping the
/// serving one in its place, so a rollback can itself be undone. Who owns and may see the
/// dataset stays as it is now.
///
/// # Errors
/// [`LoadError::NoSuchVersion`] when no such version is kept; database errors, after which
/// the serving version still serves.
pub async fn rollback(
    client: &mut Client,
    id: &DatasetId,
    to: Option<i64>,
    keep: u32,
) -> Result<RollbackReport> {
    let tx = client
        .transaction()
        .await
        .map_err(LoadError::db("starting the rollback"))?;
    super::lock_dataset(&tx, id.as_str()).await?;
    let current: Option<i64> = tx
        .query_opt(
            "SELECT version FROM rummet.datasets WHERE id = $1",
            &[&id.as_str()],
        )
        .await
        .map_err(LoadError::db("reading the serving version"))?
        .map(|r| r.get(0));
    let target = tx
        .query_opt(
            "SELECT version, registry, parts FROM rummet.dataset_versions \
             WHERE dataset = $1 AND ($2::bigint IS NULL OR version = $2) \
             ORDER BY retired_at DESC, version DESC LIMIT 1",
            &[&id.as_str(), &to],
        )
        .await
        .map_err(LoadError::db("reading the kept version"))?;
    let (Some(replaced), Some(target)) = (current, target) else {
        return Err(LoadError::NoSuchVersion {
            id: id.to_string(),
            version: to,
        });
    };
    let version: i64 = target.get("version");
    let registry: serde_json::Value = target.get("registry");
    let parts: serde_json::Value = target.get("parts");
    // Kept whatever `keep` is now: the version rolled back from must stay restorable.
    let mut dropped = retire(&tx, id.as_str(), keep.max(1)).await?;
    restore(&tx, id.as_str(), &registry, &parts).await?;
    tx.execute(
        "DELETE FROM rummet.dataset_versions WHERE dataset = $1 AND version = $2",
        &[&id.as_str(), &version],
    )
    .await
    .map_err(LoadError::db("restoring the kept version"))?;
    dropped.retain(|t| registry["table_name"].as_str() != Some(t.as_str()));
    tx.execute(
        "DELETE FROM rummet.tiles WHERE dataset = $1",
        &[&id.as_str()],
    )
    .await
    .map_err(LoadError::db("dropping the replaced version's tiles"))?;
    let overlays = super::refresh_derived(&tx, id.as_str(), &super::LoadOptions::default())
        .await?
        .overlays;
    tx.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &id.as_str()])
        .await
        .map_err(LoadError::db("notifying servers"))?;
    tx.commit()
        .await
        .map_err(LoadError::db("committing the rollback"))?;
    let old = dropped
        .into_iter()
        .chain(overlays.iter().filter_map(|o| o.replaced.clone()));
    drop_replaced(client, old).await;
    Ok(RollbackReport {
        id: id.to_string(),
        version,
        replaced,
        overlays,
    })
}

/// Puts a kept registry row and its parts back. The row is laid over the serving one, so
/// who owns and may see the dataset stays as it is now, and a column added since the row
/// was kept takes the serving row's value.
async fn restore(
    tx: &Transaction<'_>,
    id: &str,
    registry: &serde_json::Value,
    parts: &serde_json::Value,
) -> Result<()> {
    let step = LoadError::db("restoring the kept version");
    tx.execute(
        "CREATE TEMP TABLE restoring ON COMMIT DROP AS \
         SELECT (jsonb_populate_record(d, $2::jsonb - 'organisation' - 'visibility')).* \
         FROM rummet.datasets d WHERE d.id = $1",
        &[&id, registry],
    )
    .await
    .map_err(step)?;
    for (sql, params) in [
        (
            "DELETE FROM rummet.datasets WHERE id = $1",
            vec![&id as &(dyn tokio_postgres::types::ToSql + Sync)],
        ),
        (
            "INSERT INTO rummet.datasets SELECT * FROM restoring",
            vec![],
        ),
        (
            "DELETE FROM rummet.dataset_parts WHERE dataset = $1",
            vec![&id],
        ),
        (
            "INSERT INTO rummet.dataset_parts \
             SELECT * FROM jsonb_populate_recordset(NULL::rummet.dataset_parts, $1)",
            vec![parts],
        ),
        ("DROP TABLE restoring", vec![]),
    ] {
        tx.execute(sql, &params)
            .await
            .map_err(LoadError::db("restoring the kept version"))?;
    }
    Ok(())
}

/// Removes `id` entirely: its serving and kept versions, its statistics overlays (and, for a
/// division, every dataset's overlay by it), its pre-rendered tiles; servers are notified.
///
/// # Errors
/// [`LoadError::UnknownDataset`] when it is not loaded; database errors, after which it still
/// serves.
pub async fn remove(client: &mut Client, id: &DatasetId) -> Result<()> {
    let tx = client
        .transaction()
        .await
        .map_err(LoadError::db("starting the removal"))?;
    super::lock_dataset(&tx, id.as_str()).await?;
    // Overlays are written under this lock; taking it keeps a concurrent load of a division
    // from recomputing an overlay of this dataset as it goes.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('rummet.overlay'))",
        &[],
    )
    .await
    .map_err(LoadError::db("waiting for overlays"))?;
    let tables: Vec<String> = tx
        .query(include_str!("remove.sql"), &[&id.as_str()])
        .await
        .map_err(LoadError::db("removing the dataset"))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if tables.is_empty() {
        return Err(LoadError::UnknownDataset { id: id.to_string() });
    }
    tx.execute("SELECT pg_notify($1, $2)", &[&NOTIFY_CHANNEL, &id.as_str()])
        .await
        .map_err(LoadError::db("notifying servers"))?;
    tx.commit()
        .await
        .map_err(LoadError::db("committing the removal"))?;
    drop_replaced(client, tables.into_iter()).await;
    Ok(())
}
