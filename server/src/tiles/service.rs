//! Serving one tile: the registry view gives the dataset's serving version, the cache gives
//! the bytes or renders them once with `ST_AsMVT`.

use std::sync::Arc;

use bytes::Bytes;
use deadpool_postgres::Pool;
use rummet_core::{DatasetId, TileCoord, TileMatrixSet};
use tokio_postgres::types::Type;

use super::TileError;
use super::cache::{TileCache, TileKey};
use super::sql::tile_query;
use super::store;
use super::tile::{Encoding, Tile};
use crate::access::Principal;
use crate::datasets::{Dataset, Datasets};
use crate::db::QueryError;
use crate::db::replicas::{ReadKind, Replicas, on_primary};
use crate::metrics::{self, TileLevel};

/// Tiles of every loaded dataset.
#[derive(Clone)]
pub struct TileService {
    pool: Pool,
    replicas: Arc<Replicas>,
    datasets: Arc<Datasets>,
    cache: TileCache,
    prerendered: bool,
}

impl TileService {
    /// A service over `pool` (the primary) and `replicas` with the shared registry view and
    /// cache; `prerendered` turns L2 on.
    #[must_use]
    pub fn new(
        pool: Pool,
        replicas: Arc<Replicas>,
        datasets: Arc<Datasets>,
        cache: TileCache,
        prerendered: bool,
    ) -> Self {
        Self {
            pool,
            replicas,
            datasets,
            cache,
            prerendered,
        }
    }

    /// The cache, for invalidation.
    #[must_use]
    pub fn cache(&self) -> &TileCache {
        &self.cache
    }

    /// The tile `coord` of dataset `id`, as `viewer` may see it.
    ///
    /// # Errors
    /// [`TileError::UnknownDataset`] when `id` is not loaded or `viewer` may not see it;
    /// [`TileError::Query`] when the database fails.
    pub async fn tile(
        &self,
        id: &DatasetId,
        tms: TileMatrixSet,
        coord: TileCoord,
        viewer: Option<&Principal>,
    ) -> Result<Tile, TileError> {
        let ds = self
            .datasets
            .get(id, viewer)
            .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
        match self.cached(ds, tms, coord).await {
            // A reload swapped the table between our registry read and the query, and its
            // NOTIFY has not reached us yet: read the registry now and try once more.
            Err(QueryError::StaleTable(_)) => {
                let ds = self
                    .datasets
                    .reload(&self.pool, id)
                    .await?
                    .filter(|d| d.visible_to(viewer))
                    .ok_or_else(|| TileError::UnknownDataset(id.to_string()))?;
                Ok(self.cached(ds, tms, coord).await?)
            }
            other => Ok(other?),
        }
    }

    /// The tile `coord` with one layer per dataset of `ids`, in that order: each layer comes
    /// from its own cached tile, and the composite is cached (compressed) under all their
    /// versions, so a reload of any of them replaces it.
    ///
    /// # Errors
    /// As [`TileService::tile`], for any of the datasets.
    pub async fn composite(
        &self,
        ids: &[DatasetId],
        tms: TileMatrixSet,
        coord: TileCoord,
        viewer: Option<&Principal>,
    ) -> Result<Tile, TileError> {
        if let [one] = ids {
            return self.tile(one, tms, coord, viewer).await;
        }
        let layers = ids
            .iter()
            .map(|id| {
                self.datasets
                    .get(id, viewer)
                    .map(|d| (d.id.clone(), d.version))
                    .ok_or_else(|| TileError::UnknownDataset(id.to_string()))
            })
            .collect::<Result<Arc<[_]>, _>>()?;
        let key = TileKey { layers, tms, coord };
        let missed = std::sync::atomic::AtomicBool::new(false);
        let render = async {
            missed.store(true, std::sync::atomic::Ordering::Relaxed);
            // An MVT is a sequence of layers: concatenated tiles are one tile with all layers.
            let mut body = bytes::BytesMut::new();
            for id in ids {
                // Boxed: each layer's cached lookup is a large future of its own.
                body.extend_from_slice(
                    &Box::pin(self.tile(id, tms, coord, viewer))
                        .await?
                        .body(Encoding::Identity),
                );
            }
            Ok::<_, TileError>(Tile::new(body.freeze()))
        };
        let tile = self
            .cache
            .get_or_render(key, render)
            .await
            .map_err(|e| (*e).clone());
        // A composite built from its layers' tiles counts under each of them.
        if !missed.load(std::sync::atomic::Ordering::Relaxed) {
            metrics::tile(TileLevel::L1, coord.z);
        }
        tile
    }

    async fn cached(
        &self,
        ds: Arc<Dataset>,
        tms: TileMatrixSet,
        coord: TileCoord,
    ) -> Result<Tile, QueryError> {
        let key = TileKey {
            layers: Arc::from([(ds.id.clone(), ds.version)]),
            tms,
            coord,
        };
        let missed = std::sync::atomic::AtomicBool::new(false);
        let fetch = async {
            missed.store(true, std::sync::atomic::Ordering::Relaxed);
            // Boxed: a render's future is large, and this holds two.
            match Box::pin(self.fetch(&ds, tms, coord)).await {
                Err(QueryError::RecoveryConflict(e)) => {
                    tracing::debug!(dataset = %ds.id, %coord, "asking the primary: {e}");
                    on_primary(Box::pin(self.fetch(&ds, tms, coord))).await
                }
                other => other,
            }
        };
        let tile = self
            .cache
            .get_or_render(key, fetch)
            .await
            .map_err(|e| (*e).clone());
        if !missed.load(std::sync::atomic::Ordering::Relaxed) {
            metrics::tile(TileLevel::L1, coord.z);
        }
        tile
    }
}

impl TileService {
    /// An L1 miss: from L2 or rendered, on a replica that has this version when there is one.
    async fn fetch(
        &self,
        ds: &Dataset,
        tms: TileMatrixSet,
        coord: TileCoord,
    ) -> Result<Tile, QueryError> {
        let read = (!self.replicas.is_empty()).then(|| {
            self.replicas
                .pool_for(&self.pool, ReadKind::Plain, &[(ds.id.as_str(), ds.version)])
        });
        if self.prerendered {
            render(&self.pool, read.as_ref(), ds, tms, coord).await
        } else {
            let pool = read.as_ref().unwrap_or(&self.pool);
            let tile = render_with(&pool.get().await?, ds, tms, coord).await;
            metrics::tile(TileLevel::Render, coord.z);
            tile
        }
    }
}

/// The tile from L2 when its zoom is kept there, else rendered (L3) — on `read`, a replica,
/// when given — and, when kept, stored for every server. No L1: for the cache's own misses,
/// and for export.
///
/// # Errors
/// When the database fails.
pub async fn render(
    pool: &Pool,
    read: Option<&Pool>,
    ds: &Dataset,
    tms: TileMatrixSet,
    coord: TileCoord,
) -> Result<Tile, QueryError> {
    let client = pool.get().await?;
    // A level is kept when the Web Mercator zoom it draws like is.
    let kept = tms.equivalent_zoom(coord.z) <= ds.l2_maxzoom;
    if kept && let Some(tile) = store::get(&client, ds, tms, coord).await? {
        metrics::tile(TileLevel::L2, coord.z);
        return Ok(tile);
    }
    let tile = match read {
        // The primary's connection is not held while a replica renders.
        Some(read) => {
            drop(client);
            let tile = render_with(&read.get().await?, ds, tms, coord).await?;
            metrics::tile(TileLevel::Render, coord.z);
            if kept {
                store_rendered(&pool.get().await?, ds, (tms, coord), &tile).await;
            }
            return Ok(tile);
        }
        None => render_with(&client, ds, tms, coord).await?,
    };
    metrics::tile(TileLevel::Render, coord.z);
    if kept {
        store_rendered(&client, ds, (tms, coord), &tile).await;
    }
    Ok(tile)
}

/// Stores a rendered tile in L2 for every server. The tile is good whatever happens here:
/// a failure only means it is not shared.
async fn store_rendered(
    client: &deadpool_postgres::Client,
    ds: &Dataset,
    (tms, coord): (TileMatrixSet, TileCoord),
    tile: &Tile,
) {
    if let Err(e) = store::put(client, ds, tms, coord, tile).await {
        tracing::warn!(dataset = %ds.id, %coord, "could not store a rendered tile: {e}");
    }
}

/// Runs the dataset's `ST_AsMVT` query for `coord` on `client` and compresses the result.
/// A tile past [`MAX_TILE_BYTES`] (data denser than thinning bounds: stacked or generated
/// polygons each large on screen) is drawn again with what the zoom before drew, and so on,
/// so no tile a client receives passes the budget; the features left out appear a zoom later.
pub(super) async fn render_with(
    client: &deadpool_postgres::Client,
    ds: &Dataset,
    tms: TileMatrixSet,
    coord: TileCoord,
) -> Result<Tile, QueryError> {
    let stmt = client
        .prepare_typed_cached(
            &tile_query(ds, tms),
            &[Type::INT4, Type::INT4, Type::INT4, Type::TEXT, Type::INT4],
        )
        .await?;
    let (z, x, y) = coord.as_i32();
    let zoom = i32::from(tms.equivalent_zoom(coord.z));
    let started = std::time::Instant::now();
    let mut drawn_to = zoom;
    loop {
        let guard = CancelOnDrop(Some(client.cancel_token()));
        let row = client
            .query_one(&stmt, &[&z, &x, &y, &ds.id.as_str(), &drawn_to])
            .await;
        // Disarmed on an error too: that query is over, and a cancel sent now would reach
        // whatever the connection runs next — the retry after a reload, say.
        guard.disarm();
        let row = row?;
        let data: Vec<u8> = row.get::<_, Option<Vec<u8>>>(0).unwrap_or_default();
        let floor = i32::from(ds.minzoom).max(zoom - MAX_BUDGET_STEPS);
        if data.len() <= MAX_TILE_BYTES || drawn_to <= floor {
            if drawn_to < zoom {
                tracing::warn!(dataset = %ds.id, %coord, bytes = data.len(), drawn_to,
                    "tile past the byte budget drawn with the features of a lower zoom");
            }
            ::metrics::histogram!("rummet_tile_render_seconds")
                .record(started.elapsed().as_secs_f64());
            return Ok(Tile::new(Bytes::from(data)));
        }
        drawn_to -= 1;
    }
}

/// Largest tile, uncompressed, a client is sent: 500 KB, what MapLibre parses without a
/// stutter and a mobile connection fetches in reasonable time.
pub const MAX_TILE_BYTES: usize = 500_000;

/// Zooms a tile past the budget may go back: thinning halves a tile's features about every
/// zoom, and data no lower zoom thins (a division) is not worth more queries.
const MAX_BUDGET_STEPS: i32 = 4;

/// Cancels the query on the server when the render is dropped before it finishes (the
/// client went away and no other request waits for the tile): PostgreSQL stops working on a
/// tile nobody will read, instead of holding a connection until the statement timeout.
struct CancelOnDrop(Option<tokio_postgres::CancelToken>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let (Some(token), Ok(runtime)) = (self.0.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                if let Err(e) = token.cancel_query(tokio_postgres::NoTls).await {
                    tracing::debug!("cancelling an abandoned tile query: {e}");
                }
            });
        }
    }
}
