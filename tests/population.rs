//! Population-weighted statistics and accessibility (issue 17), on a hand-made world whose
//! answers are computed by hand: SCB's population grid in SCB's published shape, a division
//! of two units, flood polygons, three NVDB links and Pipos service points, all loaded through
//! the production pipeline into PostGIS.
//!
//! The world (SWEREF 99 TM, 1 km cells by their south-west corner, y 6 400 000 unless said):
//! - unit A: x 400–402 km; unit B: x 402–404 km, y 6 400–6 410 km;
//! - cells c1 (400 km) 100 people, c2 (401) 40, c3 (402) 60, c4 (403.5, half in B, half
//!   outside every unit) 20, c5 (402, y 6 408 km: no road within reach) 30.
//!   A holds 140 people, B 60 + 10 + 30 = 100.
//! - flood polygons x 400.5–401.5 and x 400.5–400.75 (overlapping) in A, x 402–402.25 in B:
//!   half of c1 and half of c2 (70 people) in A, a quarter of c3 (15) in B.
//! - a road along y 6 400 500 from x 400 500 to 403 500, three 1 km links at 50 km/h (80 s
//!   each by car at the 0.9 driving factor, 720 s on foot); a grocery store at its west end
//!   (in A) and a pharmacy at its east end (in B).

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, CatalogEntry, SourceFormat};
use rummet_loaders::pipeline::{self, LoadOptions};
use rummet_loaders::read::Input;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, decode, geojson, gpkg};

const Y0: f64 = 6_400_000.0;

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

/// The cells: (west, south, people).
const CELLS: [(f64, f64, i64); 5] = [
    (400_000.0, Y0, 100),
    (401_000.0, Y0, 40),
    (402_000.0, Y0, 60),
    (403_500.0, Y0, 20),
    (402_000.0, 6_408_000.0, 30),
];

/// SCB's 1 km grid as SCB publishes it: a GeoPackage whose layer is `befolkning_1km_<year>`,
/// geometry column `sp_geometry`, fields `rutid_inspire`, `rutid_scb` (east then north of the
/// south-west corner), `rutstorl`, `beftotalt`, `man`, `kvinna`, `referenstid`.
fn scb_grid(path: &std::path::Path, cells: &[(f64, f64, i64)]) {
    let columns = [
        ("rutid_inspire", "TEXT"),
        ("rutid_scb", "TEXT"),
        ("rutstorl", "INTEGER"),
        ("beftotalt", "INTEGER"),
        ("man", "INTEGER"),
        ("kvinna", "INTEGER"),
        ("referenstid", "TEXT"),
    ];
    let rows = cells
        .iter()
        .map(|&(x, y, people)| {
            let ring: Vec<[f64; 4]> = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
                .iter()
                .map(|(dx, dy)| [x + dx * 1000.0, y + dy * 1000.0, 0.0, 0.0])
                .collect();
            #[expect(clippy::cast_possible_truncation, reason = "whole metres")]
            let (e, n) = (x as i64, y as i64);
            let values = vec![
                Sql::Text(format!("SE_CRS3006RES1000mN{n}E{e}")),
                Sql::Text(format!("{e}{n}")),
                Sql::Integer(1000),
                Sql::Integer(people),
                // Disclosure control: the parts need not add up to the total.
                Sql::Integer(people / 2 + 1),
                Sql::Integer(people / 2),
                Sql::Text("20241231".into()),
            ];
            (gpkg::wkb(3, 2, false, &[ring]), values)
        })
        .collect();
    let layer = gpkg::Layer {
        name: "befolkning_1km_2024",
        geometry_type: Some("MULTIPOLYGON"),
        columns: columns.iter().map(|(n, t)| ((*n).to_owned(), *t)).collect(),
        rows,
    };
    gpkg::write_with(path, 3006, &[layer], "sp_geometry");
}

fn catalog_entry(id: &str) -> CatalogEntry {
    catalog::get(&DatasetId::parse(id).expect("id"))
        .expect("catalog")
        .clone()
}

async fn load(app: &TestApp, entry: &CatalogEntry, path: std::path::PathBuf) {
    geojson::load_file(&app.state, entry, path).await;
}

/// Loads the division `tkommun`: unit A (x 400–402 km) and B (x 402–404 km, y to 6 410 km).
async fn two_units(app: &TestApp) {
    let division = geojson::entry(
        "tkommun",
        "division",
        "polygon",
        &[("kod", "text"), ("namn", "text")],
    );
    geojson::load(
        app,
        &division,
        vec![
            (
                json!({"kod": "A", "namn": "Ana"}),
                rect(400_000.0, Y0, 402_000.0, Y0 + 1000.0),
            ),
            (
                json!({"kod": "B", "namn": "Bro"}),
                rect(402_000.0, Y0, 404_000.0, 6_410_000.0),
            ),
        ],
    )
    .await;
}

/// Loads the division `tkommun`, the flood polygons `tflood` and the population grid.
async fn people_world(app: &TestApp, dir: &std::path::Path) {
    two_units(app).await;
    let flood = geojson::entry("tflood", "thematic", "polygon", &[("klass", "text")]);
    let klass = json!({"klass": "100"});
    geojson::load(
        app,
        &flood,
        vec![
            (klass.clone(), rect(400_500.0, Y0, 401_500.0, Y0 + 1000.0)),
            (klass.clone(), rect(400_500.0, Y0, 400_750.0, Y0 + 1000.0)),
            (klass, rect(402_000.0, Y0, 402_250.0, Y0 + 1000.0)),
        ],
    )
    .await;
    let grid = dir.join("befolkning_1km_2024.gpkg");
    scb_grid(&grid, &CELLS);
    load(app, &catalog_entry("befolkning_1km"), grid).await;
}

fn text(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-6)
}

fn row<'a>(answer: &'a Value, code: &str) -> &'a Value {
    answer["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["code"] == code))
        .unwrap_or_else(|| panic!("no row {code} in {answer}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_people_inside_flood_polygons_are_counted_per_unit_by_areal_weighting_overlaps_once() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("dir");
    people_world(&app, dir.path()).await;

    let reply = app
        .get("/api/stats/tflood?by=tkommun&measure=population")
        .await;
    assert_eq!(reply.status, 200, "{}", text(&reply));
    let answer = reply.json();
    let (a, b) = (row(&answer, "A"), row(&answer, "B"));
    assert!(
        close(&a["value"], 70.0) && close(&a["people"], 140.0),
        "{a}"
    );
    assert!(
        close(&b["value"], 15.0) && close(&b["people"], 100.0),
        "{b}"
    );
    assert!(close(&answer["totals"]["value"], 85.0), "{answer}");
    assert!(close(&answer["totals"]["people"], 240.0), "{answer}");
    assert_eq!(answer["unit"], "people");
    assert_eq!(answer["population"]["dataset"], "befolkning_1km");
    assert!(
        answer["population"]["method"]
            .as_str()
            .is_some_and(|m| m.starts_with("Areal weighting")),
        "{answer}"
    );

    let share = app
        .get("/api/stats/tflood?by=tkommun&measure=population_share")
        .await
        .json();
    assert!(close(&row(&share, "A")["value"], 50.0), "{share}");
    assert!(close(&row(&share, "B")["value"], 15.0), "{share}");
    assert!(close(&share["totals"]["value"], 100.0 * 85.0 / 240.0));

    // The grid itself is measured by its people per unit.
    let grid = app.get("/api/stats/befolkning_1km?by=tkommun").await.json();
    assert!(close(&row(&grid, "A")["value"], 140.0), "{grid}");
    assert!(close(&row(&grid, "B")["value"], 100.0), "{grid}");
    assert_eq!(grid["measure"], "population");
    let reply = app
        .get("/api/stats/befolkning_1km?by=tkommun&measure=area")
        .await;
    assert_eq!(reply.status, 400, "{}", text(&reply));
    // No unit of tkommun lies in Kiruna: no rows, and zeros, not a failure.
    let none = app
        .get("/api/stats/tflood?by=tkommun&measure=population_share&in=kommun:2584")
        .await;
    assert_eq!(none.status, 200, "{}", text(&none));
    assert!(close(&none.json()["totals"]["people"], 0.0));

    let csv = app
        .get("/api/stats/tflood?by=tkommun&measure=population&format=csv")
        .await;
    let text = text(&csv);
    assert!(text.starts_with("code,name,value,unit,features,unit_area_m2,people\r\n"));
    assert!(
        text.contains("\r\nA,Ana,70,people,2,2000000,140\r\n"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drawn_area_counts_its_people_and_those_inside_on_the_fly_and_wrong_questions_are_refused()
 {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("dir");
    people_world(&app, dir.path()).await;

    // c1 alone: 100 people, half of them inside the flood polygons.
    let area = rect(400_000.0, Y0, 401_000.0, Y0 + 1000.0);
    let reply = app
        .post_geojson(
            "/api/stats/tflood/area?measure=population_share&crs=EPSG:3006",
            &area,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", text(&reply));
    let answer = reply.json();
    let drawn = &answer["rows"][0];
    assert!(close(&drawn["people"], 100.0), "{answer}");
    assert!(close(&drawn["value"], 50.0), "{answer}");
    assert_eq!(drawn["features"], 2, "{answer}");

    for (uri, code) in [
        (
            "/api/stats/tflood?by=tkommun&measure=population&where=klass='100'",
            "invalid_measure",
        ),
        (
            "/api/stats/tkommun?by=tflood&measure=population",
            "unknown_division",
        ),
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, 400, "{uri}: {}", text(&reply));
        assert_eq!(reply.json()["code"], code, "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn population_measures_without_a_population_grid_say_what_to_load() {
    let app = TestApp::new().await;
    let flood = geojson::entry("tflood", "thematic", "polygon", &[("klass", "text")]);
    geojson::load(
        &app,
        &flood,
        vec![(json!({}), rect(400_500.0, Y0, 401_500.0, Y0 + 1000.0))],
    )
    .await;
    let reply = app
        .get("/api/stats/tflood?by=kommun&measure=population")
        .await;
    assert_eq!(reply.status, 409, "{}", text(&reply));
    let body = reply.json();
    assert_eq!(body["code"], "no_population");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("befolkning_1km")),
        "{body}"
    );
}

/// Pipos' export: `;`-separated Windows-1252 with X/Y in SWEREF 99 TM.
fn pipos_csv(path: &std::path::Path, rows: &[(&str, f64, f64)]) {
    let mut text = b"Typ;Namn;Kommun;Ort;X;Y\r\n".to_vec();
    for (kind, x, y) in rows {
        text.extend_from_slice(format!("{kind};Butik ").as_bytes());
        // "Öst" in Windows-1252.
        text.extend_from_slice(b"\xd6st;Ana;Ana;");
        text.extend_from_slice(format!("{x};{y}\r\n").as_bytes());
    }
    std::fs::write(path, text).expect("csv");
}

/// Loads the road as NVDB per the catalog: `links` are (from x, to x) along y 6 400 500.
async fn road(app: &TestApp, dir: &std::path::Path, links: &[(f64, f64)]) {
    let mut entry = catalog_entry("nvdb_vagnat");
    entry.source.format = SourceFormat::GeoJson;
    let mut features = Vec::new();
    for (i, (a, b)) in links.iter().enumerate() {
        let file = crate::network::link_file(
            dir,
            &format!("link{i}.geojson"),
            ([*a, Y0 + 500.0], [*b, Y0 + 500.0]),
            (50, 50),
        );
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");
        features.push(doc["features"][0].clone());
    }
    let doc = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
        "features": features,
    });
    let path = dir.join("nvdb.geojson");
    std::fs::write(&path, doc.to_string()).expect("write");
    load(app, &entry, path).await;
}

pub(crate) async fn access_world(app: &TestApp, dir: &std::path::Path) {
    people_world(app, dir).await;
    road(
        app,
        dir,
        &[
            (400_500.0, 401_500.0),
            (401_500.0, 402_500.0),
            (402_500.0, 403_500.0),
        ],
    )
    .await;
    let csv = dir.join("serviceanalys.csv");
    pipos_csv(
        &csv,
        &[
            ("Dagligvaror", 400_500.0, Y0 + 500.0),
            ("Apotek", 403_500.0, Y0 + 500.0),
        ],
    );
    let mut client = app.db.client().await;
    let report = pipeline::load(
        &mut client,
        &catalog_entry("pipos_service"),
        &Input::File(csv),
        LoadOptions::default(),
    )
    .await
    .expect("pipos");
    let access = &report.access[0];
    assert_eq!(
        (access.cells, access.cells_without_road),
        (5, 1),
        "{access:?}"
    );
    app.state
        .datasets
        .reload_all(&app.state.pool)
        .await
        .expect("registry");
}

fn access_row(app_answer: &Value, code: &str) -> (f64, f64, f64) {
    let r = row(app_answer, code);
    // People are areal weights: rounded to a millionth against float noise.
    let f = |k: &str| (r[k].as_f64().unwrap_or(f64::NAN) * 1e6).round() / 1e6;
    (f("people"), f("within"), f("unreachable"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_share_within_a_travel_time_counts_a_cell_exactly_at_it_a_store_across_the_border_and_not_a_cell_without_road()
 {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("dir");
    access_world(&app, dir.path()).await;
    let ask = |q: &str| format!("/api/access/pipos_service?by=tkommun&{q}");

    // By car to the store in A: c1 0 s, c2 80 s, c3 160 s (in B: across the border), c4's
    // node 240 s plus 500 m at 30 km/h (60 s) = 300 s, exactly 5 min; c5 has no road.
    let reply = app.get(&ask("service=dagligvaror&within=5min")).await;
    assert_eq!(reply.status, 200, "{}", text(&reply));
    let answer = reply.json();
    assert_eq!(access_row(&answer, "A"), (140.0, 140.0, 0.0));
    assert_eq!(access_row(&answer, "B"), (100.0, 70.0, 30.0));
    assert!(close(&row(&answer, "B")["share"], 70.0), "{answer}");
    assert!(close(&answer["totals"]["within"], 210.0), "{answer}");
    assert_eq!(answer["network"]["dataset"], "nvdb_vagnat");
    assert_eq!(answer["population"]["dataset"], "befolkning_1km");

    let list = app.get("/api/access").await.json();
    assert_eq!(list["access"][0]["dataset"], "pipos_service", "{list}");
    assert_eq!(
        list["access"][0]["service_types"],
        json!(["Apotek", "Dagligvaror"])
    );

    let four = app.get(&ask("service=dagligvaror&within=4")).await.json();
    assert_eq!(access_row(&four, "B"), (100.0, 60.0, 30.0), "{four}");

    // On foot 1 km takes 720 s: c2 is exactly 12 min away, c3 24.
    let walk = app
        .get(&ask("service=dagligvaror&within=12min&profile=walk"))
        .await
        .json();
    assert_eq!(access_row(&walk, "A"), (140.0, 140.0, 0.0), "{walk}");
    assert_eq!(access_row(&walk, "B"), (100.0, 0.0, 30.0), "{walk}");

    // The pharmacy at the east end: c4 is one minute away (its connector), c3 two.
    let pharmacy = app.get(&ask("service=apotek&within=1min")).await.json();
    assert_eq!(
        access_row(&pharmacy, "B"),
        (100.0, 10.0, 30.0),
        "{pharmacy}"
    );
    assert_eq!(access_row(&pharmacy, "A"), (140.0, 0.0, 0.0), "{pharmacy}");

    let csv = app
        .get(&ask("service=dagligvaror&within=5min&format=csv"))
        .await;
    let csv = text(&csv);
    assert!(
        csv.starts_with("code,name,people,within,share,unreachable\r\nA,Ana,140,140,100,0\r\n"),
        "{csv}"
    );
    let geo = app
        .get(&ask("service=dagligvaror&within=5min&format=geojson"))
        .await
        .json();
    assert_eq!(geo["features"][1]["properties"]["share"], 70.0, "{geo}");
    assert_eq!(geo["features"][1]["geometry"]["type"], "MultiPolygon");
}

/// The travel-time tile at zoom 12 holding the point (`x`, 6 400 500).
async fn tile_uri(app: &TestApp, x: f64) -> String {
    let client = app.db.client().await;
    let row = client
        .query_one(
            "SELECT ST_X(p), ST_Y(p)
             FROM ST_Transform(ST_SetSRID(ST_MakePoint($1, 6400500), 3006), 4326) p",
            &[&x],
        )
        .await
        .expect("transform");
    let (lon, lat): (f64, f64) = (row.get(0), row.get(1));
    let n = f64::from(1u32 << 12);
    let tx = ((lon + 180.0) / 360.0 * n).floor();
    let ty = ((1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n).floor();
    format!("/tiles/access/pipos_service/dagligvaror/12/{tx}/{ty}.mvt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn travel_times_are_drawn_as_a_tile_and_recomputed_when_the_road_network_is_reloaded() {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("dir");
    access_world(&app, dir.path()).await;

    // The tiles at zoom 12 holding c1's and c2's centres.
    let mut minutes: Vec<String> = Vec::new();
    for centre in [400_500.0, 401_500.0] {
        let uri = tile_uri(&app, centre).await;
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, 200, "{uri}: {}", text(&reply));
        let layers = decode(&reply.body);
        let cells = &layers
            .iter()
            .find(|l| l.name == "access")
            .expect("layer")
            .features;
        minutes.extend(cells.iter().filter_map(|f| f.get("minutes").cloned()));
    }
    assert!(minutes.contains(&"0".to_owned()), "{minutes:?}");
    assert!(minutes.contains(&"2".to_owned()), "{minutes:?}");

    // The middle link closed: c4 joins only the eastern link and no longer reaches the store in
    // A; c3's centre is on the eastern link's west end and 1 km from the western link's east
    // end, one of its four nodes within reach: it joins there (120 s at 30 km/h, then 80 s).
    road(
        &app,
        dir.path(),
        &[(400_500.0, 401_500.0), (402_500.0, 403_500.0)],
    )
    .await;
    let answer = app
        .get("/api/access/pipos_service?by=tkommun&service=dagligvaror&within=60min")
        .await
        .json();
    assert_eq!(access_row(&answer, "B"), (100.0, 60.0, 40.0), "{answer}");

    // Below zoom 7 a tile would hold too many cells: empty.
    let low = app
        .get("/tiles/access/pipos_service/dagligvaror/5/17/9.mvt")
        .await;
    assert_eq!(low.status, 204);

    for (q, status) in [
        ("within=5min", 400),
        ("service=Bageri", 400),
        ("service=dagligvaror&within=soon", 400),
        ("service=dagligvaror&profile=bike", 400),
    ] {
        let reply = app
            .get(&format!("/api/access/pipos_service?by=tkommun&{q}"))
            .await;
        assert_eq!(reply.status, status, "{q}: {}", text(&reply));
    }
    let reply = app.get("/api/access/tflood?service=x").await;
    assert_eq!(reply.status, 409, "{}", text(&reply));

    // The network removed: its travel times no longer answer.
    let mut client = app.db.client().await;
    pipeline::versions::remove(&mut client, &DatasetId::parse("nvdb_vagnat").expect("id"))
        .await
        .expect("removed");
    app.state
        .datasets
        .reload_all(&app.state.pool)
        .await
        .expect("registry");
    let gone = app
        .get("/api/access/pipos_service?by=tkommun&service=dagligvaror")
        .await;
    assert_eq!(gone.status, 409, "{}", text(&gone));
}

/// SCB's table as `PxWebApi` answers `format=json-stat2`: the regions (the national total `00`
/// first, then the units), one content and one year.
fn scb_table(path: &std::path::Path, regions: &[(&str, &str, i64)]) {
    let index: serde_json::Map<String, Value> = regions
        .iter()
        .enumerate()
        .map(|(i, (code, _, _))| ((*code).to_owned(), json!(i)))
        .collect();
    let label: serde_json::Map<String, Value> = regions
        .iter()
        .map(|(code, name, _)| ((*code).to_owned(), json!(name)))
        .collect();
    let doc = json!({
        "version": "2.0", "class": "dataset",
        "label": "Folkmängden per region efter år", "source": "SCB", "updated": "2025-02-21T07:00:00Z",
        "id": ["Region", "ContentsCode", "Tid"], "size": [regions.len(), 1, 1],
        "dimension": {
            "Region": {"label": "region", "category": {"index": index, "label": label}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {
                "index": {"BE0101N1": 0}, "label": {"BE0101N1": "Folkmängd"},
                "unit": {"BE0101N1": {"base": "antal", "decimals": 0}}}},
            "Tid": {"label": "år", "category": {"index": {"2024": 0}, "label": {"2024": "2024"}}},
        },
        "value": regions.iter().map(|r| r.2).collect::<Vec<_>>(),
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
    });
    // PxWebApi v1 answers with a byte-order mark.
    std::fs::write(path, format!("\u{feff}{doc}")).expect("json-stat");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_population_table_by_unit_is_joined_to_its_division_by_code_and_counted_by_areal_weighting()
 {
    let app = TestApp::new().await;
    let dir = tempfile::tempdir().expect("dir");
    two_units(&app).await;
    let flood = geojson::entry("tflood", "thematic", "polygon", &[("klass", "text")]);
    geojson::load(
        &app,
        &flood,
        vec![(
            json!({"klass": "100"}),
            rect(400_500.0, Y0, 401_500.0, Y0 + 1000.0),
        )],
    )
    .await;
    // The catalog's table is by kommun; this one by the test's division.
    let mut table = catalog_entry("befolkning_kommun");
    if let Some(p) = table.population.as_mut() {
        p.join = Some("tkommun".into());
    }
    let path = dir.path().join("BE0101N1.json");
    scb_table(
        &path,
        &[("00", "Riket", 1500), ("A", "Ana", 1000), ("B", "Bro", 500)],
    );
    let report = {
        let mut client = app.db.client().await;
        pipeline::load(
            &mut client,
            &table,
            &Input::File(path),
            LoadOptions::default(),
        )
        .await
        .expect("the table loads")
    };
    assert_eq!((report.rows_read, report.rows_loaded), (3, 2), "{report:?}");
    assert!(
        report.warnings.iter().any(|w| w.contains("e.g. 00")),
        "the national total is left out, said: {:?}",
        report.warnings
    );
    app.state
        .datasets
        .reload_all(&app.state.pool)
        .await
        .expect("registry");

    let units = app
        .get("/api/stats/befolkning_kommun?by=tkommun")
        .await
        .json();
    assert!(close(&row(&units, "A")["value"], 1000.0), "{units}");
    assert!(close(&row(&units, "B")["value"], 500.0), "{units}");
    // The flood covers half of A (1 of 2 km²): half its people, by areal weighting.
    let inside = app
        .get("/api/stats/tflood?by=tkommun&measure=population")
        .await
        .json();
    assert!(close(&row(&inside, "A")["value"], 500.0), "{inside}");
    assert_eq!(inside["population"]["dataset"], "befolkning_kommun");

    refuses_tables_it_cannot_join(&app, &table, dir.path()).await;
}

/// Tables that cannot be joined are refused, saying why: varying by two dimensions, or by one
/// that is not the units' code.
async fn refuses_tables_it_cannot_join(app: &TestApp, table: &CatalogEntry, dir: &std::path::Path) {
    // A table varying by two dimensions cannot be joined: refused, saying which.
    let wide = dir.join("wide.json");
    let text = std::fs::read_to_string(dir.join("BE0101N1.json")).unwrap_or_default();
    let mut doc: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap_or_default();
    doc["size"] = json!([3, 1, 2]);
    doc["dimension"]["Tid"]["category"] = json!({"index": {"2023": 0, "2024": 1}});
    doc["value"] = json!([1, 2, 3, 4, 5, 6]);
    std::fs::write(&wide, doc.to_string()).expect("write");
    let mut client = app.db.client().await;
    let err = pipeline::load(
        &mut client,
        table,
        &Input::File(wide),
        LoadOptions::default(),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("Region and Tid"), "{err}");

    // One kommun over two years would be two overlapping kommuner: refused.
    let years = dir.join("years.json");
    doc["size"] = json!([1, 1, 2]);
    doc["dimension"]["Region"]["category"] = json!({"index": {"A": 0}, "label": {"A": "Ana"}});
    doc["value"] = json!([1000, 1010]);
    std::fs::write(&years, doc.to_string()).expect("write");
    let err = pipeline::load(
        &mut client,
        table,
        &Input::File(years),
        LoadOptions::default(),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("varies by Tid instead"), "{err}");
}

#[test]
fn a_directory_scan_loads_tables_after_the_rest_and_names_an_unnamed_table_ambiguous() {
    use rummet_loaders::discover;
    let dir = tempfile::tempdir().expect("dir");
    let rows = [("00", "Riket", 10), ("0114", "Upplands Väsby", 10)];
    scb_table(&dir.path().join("BE0101N1.json"), &rows);
    scb_table(&dir.path().join("tabell.json"), &rows);
    pipos_csv(
        &dir.path().join("serviceanalys.csv"),
        &[("Dagligvaror", 1.0, 2.0)],
    );
    let found = discover::scan(dir.path()).expect("scan");
    let ids: Vec<&str> = found.found.iter().map(|f| f.entry.id.as_str()).collect();
    assert_eq!(
        ids,
        ["pipos_service", "befolkning_kommun"],
        "the table last"
    );
    let skipped: Vec<String> = found.skipped.iter().map(|s| s.reason.clone()).collect();
    assert!(
        skipped
            .iter()
            .any(|r| r.contains("befolkning_deso and befolkning_kommun alike")),
        "{skipped:?}"
    );
}
