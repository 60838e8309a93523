//! The road graph from a real load (issue 17): NVDB loaded by parts, one per län, through the
//! pipeline into PostGIS, read back as links, joined at the border, and travel times to a
//! service across it computed by hand.

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, SourceFormat};
use rummet_loaders::network::{self, Graph, Profile, Source, SpeedModel, nearest};
use rummet_loaders::pipeline::{self, LoadOptions, Part};
use rummet_loaders::read::Input;
use serde_json::{Value, json};

use crate::support::TestApp;

/// A GeoJSON (SWEREF 99 TM) of one NVDB link from `a` to `b` with limits `f` and `b`.
pub(crate) fn link_file(
    dir: &std::path::Path,
    name: &str,
    (a, b): ([f64; 2], [f64; 2]),
    limits: (i64, i64),
) -> std::path::PathBuf {
    let entry = catalog::get(&DatasetId::parse("nvdb_vagnat").expect("id")).expect("catalog");
    let mut properties = serde_json::Map::new();
    for f in &entry.fields {
        properties.insert(f.source.clone(), Value::Null);
    }
    properties.insert("FunkVagklass_Klass".into(), json!(5));
    properties.insert("Vaghallare_Vaghallartyp".into(), json!(1));
    properties.insert(
        "Hastighetsgrans_HogstaTillatnaHastighet_F".into(),
        json!(limits.0),
    );
    properties.insert(
        "Hastighetsgrans_HogstaTillatnaHastighet_B".into(),
        json!(limits.1),
    );
    let doc = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": [{"type": "Feature", "properties": properties,
                      "geometry": {"type": "LineString", "coordinates": [a, b]}}],
    });
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).expect("write");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parts_loaded_per_lan_join_at_the_border_and_a_service_across_it_is_reached_in_the_hand_computed_time()
 {
    let app = TestApp::new().await;
    let mut entry = catalog::get(&DatasetId::parse("nvdb_vagnat").expect("id"))
        .expect("catalog")
        .clone();
    entry.source.format = SourceFormat::GeoJson;
    let dir = tempfile::tempdir().expect("dir");
    let (a, border, c) = (
        [460_000.0, 6_405_000.0],
        [461_000.0, 6_405_000.0],
        [462_620.0, 6_405_000.0],
    );
    let mut client = app.db.client().await;
    for (lan, file) in [
        (
            "lan:06",
            link_file(dir.path(), "jonkoping.geojson", (a, border), (50, 50)),
        ),
        (
            "lan:08",
            link_file(dir.path(), "kalmar.geojson", (border, c), (90, 30)),
        ),
    ] {
        let part = Part::parse(lan).expect("part");
        let options = LoadOptions {
            part: Some(&part),
            ..LoadOptions::default()
        };
        pipeline::load(&mut client, &entry, &Input::File(file), options)
            .await
            .unwrap_or_else(|e| panic!("{lan}: {e}"));
    }
    let table: String = client
        .query_one(
            "SELECT table_name FROM rummet.datasets WHERE id = 'nvdb_vagnat'",
            &[],
        )
        .await
        .expect("table")
        .get(0);
    let columns: Vec<&str> = entry.fields.iter().map(|f| f.column.as_str()).collect();
    let links = network::links(&client, &table, &columns)
        .await
        .expect("links");
    assert_eq!(links.len(), 2, "{links:?}");
    let graph = Graph::build(links, &SpeedModel::default());
    assert_eq!(
        graph.node_count(),
        3,
        "the two län's links share the border node"
    );

    let node = |xy| graph.node_at(xy).expect("a node there");
    // To a service at C: A → border at 50 km/h × 0.9 (1000 m, 80 s), border → C at 90 × 0.9
    // (1620 m, 72 s).
    let to_c = nearest(
        &graph,
        Profile::Car,
        &[Source {
            node: node(c),
            seconds: 0.0,
        }],
        None,
    );
    assert!(
        (to_c[node(a) as usize] - 152.0).abs() < 0.01,
        "{}",
        to_c[node(a) as usize]
    );
    // The other way the Kalmar link's limit is 30: C → border 216 s, then 80 s.
    let to_a = nearest(
        &graph,
        Profile::Car,
        &[Source {
            node: node(a),
            seconds: 0.0,
        }],
        None,
    );
    assert!(
        (to_a[node(c) as usize] - 296.0).abs() < 0.01,
        "{}",
        to_a[node(c) as usize]
    );
    // Within ten minutes on foot from A? 2620 m at 5 km/h is 1886.4 s: no.
    let walk = nearest(
        &graph,
        Profile::Walk,
        &[Source {
            node: node(c),
            seconds: 0.0,
        }],
        Some(600.0),
    );
    assert!(walk[node(a) as usize].is_infinite());
}
