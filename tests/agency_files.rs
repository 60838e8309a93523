//! Files as the agencies publish them, beyond the one-layer catalog fixtures: 3D and measured
//! geometry, per-län extracts with their own layer and field names, coded values published as
//! text, fields an export has renamed, files under other names, and the extent the registry
//! publishes. Error and warning lines are asserted word for word: they are what a data
//! steward reads.

use rummet_core::DatasetId;

use crate::load_cli::{rummet, version};
use crate::support::TestDb;
use crate::support::agency::{
    entry, lamning_points, lamningar_lan, load_json, nvdb_3d, ok, refused, sqlite_type, square,
    stderr, table, value,
};
use crate::support::fixtures;
use crate::support::gpkg::{self, Layer};

#[tokio::test]
async fn a_3d_nvdb_geopackage_with_text_road_keepers_loads_in_2d_with_codes_and_true_bounds() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&path, &["statlig", "Kommunal", " enskild "]);
    let file = path.display().to_string();
    let report = load_json(&db, "nvdb_vagnat", &file, &[]);
    assert_eq!(report[0]["rows_loaded"], 3);
    assert_eq!(report[0]["rows_flattened"], 3);
    assert_eq!(report[0]["dropped_dimensions"], "Z");

    let client = db.client().await;
    let t = table(&db, "nvdb_vagnat").await;
    let row = client
        .query_one(
            &format!(
                "SELECT array_agg(vaghallare ORDER BY fid), bool_and(ST_NDims(geom) = 2 AND ST_NDims(geom_3006) = 2),
                        ST_Extent(ST_Transform(geom_3006, 4326))::geometry AS e
                 FROM rummet_data.{t}"
            ),
            &[],
        )
        .await
        .expect("version");
    assert_eq!(
        row.get::<_, Vec<i64>>(0),
        vec![1, 2, 3],
        "codes stored, text looked up"
    );
    assert!(row.get::<_, bool>(1), "stored in 2D");
    let truth = client
        .query_one(
            &format!(
                "SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)] FROM
                 (SELECT ST_Extent(ST_Transform(geom_3006, 4326)) AS e FROM rummet_data.{t}) x"
            ),
            &[],
        )
        .await
        .expect("extent")
        .get::<_, Vec<f64>>(0);
    let bounds: Vec<f64> = client
        .query_one(
            "SELECT bounds FROM rummet.datasets WHERE id = 'nvdb_vagnat'",
            &[],
        )
        .await
        .expect("bounds")
        .get(0);
    for (b, t) in bounds.iter().zip(&truth) {
        // 1e-7 degrees is about a centimetre: far within a pixel at zoom 14.
        assert!(
            (b - t).abs() < 1e-7,
            "bounds {bounds:?}, data extent {truth:?}"
        );
    }
}

#[tokio::test]
async fn a_coded_value_that_is_neither_code_nor_meaning_fails_naming_file_feature_and_field() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("Sverigepaket_TP.gpkg");
    nvdb_3d(&path, &["statlig", "privat", "enskild"]);
    let file = path.display().to_string();
    assert_eq!(
        refused(&db, &["load", "nvdb_vagnat", "--file", &file]),
        format!(
            "error: {file}: feature 2, field \"Vaghallare_Vaghallartyp\": \"privat\" is neither a code \
             nor a meaning in the catalog's list (1 = statlig, 2 = kommunal, 3 = enskild)"
        )
    );
    assert_eq!(
        version(&db, "nvdb_vagnat").await,
        None,
        "nothing half-loaded"
    );
}

#[tokio::test]
async fn a_per_lan_lamningar_extract_loads_by_layer_pattern_and_field_alias() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lämningar_län_jönköping.gpkg");
    lamningar_lan(&path, "jönköping", true);
    let file = path.display().to_string();
    for (id, flattened) in [
        ("lamningar", 0),
        ("lamningar_linje", 0),
        ("lamningar_yta", 3),
    ] {
        let report = load_json(&db, id, &file, &[]);
        assert_eq!(report[0]["rows_loaded"], 3, "{id}");
        assert_eq!(report[0]["rows_flattened"], flattened, "{id}");
    }
    let t = table(&db, "lamningar_yta").await;
    let uuids: Vec<String> = db
        .client()
        .await
        .query_one(
            &format!("SELECT array_agg(uuid ORDER BY fid) FROM rummet_data.{t}"),
            &[],
        )
        .await
        .expect("uuids")
        .get(0);
    assert_eq!(
        uuids,
        ["lamning_uuid 0", "lamning_uuid 1", "lamning_uuid 2"]
    );
    let report = load_json(&db, "lamningar_yta", &file, &["--dry-run"]);
    assert_eq!(report[0]["dropped_dimensions"], "ZM");
}

#[tokio::test]
async fn a_file_whose_layers_match_nothing_is_refused_with_its_layers_and_layer_picks_one() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("export.gpkg");
    lamning_points(
        &path,
        &[("fornlamningar", "POINT"), ("ovriga", "MULTIPOINT")],
    );
    let file = path.display().to_string();
    assert_eq!(
        refused(&db, &["load", "lamningar", "--file", &file]),
        format!(
            "error: {file}: not a readable GeoPackage file: no layer matching \"lämningar_*_point\" and not one \
             layer of MultiPoint geometries among them (layers: fornlamningar (POINT), ovriga (MULTIPOINT)): \
             choose one with --layer"
        )
    );
    assert_eq!(
        refused(
            &db,
            &["load", "lamningar", "--file", &file, "--layer", "nej"]
        ),
        format!(
            "error: {file}: not a readable GeoPackage file: no layer \"nej\" (layers: fornlamningar (POINT), ovriga (MULTIPOINT))"
        )
    );
    let report = load_json(&db, "lamningar", &file, &["--layer", "ovriga"]);
    assert_eq!(report[0]["rows_loaded"], 2);
}

#[tokio::test]
async fn a_required_field_missing_under_every_name_fails_listing_the_fields_the_layer_has() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("lämningar_län_kalmar.gpkg");
    lamningar_lan(&path, "kalmar", false);
    let file = path.display().to_string();
    assert_eq!(
        refused(&db, &["load", "lamningar", "--file", &file]),
        format!(
            "error: {file}, layer lämningar_län_kalmar_point: required field \"uuid\" (nor \"lamning_uuid\") is \
             missing (the file has: fid, geom, lamningsnummer, raa_nummer, lamningstyp, lamningsnamn, \
             antikvariskbedomning, aktualitetstatus, skadestatus, lan, kommun, socken)"
        )
    );
}

#[tokio::test]
async fn an_optional_field_the_file_lacks_is_a_warning_in_the_report_on_stderr_and_in_the_registry()
{
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("vbk_vindkraftverk.gpkg");
    let e = entry("vindkraftverk");
    // Vindbrukskollen's export as it was before the power field was added under any name.
    let fields: Vec<_> = e
        .fields
        .iter()
        .filter(|f| f.column != "effekt_mw")
        .collect();
    gpkg::write(
        &path,
        3006,
        &[Layer {
            name: "vbk_vindkraftverk",
            geometry_type: Some("POINT"),
            columns: fields
                .iter()
                .map(|f| (f.source.clone(), sqlite_type(f.kind)))
                .collect(),
            rows: (0..3)
                .map(|i| {
                    (
                        gpkg::wkb(1, 2, false, &[square(i)[..1].to_vec()]),
                        fields.iter().map(|f| value(f.kind, i)).collect(),
                    )
                })
                .collect(),
        }],
    );
    let file = path.display().to_string();
    let out = rummet(
        &db,
        &[
            "load",
            "vindkraftverk",
            "--file",
            &file,
            "--json",
            "--no-seed",
        ],
    );
    let report = ok(&out);
    let warning = format!(
        "{file}, layer vbk_vindkraftverk: optional field \"Maxeffekt\" (nor \"EFFEKT_MW\") is not in the file, \
         so column effekt_mw is empty (the file has: fid, geom, VERKID, STATUS, KOMMUN, TOTALHOJD, SenasteUppdatering)"
    );
    assert_eq!(report[0]["warnings"], serde_json::json!([warning]));
    assert_eq!(stderr(&out).trim_end(), format!("warning: {warning}"));
    let registered: Vec<String> = db
        .client()
        .await
        .query_one(
            "SELECT warnings FROM rummet.datasets WHERE id = 'vindkraftverk'",
            &[],
        )
        .await
        .expect("registry")
        .get(0);
    assert_eq!(registered, [warning]);
}

#[tokio::test]
async fn shapefile_z_and_geojson_altitudes_load_in_2d_and_are_reported() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let nr = fixtures::shapefile_z(entry("naturreservat"), dir.path());
    let report = load_json(&db, "naturreservat", &nr.display().to_string(), &[]);
    assert_eq!(report[0]["dropped_dimensions"], "Z");
    // The reserve whose decision is not in force is filtered out before it is counted.
    assert_eq!(
        report[0]["rows_flattened"],
        fixtures::kept(entry("naturreservat"))
    );

    let vindbruk = entry("riksintresse_vindbruk");
    let path = fixtures::write(vindbruk, dir.path());
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    for f in json["features"].as_array_mut().expect("features") {
        add_altitude(&mut f["geometry"]["coordinates"]);
    }
    std::fs::write(&path, json.to_string()).expect("write");
    let report = load_json(
        &db,
        "riksintresse_vindbruk",
        &path.display().to_string(),
        &[],
    );
    assert_eq!(report[0]["dropped_dimensions"], "Z");
    assert_eq!(report[0]["rows_loaded"], 3);
}

/// Appends an altitude of 120 m to every position.
fn add_altitude(v: &mut serde_json::Value) {
    if let Some(a) = v.as_array_mut() {
        if a.first().is_some_and(serde_json::Value::is_number) {
            a.push(serde_json::json!(120.0));
        } else {
            a.iter_mut().for_each(add_altitude);
        }
    }
}

#[tokio::test]
async fn the_catalog_publishes_filtered_rows_and_load_warnings() {
    let app = crate::support::TestApp::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let nr = fixtures::write(entry("naturreservat"), dir.path());
    load_json(&app.db, "naturreservat", &nr.display().to_string(), &[]);
    let id = DatasetId::parse("naturreservat").expect("id");
    app.state
        .datasets
        .reload(&app.state.pool, &id)
        .await
        .expect("registry");
    let catalog = app.get("/catalog").await.json();
    let nr = catalog["datasets"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["id"] == "naturreservat"))
        .cloned()
        .expect("naturreservat in /catalog");
    assert_eq!(nr["rows_filtered"], 1, "{nr}");
    assert_eq!(nr["warnings"], serde_json::json!([]));
}

#[tokio::test]
async fn a_layer_read_because_it_is_the_files_one_of_its_family_is_said_in_a_warning() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("punkter.gpkg");
    lamning_points(&path, &[("punkter", "POINT")]);
    let file = path.display().to_string();
    let report = load_json(&db, "lamningar", &file, &[]);
    assert_eq!(report[0]["rows_loaded"], 2);
    assert_eq!(
        report[0]["warnings"][0],
        format!(
            "{file}: no layer matches \"lämningar_*_point\": read \"punkter\", the file's one layer of MultiPoint geometries"
        )
    );
}
