//! `PMTiles` v3 through the `pmtiles` crate's writer: gzip tiles as stored (not compressed
//! again), gzip directories, tiles added in tile-id order so the archive is clustered.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use ::pmtiles::{Compression, PmTilesStreamWriter, PmTilesWriter, TileId, TileType};
use rummet_core::TileCoord;

use super::{Archive, Metadata};

/// The `PMTiles` tile id of `t` (zoom, then Hilbert order within the zoom).
pub(super) fn tile_id(t: TileCoord) -> u64 {
    ::pmtiles::TileCoord::new(t.z, t.x, t.y).map_or(u64::MAX, |c| TileId::from(c).value())
}

pub(super) struct Pmtiles {
    writer: PmTilesStreamWriter<BufWriter<File>>,
}

impl Pmtiles {
    pub(super) fn create(path: &Path, meta: &Metadata) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| e.to_string())?;
        let [west, south, east, north] = meta.bounds;
        let (lon, lat, zoom) = meta.center();
        let writer = PmTilesWriter::new(TileType::Mvt)
            .precompressed(Compression::Gzip)
            .internal_compression(Compression::Gzip)
            .min_zoom(*meta.zooms.start())
            .max_zoom(*meta.zooms.end())
            .bounds(west, south, east, north)
            .center(lon, lat)
            .center_zoom(zoom)
            .metadata(meta.json().to_string())
            .create(BufWriter::new(file))
            .map_err(|e| e.to_string())?;
        Ok(Self { writer })
    }
}

impl Archive for Pmtiles {
    fn add(&mut self, t: TileCoord, gzip: &[u8]) -> Result<(), String> {
        let coord = ::pmtiles::TileCoord::new(t.z, t.x, t.y).map_err(|e| e.to_string())?;
        self.writer.add_tile(coord, gzip).map_err(|e| e.to_string())
    }

    fn finish(self: Box<Self>, _: &Metadata) -> Result<(), String> {
        // The metadata went in at creation; the directories and header are written now.
        self.writer.finalize().map_err(|e| e.to_string())
    }
}
