//! Walking the tile pyramid of some datasets from zoom 0 down, probing only the children of
//! tiles that hold a feature: seeding and export touch the tiles with data, not every tile of
//! Sweden's box (most of which is sea or, for a regional dataset, somebody else's region).

use std::ops::RangeInclusive;
use std::sync::Arc;

use deadpool_postgres::Pool;
use futures_util::{StreamExt, TryStreamExt, stream};
use rummet_core::TileCoord;
use tokio_postgres::types::Type;

use super::sql::occupied_query;
use crate::datasets::{Dataset, union_bounds};
use crate::db::QueryError;

/// The tiles holding features of `layers`.
pub struct Pyramid {
    pool: Pool,
    layers: Vec<Arc<Dataset>>,
    bounds: [f64; 4],
    concurrency: usize,
}

impl Pyramid {
    /// A walk over `layers`, running `concurrency` probes at a time.
    #[must_use]
    pub fn new(pool: Pool, layers: Vec<Arc<Dataset>>, concurrency: usize) -> Self {
        let bounds = union_bounds(&layers);
        Self {
            pool,
            layers,
            bounds,
            concurrency: concurrency.max(1),
        }
    }

    /// The union of the layers' bounds, `[west, south, east, north]`.
    #[must_use]
    pub fn bounds(&self) -> [f64; 4] {
        self.bounds
    }

    /// Calls `visit` with the zoom and its occupied tiles (in row-major order) for every zoom of
    /// `zooms`, walking down from zoom 0.
    ///
    /// # Errors
    /// The first failing probe, or `visit`'s first error.
    pub async fn walk<E: From<QueryError>>(
        &self,
        zooms: RangeInclusive<u8>,
        mut visit: impl AsyncFnMut(u8, &[TileCoord]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut level = self.occupied(vec![TileCoord::ROOT]).await?;
        for z in 0..=*zooms.end() {
            if z > 0 {
                let next = level.iter().flat_map(|t| t.children()).collect();
                level = self.occupied(next).await?;
            }
            if zooms.contains(&z) {
                visit(z, &level).await?;
            }
            if level.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// The tiles of `candidates` inside the bounds that hold a feature of any layer.
    async fn occupied(&self, candidates: Vec<TileCoord>) -> Result<Vec<TileCoord>, QueryError> {
        let mut found: Vec<TileCoord> = stream::iter(
            candidates.into_iter().filter(|t| t.overlaps(self.bounds)),
        )
        .map(|t| async move { Ok::<_, QueryError>(self.holds_features(t).await?.then_some(t)) })
        .buffer_unordered(self.concurrency)
        .try_filter_map(|t| async move { Ok(t) })
        .try_collect()
        .await?;
        found.sort_by_key(|t| (t.y, t.x));
        Ok(found)
    }

    async fn holds_features(&self, t: TileCoord) -> Result<bool, QueryError> {
        let client = self.pool.get().await?;
        let (z, x, y) = t.as_i32();
        for ds in &self.layers {
            let stmt = client
                .prepare_typed_cached(&occupied_query(ds), &[Type::INT4, Type::INT4, Type::INT4])
                .await?;
            if client
                .query_one(&stmt, &[&z, &x, &y])
                .await?
                .get::<_, bool>(0)
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
