//! L2: rendered tiles kept in PostgreSQL under the dataset version they were rendered from,
//! shared by every replica and kept across restarts. A load deletes its predecessor's rows
//! in its own transaction (see the loader's swap), so a key never names stale bytes.

use bytes::Bytes;
use deadpool_postgres::Client;
use rummet_core::{TileCoord, TileMatrixSet};

use super::tile::Tile;
use crate::datasets::Dataset;
use crate::db::QueryError;

const GET: &str = "SELECT gzip, br FROM rummet.tiles \
    WHERE dataset = $1 AND version = $2 AND z = $3 AND x = $4 AND y = $5 AND tms = $6";

// Only while the version still serves: a render that finishes just after a reload committed
// must not leave rows of the replaced version behind.
const PUT: &str = "INSERT INTO rummet.tiles (dataset, version, z, x, y, gzip, br, tms) \
    SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
    WHERE EXISTS (SELECT 1 FROM rummet.datasets WHERE id = $1 AND version = $2) \
    ON CONFLICT DO NOTHING";

const HAS: &str = "SELECT EXISTS (SELECT 1 FROM rummet.tiles \
    WHERE dataset = $1 AND version = $2 AND z = $3 AND x = $4 AND y = $5 AND tms = $6)";

/// The key columns of `coord`, as bound parameters (`z` is a smallint).
fn key(coord: TileCoord) -> (i16, i32, i32) {
    let (_, x, y) = coord.as_i32();
    (i16::from(coord.z), x, y)
}

/// The stored tile, if any. A row that does not unzip is logged and treated as missing, so
/// it is rendered again rather than served broken.
///
/// # Errors
/// When the query fails.
pub async fn get(
    client: &Client,
    ds: &Dataset,
    tms: TileMatrixSet,
    coord: TileCoord,
) -> Result<Option<Tile>, QueryError> {
    let (z, x, y) = key(coord);
    let stmt = client.prepare_cached(GET).await?;
    let Some(row) = client
        .query_opt(
            &stmt,
            &[&ds.id.as_str(), &ds.version, &z, &x, &y, &tms.id()],
        )
        .await?
    else {
        return Ok(None);
    };
    let (gzip, br): (Vec<u8>, Vec<u8>) = (row.get(0), row.get(1));
    match Tile::from_stored(Bytes::from(gzip), Bytes::from(br)) {
        Ok(tile) => Ok(Some(tile)),
        Err(e) => {
            tracing::error!(dataset = %ds.id, %coord, "stored tile unreadable, rendering again: {e}");
            Ok(None)
        }
    }
}

/// Whether the tile is stored.
///
/// # Errors
/// When the query fails.
pub async fn has(
    client: &Client,
    ds: &Dataset,
    tms: TileMatrixSet,
    coord: TileCoord,
) -> Result<bool, QueryError> {
    let (z, x, y) = key(coord);
    let stmt = client.prepare_cached(HAS).await?;
    Ok(client
        .query_one(
            &stmt,
            &[&ds.id.as_str(), &ds.version, &z, &x, &y, &tms.id()],
        )
        .await?
        .get(0))
}

/// Stores `tile` unless it is already stored or `ds`'s version no longer serves.
///
/// # Errors
/// When the insert fails.
pub async fn put(
    client: &Client,
    ds: &Dataset,
    tms: TileMatrixSet,
    coord: TileCoord,
    tile: &Tile,
) -> Result<(), QueryError> {
    let (z, x, y) = key(coord);
    let stmt = client.prepare_cached(PUT).await?;
    let gzip = tile.body(super::Encoding::Gzip);
    let br = tile.body(super::Encoding::Brotli);
    client
        .execute(
            &stmt,
            &[
                &ds.id.as_str(),
                &ds.version,
                &z,
                &x,
                &y,
                &gzip.as_ref(),
                &br.as_ref(),
                &tms.id(),
            ],
        )
        .await?;
    Ok(())
}

/// Drops every stored tile of `dataset` (all versions, both grids) and tells every server
/// to drop its in-process copies (`NOTIFY`, as a load does); they are rendered again as
/// asked. Returns the rows deleted.
///
/// # Errors
/// When a statement fails.
pub async fn purge(client: &Client, dataset: &str) -> Result<u64, QueryError> {
    let deleted = client
        .execute("DELETE FROM rummet.tiles WHERE dataset = $1", &[&dataset])
        .await?;
    client
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&rummet_core::NOTIFY_CHANNEL, &dataset],
        )
        .await?;
    Ok(deleted)
}
