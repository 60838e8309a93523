//! The tile query of one dataset version, built once per version with escaped identifiers;
//! z/x/y and the layer name are bind parameters of a cached prepared statement.

use std::fmt::Write as _;

use rummet_core::{DATA_SCHEMA, band_column, escape_identifier};

use crate::datasets::Dataset;

/// MVT extent in tile units, and the buffer around the tile, as in the MVT spec's examples.
const EXTENT: i32 = 4096;
const BUFFER: i32 = 64;

/// The SQL rendering one tile of `ds`: `$1` z, `$2` x, `$3` y (int4), `$4` layer name.
///
/// The envelope is built in 3857, the column's CRS, so the `GiST` index is used; rows are
/// aggregated in `fid` order so the same data always gives the same bytes (and `ETag`).
#[must_use]
pub fn tile_query(ds: &Dataset) -> String {
    let table = format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(&ds.table_name)
    );
    let columns: String = ds.fields.iter().fold(String::new(), |mut out, f| {
        out.push_str(", ");
        out.push_str(&escape_identifier(&f.name));
        out
    });
    let margin = f64::from(BUFFER) / f64::from(EXTENT);
    // Each zoom draws its band's generalised geometry where the load stored one; the index
    // is on `geom`, whose box holds the simplified one's.
    let geometry = if ds.zoom_bands.is_empty() {
        "geom".to_owned()
    } else {
        let arms = ds.zoom_bands.iter().fold(String::new(), |mut out, &band| {
            let _ = write!(
                out,
                "WHEN $1 <= {band} THEN coalesce({}, geom) ",
                band_column(band)
            );
            out
        });
        format!("CASE {arms}ELSE geom END")
    };
    format!(
        "SELECT ST_AsMVT(t.*, $4, {EXTENT}, 'geom', 'fid' ORDER BY t.fid) FROM ( \
           SELECT fid{columns}, \
             ST_AsMVTGeom({geometry}, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom \
           FROM {table} \
           WHERE geom && ST_TileEnvelope($1, $2, $3, margin => {margin}) AND minzoom <= $1 \
         ) AS t WHERE t.geom IS NOT NULL"
    )
}

/// The SQL telling whether any feature of `ds`, at any zoom, touches the tile `$1`/`$2`/`$3`:
/// the pyramid walk probes children only under tiles that hold something.
#[must_use]
pub fn occupied_query(ds: &Dataset) -> String {
    let table = format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(&ds.table_name)
    );
    // ST_Intersects, not only `&&`: a large polygon's box covers much sea and land outside
    // it, and every false hit would be probed again at each zoom below.
    format!(
        "SELECT EXISTS (SELECT 1 FROM {table} \
           WHERE ST_Intersects(geom, ST_TileEnvelope($1, $2, $3)))"
    )
}
