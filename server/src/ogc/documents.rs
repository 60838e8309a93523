//! The OGC API – Common and Features documents: landing page, conformance, collections, one
//! collection and its queryables, built from the registry and the base URL clients reach us
//! at. Only conformance classes the tests exercise are declared.

use rummet_core::{FieldType, GeometryKind};
use serde_json::{Value, json};

use super::crs::{CRS84, Crs};
use super::items::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::datasets::Dataset;

/// Link relation of vector tilesets (OGC API – Tiles).
pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
/// Link relation of the tiling schemes list.
pub const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
/// Link relation of the conformance declaration.
pub const REL_CONFORMANCE: &str = "http://www.opengis.net/def/rel/ogc/1.0/conformance";
/// Link relation of queryables.
pub const REL_QUERYABLES: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";
/// The `OpenAPI` media type QGIS and GDAL look for.
pub const OPENAPI_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// Every conformance class declared; each is exercised by the tests.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    // The draft's name of the same class, which QGIS 3.22–3.28 look for.
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/tms/2.0/conf/tilematrixset",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

fn link(rel: &str, href: String, kind: &str, title: &str) -> Value {
    json!({"rel": rel, "href": Value::String(href), "type": kind, "title": title})
}

/// The landing page (`/` as JSON).
#[must_use]
pub fn landing(base: &str) -> Value {
    json!({
        "title": "Rummet",
        "description": "Sweden's national geodata for regional planning: vector tiles, features (OGC API – Features with CRS and CQL2) and statistics per kommun, län and FA-region.",
        "links": [
            link("self", format!("{base}/?f=json"), "application/json", "this document"),
            link("alternate", format!("{base}/"), "text/html", "the map"),
            link("service-desc", format!("{base}/api"), OPENAPI_TYPE, "the API definition (OpenAPI 3.0)"),
            link("service-doc", format!("{base}/api.html"), "text/html", "the API documentation"),
            link("conformance", format!("{base}/conformance"), "application/json", "conformance classes"),
            link(REL_CONFORMANCE, format!("{base}/conformance"), "application/json", "conformance classes"),
            link("data", format!("{base}/collections"), "application/json", "the collections"),
            link("http://www.opengis.net/def/rel/ogc/1.0/data", format!("{base}/collections"), "application/json", "the collections"),
            link(REL_TILESETS_VECTOR, format!("{base}/tiles"), "application/json", "vector tilesets of every collection"),
            link(REL_TILING_SCHEMES, format!("{base}/tileMatrixSets"), "application/json", "tile matrix sets"),
        ],
    })
}

/// `/conformance`.
#[must_use]
pub fn conformance() -> Value {
    json!({ "conformsTo": CONFORMANCE })
}

/// Where a licence text is published, for the common ones.
fn licence_url(licence: &str) -> Option<&'static str> {
    if licence.starts_with("CC0") {
        Some("https://creativecommons.org/publicdomain/zero/1.0/")
    } else if licence.starts_with("CC BY 4.0") {
        Some("https://creativecommons.org/licenses/by/4.0/")
    } else if licence.starts_with("MIT") {
        Some("https://opensource.org/license/mit")
    } else {
        None
    }
}

/// One collection (`/collections/{id}` and each entry of `/collections`).
#[must_use]
pub fn collection(base: &str, ds: &Dataset) -> Value {
    let id = ds.id.as_str();
    let items = format!("{base}/collections/{id}/items");
    let mut links = vec![
        link(
            "self",
            format!("{base}/collections/{id}"),
            "application/json",
            "this collection",
        ),
        link(
            "items",
            items.clone(),
            "application/geo+json",
            "features as GeoJSON",
        ),
        link(
            "items",
            format!("{items}?f=html"),
            "text/html",
            "features as HTML",
        ),
        link(
            "items",
            format!("{items}?f=csv"),
            "text/csv",
            "features as CSV",
        ),
        link(
            REL_QUERYABLES,
            format!("{base}/collections/{id}/queryables"),
            "application/schema+json",
            "queryables",
        ),
        link(
            REL_TILESETS_VECTOR,
            format!("{base}/collections/{id}/tiles"),
            "application/json",
            "vector tilesets",
        ),
        link(
            "describedby",
            format!("{base}/tiles/{id}.json"),
            "application/json",
            "TileJSON",
        ),
        link(
            "stylesheet",
            format!("{base}/styles/{id}.json"),
            "application/vnd.mapbox.style+json",
            "MapLibre style",
        ),
    ];
    let licence_href =
        licence_url(&ds.licence).map_or_else(|| format!("{base}/collections/{id}"), str::to_owned);
    links.push(
        json!({"rel": "license", "href": licence_href, "type": "text/html", "title": ds.licence}),
    );
    let bbox = if ds.bounds.len() == 4 {
        json!([ds.bounds])
    } else {
        json!([[10.0, 55.0, 24.2, 69.1]])
    };
    json!({
        "id": id,
        "title": ds.title,
        "description": ds.description,
        "keywords": [ds.agency, ds.role.as_str()],
        "attribution": ds.attribution,
        "license": ds.licence,
        "itemType": "feature",
        "extent": {
            "spatial": {"bbox": bbox, "crs": CRS84},
        },
        "crs": Crs::supported().iter().map(Crs::uri).collect::<Vec<_>>(),
        "storageCrs": Crs::STORAGE.uri(),
        "itemCount": ds.features,
        "version": ds.version,
        "links": links,
    })
}

/// `/collections`.
#[must_use]
pub fn collections(base: &str, datasets: &[std::sync::Arc<Dataset>]) -> Value {
    json!({
        "links": [
            link("self", format!("{base}/collections"), "application/json", "this document"),
        ],
        "collections": datasets.iter().map(|d| collection(base, d)).collect::<Vec<_>>(),
        "crs": Crs::supported().iter().map(Crs::uri).collect::<Vec<_>>(),
    })
}

/// JSON Schema type of a registry column.
fn schema_type(kind: FieldType) -> Value {
    match kind {
        FieldType::Integer => json!({"type": "integer"}),
        FieldType::Double => json!({"type": "number"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::Text => json!({"type": "string"}),
    }
}

/// GeoJSON schema of the stored geometry (always the multi type).
fn geometry_schema(geometry: GeometryKind) -> String {
    format!(
        "https://geojson.org/schema/{}.json",
        geometry.postgis_type()
    )
}

/// `/collections/{id}/queryables`: every field with its type and the catalog's Swedish
/// description, and the geometry as a `$ref` to the GeoJSON schema.
#[must_use]
pub fn queryables(base: &str, ds: &Dataset) -> Value {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "geometry".into(),
        json!({"title": "geometri", "description": "The feature's geometry (S_INTERSECTS)", "$ref": geometry_schema(ds.geometry)}),
    );
    for f in &ds.fields {
        let mut p = schema_type(f.kind);
        p["title"] = json!(f.name);
        p["description"] = json!(f.description);
        properties.insert(f.name.clone(), p);
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{base}/collections/{}/queryables", ds.id),
        "type": "object",
        "title": ds.title,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// The `limit` parameter's schema, as QGIS and GDAL read page sizes from it.
#[must_use]
pub fn limit_schema() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT})
}
