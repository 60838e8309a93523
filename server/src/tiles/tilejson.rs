//! `TileJSON` 3.0 documents for QGIS, MapLibre and other clients.

use serde_json::{Map, Value, json};

use crate::datasets::Dataset;

/// The `TileJSON` of `ds`, with tile URLs under `base` (scheme and host, no trailing slash).
#[must_use]
pub fn tilejson(ds: &Dataset, base: &str) -> Value {
    let fields: Map<String, Value> = ds
        .fields
        .iter()
        .map(|f| (f.name.clone(), Value::String(field_type(&f.kind).into())))
        .collect();
    let center = match ds.bounds.as_slice() {
        [w, s, e, n] => json!([(w + e) / 2.0, (s + n) / 2.0, ds.minzoom.max(4)]),
        _ => Value::Null,
    };
    json!({
        "tilejson": "3.0.0",
        "name": ds.title,
        "description": ds.description,
        "version": ds.version.to_string(),
        "attribution": ds.attribution,
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", ds.id)],
        "minzoom": ds.minzoom,
        "maxzoom": ds.maxzoom,
        "bounds": ds.bounds,
        "center": center,
        "vector_layers": [{
            "id": ds.id,
            "description": ds.title,
            "minzoom": ds.minzoom,
            "maxzoom": ds.maxzoom,
            "fields": fields,
        }],
    })
}

/// `TileJSON` names for PostgreSQL column types.
fn field_type(pg: &str) -> &'static str {
    match pg {
        "bigint" | "integer" | "double precision" | "numeric" => "Number",
        "boolean" => "Boolean",
        _ => "String",
    }
}
