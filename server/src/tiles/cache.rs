//! L1: rendered tiles in process memory, bounded in bytes. Keys carry the dataset version, so
//! a reload can never serve a stale tile; concurrent misses for one key run one query.

use std::sync::Arc;

use moka::future::Cache;
use rummet_core::{DatasetId, TileCoord, TileMatrixSet};

use super::tile::Tile;

/// Identifies one rendered tile: the datasets in it (one, or several for a composite), each
/// with its version when rendered, and the tile address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// The datasets and their versions, in layer order.
    pub layers: Arc<[(DatasetId, i64)]>,
    /// The tile matrix set the address is in.
    pub tms: TileMatrixSet,
    /// The tile.
    pub coord: TileCoord,
}

/// The tile cache.
#[derive(Clone)]
pub struct TileCache {
    inner: Option<Cache<TileKey, Tile>>,
}

/// Bookkeeping per entry beyond the tile bytes, so tiny and empty tiles still count.
const ENTRY_OVERHEAD: u32 = 96;

impl TileCache {
    /// A cache holding at most `size_mb` MiB of tiles; 0 disables caching.
    #[must_use]
    pub fn new(size_mb: u64) -> Self {
        let inner = (size_mb > 0).then(|| {
            Cache::builder()
                .max_capacity(size_mb * 1024 * 1024)
                .weigher(|_k: &TileKey, v: &Tile| {
                    u32::try_from(v.weight())
                        .unwrap_or(u32::MAX)
                        .saturating_add(ENTRY_OVERHEAD)
                })
                .support_invalidation_closures()
                .build()
        });
        Self { inner }
    }

    /// The cached tile for `key`, or the result of `render`, run once however many requests
    /// miss at the same time.
    ///
    /// # Errors
    /// `render`'s error, shared by every waiter.
    pub async fn get_or_render<E, F>(&self, key: TileKey, render: F) -> Result<Tile, Arc<E>>
    where
        F: Future<Output = Result<Tile, E>>,
        E: Send + Sync + 'static,
    {
        match &self.inner {
            Some(cache) => cache
                .entry(key)
                .or_try_insert_with(render)
                .await
                .map(moka::Entry::into_value),
            None => render.await.map_err(Arc::new),
        }
    }

    /// Drops every cached tile of `dataset` (after a reload, to free the memory at once).
    pub fn invalidate_dataset(&self, dataset: &DatasetId) {
        if let Some(cache) = &self.inner {
            let dataset = dataset.clone();
            if let Err(e) =
                cache.invalidate_entries_if(move |k, _| k.layers.iter().any(|(d, _)| *d == dataset))
            {
                tracing::warn!("tile cache invalidation not possible: {e}");
            }
        }
    }
}
