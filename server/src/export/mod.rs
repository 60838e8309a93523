//! `rummet export`: one dataset, or several as one layer each, written to a single-file tile
//! archive (`PMTiles` for a CDN or object store, `MBTiles` for QGIS offline). Tiles come from
//! L2 where kept and are rendered otherwise; only tiles with features are written. The file
//! appears complete or not at all: it is written beside the target and renamed at the end.

mod mbtiles;
mod pmtiles;

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::BytesMut;
use deadpool_postgres::Pool;
use futures_util::{StreamExt, TryStreamExt, stream};
use rummet_core::{TileCoord, TileMatrixSet};
use serde::Serialize;
use serde_json::{Value, json};

use crate::datasets::Dataset;
use crate::db::QueryError;
use crate::tiles::{Encoding, Pyramid, Tile, render, vector_layers};

/// The archive formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `PMTiles` v3: one file, read by range requests.
    Pmtiles,
    /// `MBTiles` 1.3: an `SQLite` database.
    Mbtiles,
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct ExportReport {
    /// Tiles written.
    pub tiles: u64,
    /// Bytes of (gzip-compressed) tile data written.
    pub bytes: u64,
}

/// Why an export failed; nothing is left at the target path.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading or rendering tiles failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Writing the archive failed.
    #[error("{path}: {message}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

impl ExportError {
    fn write(path: &Path, e: impl std::fmt::Display) -> Self {
        Self::Write {
            path: path.to_owned(),
            message: e.to_string(),
        }
    }
}

/// The archive being written, whichever its format.
trait Archive {
    /// Adds one tile (gzip-compressed MVT). Within a zoom, tiles come in `PMTiles` tile-id
    /// order.
    fn add(&mut self, coord: TileCoord, gzip: &[u8]) -> Result<(), String>;
    /// Writes the metadata and closes the file.
    fn finish(self: Box<Self>, metadata: &Metadata) -> Result<(), String>;
}

/// What the archive says about its content.
pub struct Metadata {
    /// Dataset ids, comma-separated.
    pub name: String,
    /// Titles.
    pub description: String,
    /// Every layer's attribution.
    pub attribution: String,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
    /// Zooms written.
    pub zooms: RangeInclusive<u8>,
    /// `vector_layers`, as in `TileJSON`.
    pub vector_layers: Value,
}

impl Metadata {
    fn new(layers: &[Arc<Dataset>], bounds: [f64; 4], zooms: RangeInclusive<u8>) -> Self {
        let join = |f: fn(&Dataset) -> &str| {
            let mut parts: Vec<&str> = layers.iter().map(|d| f(d)).collect();
            parts.dedup();
            parts.join("; ")
        };
        Self {
            name: layers
                .iter()
                .map(|d| d.id.as_str())
                .collect::<Vec<_>>()
                .join(","),
            description: join(|d| &d.title),
            attribution: join(|d| &d.attribution),
            bounds,
            zooms,
            vector_layers: vector_layers(layers),
        }
    }

    /// The center the archive opens at: the middle of the bounds, at the lowest zoom.
    fn center(&self) -> (f64, f64, u8) {
        let [w, s, e, n] = self.bounds;
        (
            f64::midpoint(w, e),
            f64::midpoint(s, n),
            *self.zooms.start(),
        )
    }

    /// The JSON both formats carry (`MBTiles` as its `json` row).
    fn json(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "attribution": self.attribution,
            "vector_layers": self.vector_layers,
        })
    }
}

/// Writes the tiles of `layers` (one MVT layer each, in that order) at `zooms` to `path`.
///
/// # Errors
/// When a tile cannot be had or the file cannot be written; the target is left untouched.
pub async fn export(
    pool: &Pool,
    layers: Vec<Arc<Dataset>>,
    zooms: RangeInclusive<u8>,
    format: Format,
    path: &Path,
    concurrency: usize,
    progress: &(dyn Fn(u8, usize) + Sync),
) -> Result<ExportReport, ExportError> {
    let partial = path.with_extension(format!(
        "{}.partial",
        path.extension().and_then(|e| e.to_str()).unwrap_or("tiles")
    ));
    let _ = std::fs::remove_file(&partial);
    let result = write(
        pool,
        layers,
        zooms,
        format,
        &partial,
        concurrency.max(1),
        progress,
    )
    .await;
    match result {
        Ok(report) => {
            std::fs::rename(&partial, path).map_err(|e| ExportError::write(path, e))?;
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write(
    pool: &Pool,
    layers: Vec<Arc<Dataset>>,
    zooms: RangeInclusive<u8>,
    format: Format,
    partial: &Path,
    concurrency: usize,
    progress: &(dyn Fn(u8, usize) + Sync),
) -> Result<ExportReport, ExportError> {
    let pyramid = Pyramid::new(pool.clone(), layers.clone(), concurrency);
    let metadata = Metadata::new(&layers, pyramid.bounds(), zooms.clone());
    let created: Result<Box<dyn Archive>, String> = match format {
        Format::Mbtiles => mbtiles::Mbtiles::create(partial).map(|a| Box::new(a) as _),
        Format::Pmtiles => pmtiles::Pmtiles::create(partial, &metadata).map(|a| Box::new(a) as _),
    };
    let mut archive = created.map_err(|e| ExportError::write(partial, e))?;
    let mut report = ExportReport::default();
    pyramid
        .walk(zooms, async |z, tiles: &[TileCoord]| {
            progress(z, tiles.len());
            let mut ordered = tiles.to_vec();
            ordered.sort_by_key(|t| pmtiles::tile_id(*t));
            let mut gzipped = stream::iter(ordered)
                .map(|t| {
                    let layers = &layers;
                    async move { Ok::<_, QueryError>((t, layered(pool, layers, t).await?)) }
                })
                .buffered(concurrency);
            while let Some((t, tile)) = gzipped.try_next().await? {
                if tile.is_empty() {
                    continue;
                }
                let gzip = tile.body(Encoding::Gzip);
                archive
                    .add(t, &gzip)
                    .map_err(|e| ExportError::write(partial, e))?;
                report.tiles += 1;
                report.bytes += gzip.len() as u64;
            }
            Ok::<_, ExportError>(())
        })
        .await?;
    archive
        .finish(&metadata)
        .map_err(|e| ExportError::write(partial, e))?;
    Ok(report)
}

/// The tile with one layer per dataset: the layers' own tiles concatenated (an MVT is a
/// sequence of layers).
async fn layered(pool: &Pool, layers: &[Arc<Dataset>], t: TileCoord) -> Result<Tile, QueryError> {
    if let [one] = layers {
        return render(pool, None, one, TileMatrixSet::WebMercatorQuad, t).await;
    }
    let mut body = BytesMut::new();
    for ds in layers {
        body.extend_from_slice(
            &render(pool, None, ds, TileMatrixSet::WebMercatorQuad, t)
                .await?
                .body(Encoding::Identity),
        );
    }
    Ok(Tile::new(body.freeze()))
}
