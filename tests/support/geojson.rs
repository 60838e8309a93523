//! Datasets made by hand for a test: a catalog entry written as TOML and features written as
//! a GeoJSON file in SWEREF 99 TM, loaded through the production pipeline.

use std::fmt::Write as _;

use rummet_loaders::catalog::CatalogEntry;
use rummet_loaders::pipeline::{self, LoadReport};
use rummet_loaders::read::Input;
use serde_json::{Value, json};

use rummet::app::AppState;

use super::TestApp;

/// A catalog entry `id` of `role` (`thematic` or `division`, coded `kod`, named `namn`) and
/// `geometry`, read from `<id>.geojson` in EPSG:3006, with `fields` as (name, type).
pub fn entry(id: &str, role: &str, geometry: &str, fields: &[(&str, &str)]) -> CatalogEntry {
    let division = if role == "division" {
        "[division]\ncode = \"kod\"\nname = \"namn\"\n"
    } else {
        ""
    };
    let fields = fields.iter().fold(String::new(), |mut out, (name, kind)| {
        let _ = write!(
            out,
            "[[fields]]\nsource = \"{name}\"\ncolumn = \"{name}\"\ntype = \"{kind}\"\ndescription = \"{name}\"\n"
        );
        out
    });
    let text = format!(
        "id = \"{id}\"\ntitle = \"{id}\"\ntitle_en = \"{id}\"\nagency = \"Test\"\ndescription = \"test\"\n\
         licence = \"CC0 1.0\"\nattribution = \"Test (CC0)\"\nrole = \"{role}\"\ngeometry = \"{geometry}\"\n\
         minzoom = 0\nmaxzoom = 14\n\n[source]\nformat = \"geojson\"\ncrs = \"EPSG:3006\"\nfile = \"{id}.geojson\"\nurls = []\n\n\
         {division}\n{fields}"
    );
    CatalogEntry::from_toml(&format!("{id}.toml"), &text).expect("test catalog entry")
}

/// Loads `features` (properties, geometry in EPSG:3006) as `entry` and refreshes the
/// registry view.
pub async fn load(
    app: &TestApp,
    entry: &CatalogEntry,
    features: Vec<(Value, Value)>,
) -> LoadReport {
    load_into(&app.state, entry, features).await
}

/// [`load`] through the pool of the server `state`, for a load running beside readers.
pub async fn load_into(
    state: &AppState,
    entry: &CatalogEntry,
    features: Vec<(Value, Value)>,
) -> LoadReport {
    let dir = tempfile::tempdir().expect("tempdir");
    let features: Vec<Value> = features
        .into_iter()
        .map(|(properties, geometry)| json!({"type": "Feature", "properties": properties, "geometry": geometry}))
        .collect();
    let path = dir.path().join(&entry.source.file);
    let doc = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": features,
    });
    std::fs::write(&path, doc.to_string()).expect("write fixture");
    load_file(state, entry, path).await
}

/// Loads the file at `path` as `entry` through the pool of the server `state`, and refreshes
/// its registry view.
pub async fn load_file(
    state: &AppState,
    entry: &CatalogEntry,
    path: std::path::PathBuf,
) -> LoadReport {
    let mut client = state.pool.get().await.expect("connection");
    let report = pipeline::load(
        &mut client,
        entry,
        &Input::File(path),
        pipeline::LoadOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("loading {}: {e}", entry.id));
    state
        .datasets
        .reload_all(&state.pool)
        .await
        .expect("registry");
    report
}
