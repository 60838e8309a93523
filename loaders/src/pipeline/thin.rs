//! Density thinning: at each zoom below the dataset's highest, a feature is drawn only if it
//! is the largest of its grid cell ([`CELL_PIXELS`] on a 512-pixel tile); the rest wait for a
//! zoom where the cells are small enough to give them room. A tile thus holds at most about
//! one feature per cell, whatever the data's density (a million road links in the small
//! kommuner around Stockholm), which is what bounds low-zoom tile sizes; at the highest zoom
//! every feature is drawn. Divisions are never thinned: a missing kommun is a hole.

use tokio_postgres::Transaction;

use super::build::METRES_PER_PIXEL_Z0;
use crate::catalog::{CatalogEntry, GeometryKind, Role};
use crate::{LoadError, Result};

/// Side of a thinning cell in screen pixels: 64 × 64 cells on a 512-pixel tile.
const CELL_PIXELS: f64 = 8.0;

/// Works out the `minzoom` of features of `qualified` (escaped; `fid`, `geom`, `minzoom`)
/// crowded out of their cell at lower zooms, into `pg_temp.rummet_thin (fid, minzoom)`, inside
/// the load transaction. Returns false, and builds nothing, when the dataset is not thinned.
pub(super) async fn by_density(
    tx: &Transaction<'_>,
    qualified: &str,
    entry: &CatalogEntry,
) -> Result<bool> {
    if entry.role == Role::Division || entry.minzoom >= entry.maxzoom {
        return Ok(false);
    }
    // Features drawn earlier by their size or the catalog's rule win their cell, then bigger
    // ones; fid breaks ties so the same data thins the same way.
    let size = match entry.geometry {
        GeometryKind::Polygon => "ST_Area(geom)",
        GeometryKind::Line => "ST_Length(geom)",
        GeometryKind::Point => "0.0",
    };
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE rummet_thin ON COMMIT DROP AS \
           SELECT fid, ST_X(c) AS x, ST_Y(c) AS y, {size} AS size, minzoom AS base, minzoom \
           FROM (SELECT fid, geom, minzoom, ST_Centroid(geom) AS c FROM {qualified}) f"
    ))
    .await
    .map_err(LoadError::db("preparing density thinning"))?;
    let crowded = tx
        .prepare(
            "UPDATE pg_temp.rummet_thin t SET minzoom = $1::smallint + 1 FROM ( \
               SELECT fid FROM ( \
                 SELECT fid, row_number() OVER ( \
                   PARTITION BY floor(x / $2::float8), floor(y / $2::float8) \
                   ORDER BY base, size DESC, fid) AS rank \
                 FROM pg_temp.rummet_thin WHERE minzoom <= $1::smallint) r \
               WHERE rank > 1) d \
             WHERE t.fid = d.fid",
        )
        .await
        .map_err(LoadError::db("preparing density thinning"))?;
    for z in entry.minzoom..entry.maxzoom {
        let cell = METRES_PER_PIXEL_Z0 / f64::from(1u32 << z) * CELL_PIXELS;
        let moved = tx
            .execute(&crowded, &[&i16::from(z), &cell])
            .await
            .map_err(LoadError::db("thinning by density"))?;
        tracing::debug!(zoom = z, moved, "crowded features moved up a zoom");
    }
    Ok(true)
}
