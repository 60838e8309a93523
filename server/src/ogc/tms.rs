//! OGC API – Tiles documents: the tile matrix sets as OGC 2D-TMS 2.0 JSON, and the vector
//! tilesets of a collection or of all collections, with their tile URL templates.
//!
//! The tile matrix set documents also carry the 2D-TMS 1.0 names of the members GDAL 3.6 and
//! 3.7 read (`identifier`, `supportedCRS`, `boundingBox`, and per matrix `identifier` and
//! `topLeftCorner`). Their `gdal::TileMatrixSet::parse` (`gcore/tilematrixset.cpp`) takes the
//! downloaded text as a JSON document only when it holds `"identifier"` and `"boundingBox"`
//! (and `"tileMatrices"`), else as a file name — a path longer than GDAL's 2 048-byte buffer,
//! hence "Destination buffer too small" and "Invalid tiling matrix set name" — and then reads
//! the 1.0 names only: without `supportedCRS` it fails, without a matrix `identifier` the
//! `{tileMatrix}` of the tile URL is empty. GDAL 3.8 and later read the 2.0 members when `crs`
//! and `tileMatrices` are there, so the added ones change nothing for them.

use std::sync::Arc;

use rummet_core::TileMatrixSet;
use rummet_core::tms::{SWEREF_ORIGIN, TILE_PIXELS};
use serde_json::{Value, json};

use super::crs::{CRS84, Crs};
use crate::datasets::{Dataset, union_bounds};
use crate::tiles::vector_layers;

/// The standardised pixel size of 2D-TMS scale denominators, in metres.
const PIXEL_SIZE_M: f64 = 0.000_28;

/// The registered URI of a set, where there is one.
fn registered_uri(tms: TileMatrixSet) -> Option<&'static str> {
    match tms {
        TileMatrixSet::WebMercatorQuad => {
            Some("http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad")
        }
        TileMatrixSet::Sweref99Tm => None,
    }
}

fn title(tms: TileMatrixSet) -> &'static str {
    match tms {
        TileMatrixSet::WebMercatorQuad => "Google Maps Compatible for the World",
        TileMatrixSet::Sweref99Tm => "SWEREF 99 TM, as used with Lantmäteriet's WMTS",
    }
}

/// The URI naming a set in tileset documents: the registered one, else ours.
fn uri(base: &str, tms: TileMatrixSet) -> String {
    registered_uri(tms).map_or_else(
        || format!("{base}/tileMatrixSets/{}", tms.id()),
        str::to_owned,
    )
}

/// The corners a set's level 0 covers, lower left then upper right, in the axis order of its
/// CRS (SWEREF 99 TM: northing, easting).
fn bounding_box(tms: TileMatrixSet) -> [[f64; 2]; 2] {
    // Every level covers the same square: level 0's tiles times their side in metres.
    #[expect(
        clippy::cast_precision_loss,
        reason = "level 0 has 1 or 4 tiles a side"
    )]
    let side = tms.cell_size(0) * f64::from(TILE_PIXELS) * tms.matrix_size(0) as f64;
    match tms {
        TileMatrixSet::WebMercatorQuad => {
            let half = side / 2.0;
            [[-half, -half], [half, half]]
        }
        TileMatrixSet::Sweref99Tm => {
            let (e, n) = SWEREF_ORIGIN;
            [[n - side, e], [n, e + side]]
        }
    }
}

/// `/tileMatrixSets/{id}`: the full definition.
#[must_use]
pub fn definition(base: &str, tms: TileMatrixSet) -> Value {
    let (origin, axes) = match tms {
        TileMatrixSet::WebMercatorQuad => (
            json!([
                -rummet_core::WEB_MERCATOR_WORLD_M / 2.0,
                rummet_core::WEB_MERCATOR_WORLD_M / 2.0
            ]),
            json!(["X", "Y"]),
        ),
        // EPSG:3006 orders its axes northing, easting, so the origin is written N, E.
        TileMatrixSet::Sweref99Tm => (json!([SWEREF_ORIGIN.1, SWEREF_ORIGIN.0]), json!(["N", "E"])),
    };
    let matrices: Vec<Value> = (0..=tms.max_level())
        .map(|level| {
            let cell = tms.cell_size(level);
            json!({
                "id": level.to_string(),
                "identifier": level.to_string(),
                "scaleDenominator": cell / PIXEL_SIZE_M,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": origin,
                "topLeftCorner": origin,
                "tileWidth": TILE_PIXELS,
                "tileHeight": TILE_PIXELS,
                "matrixWidth": tms.matrix_size(level),
                "matrixHeight": tms.matrix_size(level),
            })
        })
        .collect();
    let crs = Crs::Epsg(tms.srid()).uri();
    let bbox = bounding_box(tms);
    let mut doc = json!({
        "id": tms.id(),
        "identifier": tms.id(),
        "title": title(tms),
        "crs": crs,
        "supportedCRS": crs,
        "orderedAxes": axes,
        "boundingBox": {
            "crs": crs,
            "orderedAxes": axes,
            "lowerLeft": bbox[0],
            "upperRight": bbox[1],
            "lowerCorner": bbox[0],
            "upperCorner": bbox[1],
        },
        "tileMatrices": matrices,
        "links": [{"rel": "self", "href": format!("{base}/tileMatrixSets/{}", tms.id()), "type": "application/json"}],
    });
    if let Some(uri) = registered_uri(tms) {
        doc["uri"] = json!(uri);
        doc["wellKnownScaleSet"] =
            json!("http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible");
    } else {
        doc["description"] = json!(
            "Origin E -1 200 000, N 8 500 000; 4096 m per pixel at level 0 halving to 0.5 m at level 13; 256-pixel tiles. As Swedish web-map frameworks (hajkmap/Hajk) configure Lantmäteriet's WMTS; no official Lantmäteriet TMS document was found."
        );
    }
    doc
}

/// `/tileMatrixSets`.
#[must_use]
pub fn list(base: &str) -> Value {
    let sets: Vec<Value> = TileMatrixSet::ALL
        .iter()
        .map(|t| {
            let mut entry = json!({
                "id": t.id(),
                "title": title(*t),
                "crs": Crs::Epsg(t.srid()).uri(),
                "links": [{"rel": "self", "href": format!("{base}/tileMatrixSets/{}", t.id()), "type": "application/json"}],
            });
            if let Some(uri) = registered_uri(*t) {
                entry["uri"] = json!(uri);
            }
            entry
        })
        .collect();
    json!({"tileMatrixSets": sets})
}

/// Where a tileset lives: a collection's (`/collections/{id}/tiles`) or all of them (`/tiles`).
fn tiles_root(base: &str, layers: &[Arc<Dataset>], all: bool) -> String {
    match layers {
        [one] if !all => format!("{base}/collections/{}/tiles", one.id),
        _ => format!("{base}/tiles"),
    }
}

/// One tileset: `layers` (one collection, or every collection for `/tiles`) in `tms`.
#[must_use]
pub fn tileset(base: &str, layers: &[Arc<Dataset>], tms: TileMatrixSet, all: bool) -> Value {
    let root = tiles_root(base, layers, all);
    let ids: Vec<&str> = layers.iter().map(|d| d.id.as_str()).collect();
    let joined = ids.join(",");
    let b = union_bounds(layers);
    let mut links = vec![
        json!({"rel": "self", "href": format!("{root}/{}", tms.id()), "type": "application/json", "title": "this tileset"}),
        json!({"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "href": format!("{base}/tileMatrixSets/{}", tms.id()), "type": "application/json"}),
        json!({"rel": "item", "href": format!("{root}/{}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", tms.id()), "templated": true, "type": "application/vnd.mapbox-vector-tile", "title": "tiles"}),
    ];
    if tms == TileMatrixSet::WebMercatorQuad {
        links.push(json!({"rel": "describedby", "href": format!("{base}/tiles/{joined}.json"), "type": "application/json", "title": "TileJSON"}));
        if let [one] = layers {
            links.push(json!({"rel": "stylesheet", "href": format!("{base}/styles/{}.json", one.id), "type": "application/vnd.mapbox.style+json", "title": "MapLibre style"}));
        }
    }
    let vector = vector_layers(layers);
    json!({
        "title": layers.iter().map(|d| d.title.as_str()).collect::<Vec<_>>().join(", "),
        "dataType": "vector",
        "crs": Crs::Epsg(tms.srid()).uri(),
        "tileMatrixSetURI": uri(base, tms),
        "boundingBox": {"lowerLeft": [b[0], b[1]], "upperRight": [b[2], b[3]], "crs": CRS84},
        "layers": layers.iter().zip(vector.as_array().cloned().unwrap_or_default()).map(|(d, v)| json!({
            "id": d.id.as_str(),
            "title": d.title,
            "dataType": "vector",
            "geometryDimension": d.geometry.dimension(),
            "minTileMatrix": "0",
            "maxTileMatrix": tms.max_level().to_string(),
            "propertiesSchema": {"type": "object", "properties": v["fields"].as_object().map(|f| f.iter().map(|(k, t)| (k.clone(), json!({"type": t.as_str().unwrap_or("string").to_lowercase()}))).collect::<serde_json::Map<_, _>>())},
        })).collect::<Vec<_>>(),
        "links": links,
    })
}

/// The tileset list of `layers` (one entry per tile matrix set).
#[must_use]
pub fn tilesets(base: &str, layers: &[Arc<Dataset>], all: bool) -> Value {
    let root = tiles_root(base, layers, all);
    let sets: Vec<Value> = TileMatrixSet::ALL
        .iter()
        .map(|t| json!({
            "title": format!("{} ({})", layers.iter().map(|d| d.title.as_str()).collect::<Vec<_>>().join(", "), t.id()),
            "dataType": "vector",
            "crs": Crs::Epsg(t.srid()).uri(),
            "tileMatrixSetURI": uri(base, *t),
            "links": [
                {"rel": "self", "href": format!("{root}/{}", t.id()), "type": "application/json"},
                {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "href": format!("{base}/tileMatrixSets/{}", t.id()), "type": "application/json"},
                {"rel": "item", "href": format!("{root}/{}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", t.id()), "templated": true, "type": "application/vnd.mapbox-vector-tile"},
            ],
        }))
        .collect();
    json!({"tilesets": sets, "links": [{"rel": "self", "href": root, "type": "application/json"}]})
}
