//! Serving one tile: the registry view gives the dataset's serving version, the cache gives
//! the bytes or renders them once with `ST_AsMVT`.

use std::sync::Arc;

use bytes::Bytes;
use deadpool_postgres::Pool;
use rummet_core::{DatasetId, TileCoord};
use tokio_postgres::types::Type;

use super::TileError;
use super::cache::{TileCache, TileKey};
use super::sql::tile_query;
use super::tile::Tile;
use crate::datasets::{Dataset, Datasets};
use crate::db::QueryError;

/// Tiles of every loaded dataset.
#[derive(Clone)]
pub struct TileService {
    pool: Pool,
    datasets: Arc<Datasets>,
    cache: TileCache,
}

impl TileService {
    /// A service over `pool` with the shared registry view and cache.
    #[must_use]
    pub fn new(pool: Pool, datasets: Arc<Datasets>, cache: TileCache) -> Self {
        Self {
            pool,
            datasets,
            cache,
        }
    }

    /// The cache, for invalidation.
    #[must_use]
    pub fn cache(&self) -> &TileCache {
        &self.cache
    }

    /// The tile `coord` of dataset `id`.
    ///
    /// # Errors
    /// [`TileError::UnknownDataset`] when `id` is not loaded; [`TileError::Query`] when the
    /// database fails.
    pub async fn tile(&self, id: &DatasetId, coord: TileCoord) -> Result<Tile, TileError> {
        let ds = self
            .datasets
            .get(id)
            .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
        match self.cached(ds, coord).await {
            // A reload swapped the table between our registry read and the query, and its
            // NOTIFY has not reached us yet: read the registry now and try once more.
            Err(QueryError::StaleTable(_)) => {
                let ds = self
                    .datasets
                    .reload(&self.pool, id)
                    .await?
                    .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
                Ok(self.cached(ds, coord).await?)
            }
            other => Ok(other?),
        }
    }

    async fn cached(&self, ds: Arc<Dataset>, coord: TileCoord) -> Result<Tile, QueryError> {
        let key = TileKey {
            dataset: ds.id.clone(),
            version: ds.version,
            coord,
        };
        self.cache
            .get_or_render(key, render(&self.pool, &ds, coord))
            .await
            .map_err(|e| (*e).clone())
    }
}

async fn render(pool: &Pool, ds: &Dataset, coord: TileCoord) -> Result<Tile, QueryError> {
    let client = pool.get().await?;
    let stmt = client
        .prepare_typed_cached(
            &tile_query(ds),
            &[Type::INT4, Type::INT4, Type::INT4, Type::TEXT],
        )
        .await?;
    // TileCoord guarantees z <= 24 and x, y < 2^24, so these fit in int4.
    let (x, y) = (
        i32::try_from(coord.x).unwrap_or(i32::MAX),
        i32::try_from(coord.y).unwrap_or(i32::MAX),
    );
    let row = client
        .query_one(&stmt, &[&i32::from(coord.z), &x, &y, &ds.id.as_str()])
        .await?;
    let data: Option<Vec<u8>> = row.get(0);
    Ok(Tile::new(Bytes::from(data.unwrap_or_default())))
}
