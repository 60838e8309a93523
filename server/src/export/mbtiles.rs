//! `MBTiles` 1.3: tiles in `SQLite`, rows numbered from the south (TMS), gzip-compressed MVT,
//! and the metadata QGIS and other readers look for.

use std::path::Path;

use rummet_core::TileCoord;
use rusqlite::{Connection, params};

use super::{Archive, Metadata};

pub(super) struct Mbtiles {
    db: Connection,
}

impl Mbtiles {
    pub(super) fn create(path: &Path) -> Result<Self, String> {
        let db = Connection::open(path).map_err(|e| e.to_string())?;
        // One transaction for the whole file: it is renamed into place only when complete.
        db.execute_batch(
            "PRAGMA journal_mode = OFF;
             PRAGMA synchronous = OFF;
             CREATE TABLE metadata (name text, value text);
             CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer,
                                 tile_data blob);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
             BEGIN;",
        )
        .map_err(|e| e.to_string())?;
        Ok(Self { db })
    }
}

impl Archive for Mbtiles {
    fn add(&mut self, t: TileCoord, gzip: &[u8]) -> Result<(), String> {
        let tms_row = (1u32 << t.z) - 1 - t.y;
        self.db
            .prepare_cached(
                "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![t.z, t.x, tms_row, gzip]))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn finish(self: Box<Self>, meta: &Metadata) -> Result<(), String> {
        let [west, south, east, north] = meta.bounds;
        let (lon, lat, zoom) = meta.center();
        let rows = [
            ("name", meta.name.clone()),
            ("description", meta.description.clone()),
            ("attribution", meta.attribution.clone()),
            ("format", "pbf".into()),
            ("type", "overlay".into()),
            ("version", "1.3".into()),
            ("minzoom", meta.zooms.start().to_string()),
            ("maxzoom", meta.zooms.end().to_string()),
            ("bounds", format!("{west},{south},{east},{north}")),
            ("center", format!("{lon},{lat},{zoom}")),
            ("json", meta.json().to_string()),
        ];
        for (name, value) in rows {
            self.db
                .execute(
                    "INSERT INTO metadata (name, value) VALUES (?1, ?2)",
                    params![name, value],
                )
                .map_err(|e| e.to_string())?;
        }
        self.db.execute_batch("COMMIT").map_err(|e| e.to_string())?;
        self.db.close().map_err(|(_, e)| e.to_string())
    }
}
