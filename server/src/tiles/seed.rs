//! Pre-rendering (seeding) L2: every tile of a dataset version with features, over a range
//! of zooms, rendered once and stored for every replica. Run after a load and by
//! `rummet seed`.

use std::ops::RangeInclusive;
use std::sync::Arc;

use deadpool_postgres::Pool;
use futures_util::{StreamExt, TryStreamExt, stream};
use rummet_core::{MAX_ZOOM, TileCoord, TileMatrixSet};
use serde::Serialize;

use super::pyramid::Pyramid;
use super::service::render_with;
use super::store;
use crate::datasets::Dataset;
use crate::db::QueryError;

/// What a seeding run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeedReport {
    /// Tiles rendered and stored now.
    pub rendered: u64,
    /// Of those, tiles where features are near but none is drawn (thinned, or in the buffer).
    pub empty: u64,
    /// Tiles that were stored already.
    pub kept: u64,
    /// Largest uncompressed tile rendered now, in bytes.
    pub largest: u64,
}

/// Seeds L2 through a pool.
pub struct Seeder {
    pool: Pool,
    concurrency: usize,
}

enum Outcome {
    Kept,
    Rendered { bytes: u64 },
}

impl Seeder {
    /// A seeder running `concurrency` renders at a time.
    #[must_use]
    pub fn new(pool: Pool, concurrency: usize) -> Self {
        Self {
            pool,
            concurrency: concurrency.max(1),
        }
    }

    /// Renders and stores every tile of `ds` holding features at the zooms of `zooms`, and
    /// keeps L2 up to the highest of them from now on (servers hear of it by `NOTIFY`).
    /// `progress` is told each zoom as it starts, with its tile count.
    ///
    /// # Errors
    /// The first failing query; the tiles stored until then stay (they are correct).
    pub async fn seed(
        &self,
        ds: &Arc<Dataset>,
        zooms: RangeInclusive<u8>,
        progress: &(dyn Fn(u8, usize) + Sync),
    ) -> Result<SeedReport, QueryError> {
        self.keep_up_to(ds, *zooms.end()).await?;
        let pyramid = Pyramid::new(self.pool.clone(), vec![ds.clone()], self.concurrency);
        let mut report = SeedReport::default();
        pyramid
            .walk(zooms, async |z, tiles: &[TileCoord]| {
                progress(z, tiles.len());
                let outcomes: Vec<Outcome> = stream::iter(tiles.iter().copied())
                    .map(|t| self.seed_one(ds, t))
                    .buffer_unordered(self.concurrency)
                    .try_collect()
                    .await?;
                for outcome in outcomes {
                    match outcome {
                        Outcome::Kept => report.kept += 1,
                        Outcome::Rendered { bytes } => {
                            report.rendered += 1;
                            report.empty += u64::from(bytes == 0);
                            report.largest = report.largest.max(bytes);
                        }
                    }
                }
                Ok::<_, QueryError>(())
            })
            .await?;
        Ok(report)
    }

    async fn seed_one(&self, ds: &Dataset, t: TileCoord) -> Result<Outcome, QueryError> {
        let client = self.pool.get().await?;
        if store::has(&client, ds, TileMatrixSet::WebMercatorQuad, t).await? {
            return Ok(Outcome::Kept);
        }
        let tile = render_with(&client, ds, TileMatrixSet::WebMercatorQuad, t).await?;
        store::put(&client, ds, TileMatrixSet::WebMercatorQuad, t, &tile).await?;
        Ok(Outcome::Rendered {
            bytes: tile.len() as u64,
        })
    }

    async fn keep_up_to(&self, ds: &Dataset, zoom: u8) -> Result<(), QueryError> {
        if zoom <= ds.l2_maxzoom {
            return Ok(());
        }
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE rummet.datasets SET l2_maxzoom = greatest(l2_maxzoom, $2::smallint) \
                 WHERE id = $1",
                &[&ds.id.as_str(), &i16::from(zoom)],
            )
            .await?;
        client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&rummet_loaders::pipeline::NOTIFY_CHANNEL, &ds.id.as_str()],
            )
            .await?;
        Ok(())
    }
}

/// `A-B` or `A` as a zoom range within 0..=24 (`rummet seed --zooms`, the admin API).
///
/// # Errors
/// Says what is wrong with the range.
pub fn parse_zooms(s: &str) -> Result<RangeInclusive<u8>, String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let parse = |v: &str| {
        v.trim()
            .parse::<u8>()
            .ok()
            .filter(|z| *z <= MAX_ZOOM)
            .ok_or_else(|| format!("zoom \"{v}\" is not a number from 0 to {MAX_ZOOM}"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if a > b {
        return Err(format!("zoom range {a}-{b} runs backwards"));
    }
    Ok(a..=b)
}
