//! The OGC API paths of the `OpenAPI` document: the generic ones, and a concrete items path per
//! collection, because QGIS and GDAL read the page size (`limit`'s `default` and `maximum`)
//! and the `prop=value` queryables only from `/collections/<id>/items`, never from
//! `/collections/{collectionId}/items`.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::datasets::Dataset;
use crate::filter::FieldKind;
use crate::ogc::Crs;
use crate::ogc::documents::limit_schema;

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn query(name: &str, description: &str, schema: &Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

/// The items parameters every collection takes.
fn items_parameters() -> Vec<Value> {
    let crs_list: Vec<String> = Crs::supported().iter().map(Crs::uri).collect();
    let crs = json!({"type": "string", "format": "uri", "enum": crs_list, "default": crate::ogc::crs::CRS84});
    vec![
        query("limit", "Features on a page.", &limit_schema()),
        query(
            "bbox",
            "minx,miny,maxx,maxy in bbox-crs's axis order (CRS84: lon,lat; EPSG:3006: N,E).",
            &json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        ),
        query("bbox-crs", "CRS of bbox.", &crs),
        query(
            "crs",
            "CRS of the returned geometry, in its own axis order.",
            &crs,
        ),
        query(
            "filter",
            "A CQL2 condition over the queryables (basic CQL2, LIKE, BETWEEN, IN, CASEI, S_INTERSECTS).",
            &json!({"type": "string"}),
        ),
        query(
            "filter-lang",
            "cql2-text (default) or cql2-json; cql-text is read as cql2-text.",
            &json!({"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"}),
        ),
        query("filter-crs", "CRS of spatial literals in filter.", &crs),
        query(
            "properties",
            "Fields to return, comma-separated; empty for none.",
            &json!({"type": "array", "items": {"type": "string"}}),
        ),
        query(
            "sortby",
            "Fields to sort by, comma-separated, -field for descending; ties by id.",
            &json!({"type": "array", "items": {"type": "string"}}),
        ),
        query(
            "f",
            "json (GeoJSON, default), html or csv.",
            &json!({"type": "string", "enum": ["json", "html", "csv"]}),
        ),
    ]
}

fn items_responses() -> Value {
    json!({
        "200": {"description": "A page of features.", "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "text/html": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
        }},
        "400": error("A malformed or unknown parameter, bbox, crs, limit or filter."),
        "404": error("No such collection."),
        "409": error("The collection was reloaded since this page link was made; start again."),
        "503": error("The database is unavailable or the query timed out; retry after Retry-After."),
    })
}

fn get(summary: &str, parameters: Vec<Value>, responses: Value) -> Value {
    let mut op = Map::new();
    op.insert("summary".into(), Value::from(summary));
    op.insert("parameters".into(), Value::Array(parameters));
    op.insert("responses".into(), responses);
    json!({ "get": op })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

fn ok(description: &str, kind: &str) -> Value {
    json!({"200": {"description": description, "content": {kind: {"schema": {"type": "object"}}}}, "404": error("Not found.")})
}

/// Every OGC API path, with one concrete items path per collection.
#[must_use]
pub fn paths(datasets: &[Arc<Dataset>]) -> Map<String, Value> {
    let mut paths = Map::new();
    let json_kind = "application/json";
    paths.insert(
        "/".into(),
        get(
            "Landing page",
            vec![],
            ok(
                "Landing page (JSON for Accept: application/json or f=json, else the map).",
                json_kind,
            ),
        ),
    );
    paths.insert(
        "/conformance".into(),
        get(
            "Conformance classes",
            vec![],
            ok("The classes implemented.", json_kind),
        ),
    );
    paths.insert(
        "/api".into(),
        get(
            "This document",
            vec![],
            ok("OpenAPI 3.0.", crate::ogc::documents::OPENAPI_TYPE),
        ),
    );
    paths.insert(
        "/collections".into(),
        get(
            "Collections",
            vec![],
            ok("Every loaded dataset.", json_kind),
        ),
    );
    let collection_id = path_param("collectionId", "A collection (GET /collections).");
    paths.insert(
        "/collections/{collectionId}".into(),
        get(
            "A collection",
            vec![collection_id.clone()],
            ok("The collection.", json_kind),
        ),
    );
    let mut generic = items_parameters();
    generic.insert(0, collection_id.clone());
    paths.insert(
        "/collections/{collectionId}/items".into(),
        get("Features of a collection", generic, items_responses()),
    );
    paths.insert(
        "/collections/{collectionId}/items/{featureId}".into(),
        get(
            "One feature",
            vec![
                collection_id.clone(),
                path_param("featureId", "The feature's id."),
            ],
            ok("The feature.", "application/geo+json"),
        ),
    );
    paths.insert(
        "/collections/{collectionId}/queryables".into(),
        get(
            "Queryables",
            vec![collection_id.clone()],
            ok(
                "JSON Schema of the fields a filter may name.",
                "application/schema+json",
            ),
        ),
    );
    paths.extend(tiles_paths(&collection_id));
    paths.extend(collection_paths(datasets));
    paths
}

/// OGC API – Tiles paths.
fn tiles_paths(collection_id: &Value) -> Map<String, Value> {
    let json_kind = "application/json";
    let mut paths = Map::new();
    paths.insert(
        "/collections/{collectionId}/tiles".into(),
        get(
            "Vector tilesets of a collection",
            vec![collection_id.clone()],
            ok("Tilesets.", json_kind),
        ),
    );
    let tms = path_param("tileMatrixSetId", "WebMercatorQuad or SWEREF99TM.");
    paths.insert(
        "/collections/{collectionId}/tiles/{tileMatrixSetId}".into(),
        get(
            "Tileset metadata",
            vec![collection_id.clone(), tms.clone()],
            ok("Tileset.", json_kind),
        ),
    );
    let int = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}});
    paths.insert(
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}".into(),
        get("A vector tile", vec![collection_id.clone(), tms.clone(), int("tileMatrix"), int("tileRow"), int("tileCol")], json!({
            "200": {"description": "A Mapbox Vector Tile.", "content": {"application/vnd.mapbox-vector-tile": {}}},
            "204": {"description": "No features in this tile."},
            "400": error("Tile outside the matrix."), "404": error("No such collection or tile matrix set."),
        })),
    );
    paths.insert(
        "/tiles".into(),
        get(
            "Vector tilesets of all collections",
            vec![],
            ok("Tilesets.", json_kind),
        ),
    );
    paths.insert(
        "/tileMatrixSets".into(),
        get("Tile matrix sets", vec![], ok("The sets.", json_kind)),
    );
    paths.insert(
        "/tileMatrixSets/{tileMatrixSetId}".into(),
        get(
            "A tile matrix set",
            vec![tms],
            ok("Its definition (OGC 2D-TMS JSON).", json_kind),
        ),
    );
    paths
}

/// The concrete items path of each collection, its queryables as parameters.
fn collection_paths(datasets: &[Arc<Dataset>]) -> Map<String, Value> {
    let mut paths = Map::new();
    for ds in datasets {
        let mut parameters = items_parameters();
        for f in &ds.fields {
            let schema = match FieldKind::of(f.kind) {
                FieldKind::Number => json!({"type": "number"}),
                FieldKind::Boolean => json!({"type": "boolean"}),
                FieldKind::Text => json!({"type": "string"}),
            };
            parameters.push(query(
                &f.name,
                &format!(
                    "Only features whose {} equals this. {}",
                    f.name, f.description
                ),
                &schema,
            ));
        }
        paths.insert(
            format!("/collections/{}/items", ds.id),
            get(
                &format!("Features of {}", ds.title),
                parameters,
                items_responses(),
            ),
        );
    }
    paths
}
