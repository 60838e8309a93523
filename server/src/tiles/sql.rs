//! The tile query of one dataset version, built once per version with escaped identifiers;
//! z/x/y and the layer name are bind parameters of a cached prepared statement.

use std::fmt::Write as _;

use rummet_core::tms::{SWEREF_ORIGIN, SWEREF_RESOLUTION_0, SWEREF_ZOOM_OFFSET, TILE_PIXELS};
use rummet_core::{DATA_SCHEMA, MAX_ZOOM, TileMatrixSet, band_column, escape_identifier};

use crate::datasets::Dataset;

/// MVT extent in tile units, and the buffer around the tile, as in the MVT spec's examples.
const EXTENT: i32 = 4096;
const BUFFER: i32 = 64;

/// The SQL rendering one tile of `ds` in `tms`: `$1` z (level), `$2` x (column), `$3` y (row),
/// all int4, `$4` layer name, `$5` (int4) the highest `minzoom` drawn: the tile's own
/// (Web Mercator) zoom, or lower when a tile past the byte budget is drawn again with only
/// what the zooms before it drew.
///
/// The envelope is built in 3857, the column's CRS, so the `GiST` index is used; rows are
/// aggregated in `fid` order so the same data always gives the same bytes (and `ETag`).
/// A SWEREF 99 TM tile is drawn from the stored SWEREF 99 TM geometry (the zoom band's
/// generalised one, transformed, where the level draws like a generalised zoom), clipped to
/// its envelope in EPSG:3006, and found through the 3857 index by that envelope transformed.
#[must_use]
pub fn tile_query(ds: &Dataset, tms: TileMatrixSet) -> String {
    match tms {
        TileMatrixSet::WebMercatorQuad => web_mercator_query(ds),
        TileMatrixSet::Sweref99Tm => sweref_query(ds),
    }
}

/// The attribute columns of `ds`, each after a comma.
fn columns(ds: &Dataset) -> String {
    ds.fields.iter().fold(String::new(), |mut out, f| {
        out.push_str(", ");
        out.push_str(&escape_identifier(&f.name));
        out
    })
}

/// The zoom-band geometry of the Web Mercator zoom `zoom` (SQL), `geom` where none is stored.
fn band_geometry(ds: &Dataset, zoom: &str) -> String {
    if ds.zoom_bands.is_empty() {
        "geom".to_owned()
    } else {
        let arms = ds.zoom_bands.iter().fold(String::new(), |mut out, &band| {
            let _ = write!(
                out,
                "WHEN {zoom} <= {band} THEN coalesce({}, geom) ",
                band_column(band)
            );
            out
        });
        format!("CASE {arms}ELSE geom END")
    }
}

fn sweref_query(ds: &Dataset) -> String {
    let table = format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(&ds.table_name)
    );
    let columns = columns(ds);
    let (west, north) = SWEREF_ORIGIN;
    let size0 = SWEREF_RESOLUTION_0 * f64::from(TILE_PIXELS);
    let margin = f64::from(BUFFER) / f64::from(EXTENT);
    // The Web Mercator zoom a level draws like, as TileMatrixSet::equivalent_zoom says.
    let zoom = format!("least($1 + {SWEREF_ZOOM_OFFSET}, {MAX_ZOOM})");
    let band = band_geometry(ds, &zoom);
    // Where the level draws the full geometry, the stored SWEREF 99 TM one is used as is.
    let geometry = format!(
        "CASE WHEN {zoom} > {top} THEN geom_3006 ELSE ST_Transform({band}, 3006) END",
        top = ds.zoom_bands.iter().max().copied().unwrap_or(0),
    );
    format!(
        "WITH e AS (SELECT s, ST_MakeEnvelope({west} + $2 * s, {north} - ($3 + 1) * s,                                               {west} + ($2 + 1) * s, {north} - $3 * s, 3006) AS env                     FROM (SELECT {size0} / (2 ^ $1) AS s) z)          SELECT ST_AsMVT(t.*, $4, {EXTENT}, 'geom', 'fid' ORDER BY t.fid) FROM (            SELECT fid{columns}, ST_AsMVTGeom({geometry}, e.env, {EXTENT}, {BUFFER}, true) AS geom            FROM {table}, e            WHERE geom && ST_Transform(ST_Segmentize(ST_Expand(e.env, e.s * {margin}), e.s / 8), 3857)              AND minzoom <= least({zoom}, $5)          ) AS t WHERE t.geom IS NOT NULL"
    )
}

fn web_mercator_query(ds: &Dataset) -> String {
    let table = format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(&ds.table_name)
    );
    let columns = columns(ds);
    let margin = f64::from(BUFFER) / f64::from(EXTENT);
    // Each zoom draws its band's generalised geometry where the load stored one; the index
    // is on `geom`, whose box holds the simplified one's.
    let geometry = band_geometry(ds, "$1");
    format!(
        "SELECT ST_AsMVT(t.*, $4, {EXTENT}, 'geom', 'fid' ORDER BY t.fid) FROM ( \
           SELECT fid{columns}, \
             ST_AsMVTGeom({geometry}, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom \
           FROM {table} \
           WHERE geom && ST_TileEnvelope($1, $2, $3, margin => {margin}) AND minzoom <= least($1, $5) \
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
