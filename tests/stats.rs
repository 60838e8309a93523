//! Statistics: every measure checked against answers worked out by hand on squares either side
//! of a division border (two of them overlapping), and against hand-written PostGIS queries on
//! the real kommun boundaries; drawn areas, border zones, formats, reloads and bad questions.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use rummet_loaders::pipeline::LoadReport;

use crate::support::TestApp;
use crate::support::geojson::{entry, load};

/// Where the hand-made fixtures lie in SWEREF 99 TM: two 10 × 10 km units, A west of B.
const X0: f64 = 460_000.0;
const Y0: f64 = 6_400_000.0;

/// A rectangle from (x1, y1) to (x2, y2) in metres from the fixtures' origin.
fn rect(x1: f64, y1: f64, x2: f64, y2: f64) -> Value {
    let (a, b, c, d) = (X0 + x1, Y0 + y1, X0 + x2, Y0 + y2);
    json!({"type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]]})
}

fn line(points: &[(f64, f64)]) -> Value {
    let coords: Vec<[f64; 2]> = points.iter().map(|(x, y)| [X0 + x, Y0 + y]).collect();
    json!({"type": "LineString", "coordinates": coords})
}

fn point(x: f64, y: f64) -> Value {
    json!({"type": "Point", "coordinates": [X0 + x, Y0 + y]})
}

/// The two units, then reserves R1 (straddling, 100 ha), R2 (inside A, overlapping R1 by
/// 3 km², 90 ha) and R3 (inside B, 10 ha); road L1 across both (8 km each side) and L2 inside
/// B (3 km); points: two in A, one in B.
async fn hand_made(app: &TestApp) {
    let units = entry(
        "testruta",
        "division",
        "polygon",
        &[("kod", "text"), ("namn", "text")],
    );
    load(
        app,
        &units,
        vec![
            (
                json!({"kod": "A", "namn": "Västra"}),
                rect(0.0, 0.0, 10_000.0, 10_000.0),
            ),
            (
                json!({"kod": "B", "namn": "Östra"}),
                rect(10_000.0, 0.0, 20_000.0, 10_000.0),
            ),
        ],
    )
    .await;
    let reserves = entry(
        "testreservat",
        "thematic",
        "polygon",
        &[("namn", "text"), ("typ", "text"), ("area_ha", "double")],
    );
    load(
        app,
        &reserves,
        vec![
            (
                json!({"namn": "R1", "typ": "NR", "area_ha": 100.0}),
                rect(5_000.0, 2_000.0, 15_000.0, 4_000.0),
            ),
            (
                json!({"namn": "R2", "typ": "NR", "area_ha": 90.0}),
                rect(6_000.0, 3_000.0, 9_000.0, 6_000.0),
            ),
            (
                json!({"namn": "R3", "typ": "NVO", "area_ha": 10.0}),
                rect(12_000.0, 6_000.0, 13_000.0, 7_000.0),
            ),
        ],
    )
    .await;
    let roads = entry("testvag", "thematic", "line", &[("klass", "integer")]);
    load(
        app,
        &roads,
        vec![
            (
                json!({"klass": 1}),
                line(&[(2_000.0, 5_000.0), (18_000.0, 5_000.0)]),
            ),
            (
                json!({"klass": 2}),
                line(&[(12_000.0, 8_000.0), (15_000.0, 8_000.0)]),
            ),
        ],
    )
    .await;
    let points = entry("testpunkt", "thematic", "point", &[("typ", "text")]);
    load(
        app,
        &points,
        vec![
            (json!({"typ": "hög"}), point(3_000.0, 3_000.0)),
            (json!({"typ": "hög"}), point(4_000.0, 7_000.0)),
            (json!({"typ": "sten"}), point(15_000.0, 5_000.0)),
        ],
    )
    .await;
}

async fn ok(app: &TestApp, uri: &str) -> Value {
    let reply = app.get(uri).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

/// `(code, value)` of each row.
fn values(answer: &Value) -> Vec<(String, f64)> {
    answer["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["code"].as_str().expect("code").to_owned(),
                r["value"].as_f64().unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= expected.abs() * 0.001 + 1e-6
}

fn assert_values(answer: &Value, expected: &[(&str, f64)], total: f64) {
    let got = values(answer);
    assert_eq!(got.len(), expected.len(), "rows: {got:?}");
    for ((code, value), (want_code, want)) in got.iter().zip(expected) {
        assert_eq!(code, want_code);
        assert!(
            close(*value, *want),
            "{code}: {value} != {want} in {answer}"
        );
    }
    let t = answer["totals"]["value"].as_f64().expect("total");
    assert!(close(t, total), "total {t} != {total}");
}

#[tokio::test]
async fn every_measure_by_a_division_agrees_with_hand_counted_squares() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    let by = "by=testruta";
    let count = ok(&app, &format!("/api/stats/testreservat?{by}")).await;
    assert_values(&count, &[("A", 2.0), ("B", 2.0)], 3.0);
    assert_eq!(count["totals"]["features"], 3);
    assert_eq!(count["unit"], "features");
    assert_eq!(count["licence"], "CC0 1.0");
    assert_eq!(count["rows"][0]["name"], "Västra");

    let area = ok(&app, &format!("/api/stats/testreservat?{by}&measure=area")).await;
    assert_values(&area, &[("A", 19e6), ("B", 11e6)], 30e6);
    // The share dissolves R1 and R2 where they overlap: A is 10 + 9 - 3 km² of 100.
    let share = ok(&app, &format!("/api/stats/testreservat?{by}&measure=share")).await;
    assert_values(&share, &[("A", 16.0), ("B", 11.0)], 13.5);
    assert_eq!(share["unit"], "%");

    let sum = ok(
        &app,
        &format!("/api/stats/testreservat?{by}&measure=sum:area_ha"),
    )
    .await;
    assert_values(&sum, &[("A", 190.0), ("B", 110.0)], 200.0);
    let avg = ok(
        &app,
        &format!("/api/stats/testreservat?{by}&measure=avg:area_ha"),
    )
    .await;
    assert_values(&avg, &[("A", 95.0), ("B", 55.0)], 200.0 / 3.0);
    // The same through the query path (a filter every feature passes) as through the
    // aggregates precomputed at load.
    let filtered = ok(
        &app,
        &format!("/api/stats/testreservat?{by}&measure=avg:area_ha&where=area_ha%20%3E%200"),
    )
    .await;
    assert_values(&filtered, &[("A", 95.0), ("B", 55.0)], 200.0 / 3.0);
    let min = ok(
        &app,
        &format!("/api/stats/testreservat?{by}&measure=min:area_ha"),
    )
    .await;
    assert_values(&min, &[("A", 90.0), ("B", 10.0)], 10.0);
    let max = ok(
        &app,
        &format!("/api/stats/testreservat?{by}&measure=max:area_ha"),
    )
    .await;
    assert_values(&max, &[("A", 100.0), ("B", 100.0)], 100.0);

    let length = ok(&app, &format!("/api/stats/testvag?{by}&measure=length")).await;
    assert_values(&length, &[("A", 8_000.0), ("B", 11_000.0)], 19_000.0);
    let points = ok(&app, &format!("/api/stats/testpunkt?{by}")).await;
    assert_values(&points, &[("A", 2.0), ("B", 1.0)], 3.0);
}

#[tokio::test]
async fn where_and_group_narrow_and_split_the_rows() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    let nr = ok(
        &app,
        "/api/stats/testreservat?by=testruta&measure=share&where=typ%20%3D%20'NR'",
    )
    .await;
    assert_values(&nr, &[("A", 16.0), ("B", 10.0)], 13.0);
    assert_eq!(nr["where"], "typ = 'NR'");

    let grouped = ok(&app, "/api/stats/testreservat?by=testruta&group=typ").await;
    let rows: Vec<(String, String, f64)> = grouped["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["code"].as_str().expect("code").to_owned(),
                r["group"].as_str().expect("group").to_owned(),
                r["value"].as_f64().expect("value"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("A".into(), "NR".into(), 2.0),
            ("B".into(), "NR".into(), 1.0),
            ("B".into(), "NVO".into(), 1.0)
        ]
    );
    // Grouped shares dissolve within each group; the total dissolves each unit whole.
    let shares = ok(
        &app,
        "/api/stats/testreservat?by=testruta&measure=share&group=typ",
    )
    .await;
    let got: Vec<f64> = shares["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["value"].as_f64().expect("value"))
        .collect();
    assert_eq!(got.len(), 3, "{shares}");
    for (value, want) in got.iter().zip([16.0, 10.0, 1.0]) {
        assert!(close(*value, want), "{value} != {want} in {shares}");
    }
    let total = shares["totals"]["value"].as_f64().expect("total");
    assert!(close(total, 13.5), "total {total}");

    let by_class = ok(
        &app,
        "/api/stats/testvag?by=testruta&measure=length&group=klass&where=klass%20in%20(1,2)%20and%20klass%20%3E%3D%201",
    )
    .await;
    let rows = by_class["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2]["group"], json!(2.0));
    assert!(close(rows[2]["value"].as_f64().expect("value"), 3_000.0));

    // Filtered by one few-valued field and not grouped: every unit has a row (A has none of
    // class 2), and L1, in both units, counts once in the total.
    let class2 = ok(
        &app,
        "/api/stats/testvag?by=testruta&measure=length&where=klass%20%3D%202",
    )
    .await;
    assert_values(&class2, &[("A", 0.0), ("B", 3_000.0)], 3_000.0);
    let class1 = ok(
        &app,
        "/api/stats/testvag?by=testruta&measure=count&where=klass%20%3C%202",
    )
    .await;
    assert_values(&class1, &[("A", 1.0), ("B", 1.0)], 1.0);
}

#[tokio::test]
async fn a_drawn_area_measures_what_lies_inside_it_in_either_crs() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    // The west 7.5 km of unit A: 2.5 × 2 km of R1 and 1.5 × 3 km of R2.
    let mut polygon = rect(0.0, 0.0, 7_500.0, 10_000.0);
    polygon["crs"] = json!({"type": "name", "properties": {"name": "EPSG:3006"}});
    let area = app
        .post_geojson("/api/stats/testreservat/area?measure=area", &polygon)
        .await;
    assert_eq!(
        area.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&area.body)
    );
    let area = area.json();
    assert_values(&area, &[("area", 5e6 + 4.5e6)], 9.5e6);
    assert!(close(
        area["context"]["area_m2"].as_f64().expect("area"),
        75e6
    ));
    // Its share dissolves the 1.5 km² where R1 and R2 overlap: 8 of 75 km². Inside the units
    // it is read from the cover dissolved at load; sticking out of them (to x = -5 km) it is
    // cut and dissolved on the fly. Both agree with the hand count.
    let share = app
        .post_geojson("/api/stats/testreservat/area?measure=share", &polygon)
        .await;
    assert_values(&share.json(), &[("area", 800.0 / 75.0)], 800.0 / 75.0);
    let mut wider = rect(-5_000.0, 0.0, 7_500.0, 10_000.0);
    wider["crs"] = polygon["crs"].clone();
    let share = app
        .post_geojson("/api/stats/testreservat/area?measure=share", &wider)
        .await;
    assert_values(&share.json(), &[("area", 800.0 / 125.0)], 800.0 / 125.0);

    // The same rectangle in WGS 84, from PostGIS: the answer agrees to 0.1 %.
    let client = app.db.client().await;
    let wgs84: String = client
        .query_one(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($1), 3006), 4326), 9)",
            &[&rect(0.0, 0.0, 7_500.0, 10_000.0).to_string()],
        )
        .await
        .expect("transform")
        .get(0);
    let geometry: Value = serde_json::from_str(&wgs84).expect("geojson");
    let feature = json!({"type": "Feature", "properties": {}, "geometry": geometry});
    let reply = app
        .post_geojson("/api/stats/testvag/area?measure=length", &feature)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    // L1 runs from x = 2 km: 5.5 km of it lies in the west 7.5 km.
    assert!(close(
        reply.json()["rows"][0]["value"].as_f64().expect("value"),
        5_500.0
    ));
}

#[tokio::test]
async fn a_border_zone_is_measured_on_each_side() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    let zone = ok(
        &app,
        "/api/stats/testreservat/border?a=testruta:A&b=testruta:B&within=1km&measure=area",
    )
    .await;
    // R1 is the only reserve within 1 km of x = 10 km: 1 × 2 km² on each side.
    assert_values(&zone, &[("testruta:A", 2e6), ("testruta:B", 2e6)], 4e6);
    // The border is where the units' boundaries lie within 50 m of each other: 10 km, plus
    // up to 50 m of the edges meeting it at each end.
    let border = zone["context"]["border_length_m"].as_f64().expect("length");
    assert!((10_000.0..=10_100.0).contains(&border), "{border}");
    let roads = ok(
        &app,
        "/api/stats/testvag/border?a=testruta:A&b=testruta:B&within=1000m&measure=length",
    )
    .await;
    assert_values(
        &roads,
        &[("testruta:A", 1_000.0), ("testruta:B", 1_000.0)],
        2_000.0,
    );

    // Real län: Jönköpings and Kalmar län share a border.
    let lan = ok(
        &app,
        "/api/stats/kommun/border?a=lan:06&b=lan:08&within=5km&measure=area",
    )
    .await;
    assert_eq!(lan["rows"].as_array().expect("rows").len(), 2);
    assert!(lan["context"]["border_length_m"].as_f64().expect("border") > 50_000.0);
    let far = app.get("/api/stats/kommun/border?a=lan:01&b=lan:25").await;
    assert_eq!(far.status, StatusCode::BAD_REQUEST);
    assert!(
        far.json()["message"]
            .as_str()
            .expect("message")
            .contains("share no border")
    );
}

/// An app with `testreservat`, the squares of [`straddling_squares`], and its load report.
async fn straddling_reserves() -> (TestApp, LoadReport) {
    let app = TestApp::new().await;
    let reserves = entry(
        "testreservat",
        "thematic",
        "polygon",
        &[("namn", "text"), ("typ", "text"), ("area_ha", "double")],
    );
    let report = load(&app, &reserves, straddling_squares()).await;
    (app, report)
}

/// Squares of 12 km over the Jönköping–Habo–Mullsjö–Vaggeryd borders, overlapping each other.
fn straddling_squares() -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for i in 0..4 {
        for j in 0..4 {
            let (x, y) = (
                f64::from(i) * 9_000.0 - 30_000.0,
                f64::from(j) * 9_000.0 - 30_000.0,
            );
            out.push((
                json!({"namn": format!("K{i}{j}"), "typ": if (i + j) % 2 == 0 { "NR" } else { "NVO" }, "area_ha": f64::from(i * 4 + j)}),
                rect(x, y, x + 12_000.0, y + 12_000.0),
            ));
        }
    }
    out
}

#[tokio::test]
async fn statistics_per_kommun_agree_with_a_hand_written_postgis_query() {
    let (app, report) = straddling_reserves().await;
    let kommun = app
        .state
        .datasets
        .get_any(&rummet_core::DatasetId::parse("kommun").expect("id"))
        .expect("kommun");
    // What an analyst would write by hand, straight from the two tables.
    let sql = format!(
        "SELECT k.kommun_kod,
                count(*) FILTER (WHERE ST_Area(ST_Intersection(kg, rg)) > 0) AS n,
                sum(ST_Area(ST_Intersection(kg, rg))) AS area,
                100 * ST_Area(ST_Union(ST_Intersection(kg, rg))) / ST_Area(kg) AS share
         FROM rummet_data.{k} k JOIN rummet_data.{r} r ON ST_Intersects(k.geom, r.geom),
              LATERAL (SELECT ST_Transform(k.geom, 3006) AS kg, ST_Transform(r.geom, 3006) AS rg) t
         GROUP BY k.kommun_kod, kg HAVING sum(ST_Area(ST_Intersection(kg, rg))) > 0 ORDER BY 1",
        k = kommun.table_name,
        r = report.table
    );
    let expected = app
        .db
        .client()
        .await
        .query(&sql, &[])
        .await
        .expect("hand-written");
    assert!(expected.len() >= 3, "the squares straddle several kommuner");
    let count = ok(&app, "/api/stats/testreservat?by=kommun").await;
    let area = ok(&app, "/api/stats/testreservat?by=kommun&measure=area").await;
    let share = ok(&app, "/api/stats/testreservat?by=kommun&measure=share").await;
    let lookup = |answer: &Value, code: &str| {
        answer["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["code"] == code)
            .and_then(|r| r["value"].as_f64())
            .unwrap_or_else(|| panic!("no row {code}"))
    };
    for row in &expected {
        let code: String = row.get(0);
        let n: i64 = row.get(1);
        let a: f64 = row.get(2);
        let s: f64 = row.get(3);
        #[expect(clippy::cast_precision_loss, reason = "small counts")]
        let n = n as f64;
        assert!(close(lookup(&count, &code), n), "count in {code}");
        assert!(
            close(lookup(&area, &code), a),
            "area in {code}: {} vs {a}",
            lookup(&area, &code)
        );
        assert!(
            close(lookup(&share, &code), s),
            "share in {code}: {} vs {s}",
            lookup(&share, &code)
        );
    }
    // Every other kommun gets a zero row, for a choropleth.
    assert_eq!(count["rows"].as_array().expect("rows").len(), 290);
}

#[tokio::test]
async fn in_keeps_only_the_units_inside_a_lan_and_formats_carry_the_same_rows() {
    let (app, _) = straddling_reserves().await;
    let json = ok(
        &app,
        "/api/stats/testreservat?by=kommun&in=lan:06&measure=area",
    )
    .await;
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 13, "Jönköpings län has 13 kommuner");
    assert!(
        rows.iter()
            .all(|r| r["code"].as_str().expect("code").starts_with("06"))
    );

    let csv = app
        .get("/api/stats/testreservat?by=kommun&in=lan:06&measure=area&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = String::from_utf8(csv.body.to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "code,name,value,unit,features,unit_area_m2");
    assert_eq!(lines.len(), 14);
    assert!(lines[1].starts_with(&format!(
        "{},{},",
        rows[0]["code"].as_str().expect("code"),
        rows[0]["name"].as_str().expect("name")
    )));

    let geojson = app
        .get("/api/stats/testreservat?by=kommun&in=lan:06&measure=area&format=geojson")
        .await;
    assert_eq!(geojson.header("content-type"), Some("application/geo+json"));
    let doc = geojson.json();
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().expect("features");
    assert_eq!(features.len(), 13);
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    let lon = features[0]["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .expect("lon");
    assert!((10.0..25.0).contains(&lon), "WGS 84 longitude: {lon}");
    assert_eq!(features[0]["properties"]["value"], rows[0]["value"]);
    assert_eq!(doc["totals"], json["totals"]);
}

#[tokio::test]
async fn in_may_name_several_units_and_answers_their_kommuner_together() {
    let (app, _) = straddling_reserves().await;
    // The regions' pilot area: Östergötland, Jönköping and Kalmar.
    let mut expected = Vec::new();
    for lan in ["05", "06", "08"] {
        let one = ok(
            &app,
            &format!("/api/stats/testreservat?by=kommun&in=lan:{lan}&measure=share"),
        )
        .await;
        expected.extend(values(&one));
    }
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let together = ok(
        &app,
        "/api/stats/testreservat?by=kommun&in=lan:05,lan:06,lan:08,lan:06&measure=share",
    )
    .await;
    assert_eq!(together["in"], "lan:05,lan:06,lan:08");
    let rows = values(&together);
    assert_eq!(rows.len(), 13 + 13 + 12);
    for ((code, value), (want_code, want)) in rows.iter().zip(&expected) {
        assert_eq!(code, want_code);
        assert!(
            close(*value, *want) || value.is_nan() && want.is_nan(),
            "{code}"
        );
    }
    // The total share is of the three län's kommuner together, not an average of three.
    let covered: f64 = together["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["value"].as_f64().unwrap_or(0.0) * r["unit_area_m2"].as_f64().unwrap_or(0.0))
        .sum();
    let area: f64 = together["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["unit_area_m2"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(close(
        together["totals"]["value"].as_f64().expect("total"),
        covered / area
    ));

    let many = (1..=51)
        .map(|i| format!("kommun:{i:04}"))
        .collect::<Vec<_>>()
        .join(",");
    let reply = app
        .get(&format!("/api/stats/testreservat?by=kommun&in={many}"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app
        .get("/api/stats/testreservat?by=kommun&in=lan:05,lan:99")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"99\""))
    );
}

#[tokio::test]
async fn a_reload_is_answered_with_the_new_numbers_at_once() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    let before = ok(&app, "/api/stats/testpunkt?by=testruta").await;
    assert_values(&before, &[("A", 2.0), ("B", 1.0)], 3.0);
    let points = entry("testpunkt", "thematic", "point", &[("typ", "text")]);
    load(
        &app,
        &points,
        vec![(json!({"typ": "hög"}), point(15_000.0, 1_000.0))],
    )
    .await;
    let after = ok(&app, "/api/stats/testpunkt?by=testruta").await;
    assert_values(&after, &[("A", 0.0), ("B", 1.0)], 1.0);
    assert_ne!(before["version"], after["version"]);
    // Reloading the division re-measures every dataset by it.
    let units = entry(
        "testruta",
        "division",
        "polygon",
        &[("kod", "text"), ("namn", "text")],
    );
    load(
        &app,
        &units,
        vec![(
            json!({"kod": "C", "namn": "Hela"}),
            rect(0.0, 0.0, 20_000.0, 10_000.0),
        )],
    )
    .await;
    let whole = ok(&app, "/api/stats/testreservat?by=testruta&measure=area").await;
    assert_values(&whole, &[("C", 30e6)], 30e6);
    // The overlays of replaced versions went with them.
    let client = app.db.client().await;
    let count = |sql: &'static str| {
        let client = &client;
        async move {
            client
                .query_one(sql, &[])
                .await
                .expect("count")
                .get::<_, i64>(0)
        }
    };
    let tables = count("SELECT count(*) FROM pg_tables WHERE schemaname = 'rummet_data'").await;
    let overlays = count("SELECT count(*) FROM rummet.overlays").await;
    assert_eq!(tables, app.db.data_tables().await + overlays);
}

/// Questions that must be refused: the request, the error code, and what the message says.
const BAD_QUESTIONS: &[(&str, &str, &str)] = &[
    ("/api/stats/nosuch", "unknown_dataset", "nosuch"),
    (
        "/api/stats/testreservat?by=testvag",
        "unknown_division",
        "testruta",
    ),
    (
        "/api/stats/testreservat?by=nosuch",
        "unknown_division",
        "kommun",
    ),
    (
        "/api/stats/testreservat?measure=volume",
        "invalid_measure",
        "count, length",
    ),
    (
        "/api/stats/testreservat?measure=sum:typ",
        "invalid_measure",
        "typ is text",
    ),
    (
        "/api/stats/testreservat?measure=sum:nosuch",
        "unknown_field",
        "no field \"nosuch\"",
    ),
    (
        "/api/stats/testvag?measure=share",
        "invalid_measure",
        "needs polygons",
    ),
    (
        "/api/stats/testpunkt?measure=length",
        "invalid_measure",
        "needs lines",
    ),
    (
        "/api/stats/testreservat?group=nosuch",
        "unknown_field",
        "namn, typ, area_ha",
    ),
    (
        "/api/stats/testreservat?where=nosuch%3D1",
        "invalid_where",
        "no field",
    ),
    (
        "/api/stats/testreservat?where=typ%20%3D%20'NR'%3B%20DROP%20TABLE%20rummet.datasets",
        "invalid_where",
        "unexpected",
    ),
    (
        "/api/stats/testreservat?where=typ%20%3D%20'NR'%20OR%201%3D1",
        "invalid_where",
        "expected a field name",
    ),
    (
        "/api/stats/testreservat?where=area_ha%20%3D%20'x'",
        "invalid_where",
        "holds a number",
    ),
    (
        "/api/stats/testreservat?mesure=area",
        "invalid_parameter",
        "unknown parameter \"mesure\"",
    ),
    (
        "/api/stats/testreservat?in=lan",
        "invalid_parameter",
        "<division>:<code>",
    ),
    (
        "/api/stats/testreservat?by=kommun&in=lan:99",
        "unknown_division",
        "no unit with code \"99\"",
    ),
    (
        "/api/stats/testreservat?format=xlsx",
        "invalid_parameter",
        "json, csv, geojson",
    ),
    (
        "/api/stats/testreservat/border?a=testruta:A",
        "invalid_parameter",
        "b= is required",
    ),
    (
        "/api/stats/testreservat/border?a=testruta:A&b=testruta:B&within=500km",
        "invalid_parameter",
        "at most 50 km",
    ),
];

#[tokio::test]
async fn bad_questions_get_a_400_saying_what_was_wrong() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    for &(uri, code, says) in BAD_QUESTIONS {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        let body = reply.json();
        assert_eq!(body["error"], code, "{uri}: {body}");
        assert!(
            body["message"].as_str().expect("message").contains(says),
            "{uri}: {body}"
        );
    }
    // The injection attempt changed nothing.
    assert_eq!(
        ok(&app, "/api/stats/testreservat?by=testruta").await["totals"]["features"],
        3
    );
}

#[tokio::test]
async fn a_drawn_area_that_is_no_usable_polygon_gets_a_400_or_413() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[14.0, 57.0], [14.1, 57.1], [14.1, 57.0], [14.0, 57.1], [14.0, 57.0]]]});
    let polygons = [
        (bowtie, StatusCode::BAD_REQUEST, "not valid"),
        (
            json!({"type": "Point", "coordinates": [14.0, 57.0]}),
            StatusCode::BAD_REQUEST,
            "has no area",
        ),
        (
            rect(0.0, 0.0, 1000.0, 1000.0),
            StatusCode::BAD_REQUEST,
            "outside Sweden; coordinates in SWEREF 99 TM must declare crs EPSG:3006",
        ),
        (
            json!({"type": "Polygon", "coordinates": [[[14.0, 57.0], [14.1, 57.1], [14.1, 57.0]]]}),
            StatusCode::BAD_REQUEST,
            "at least four positions",
        ),
        (
            json!({"type": "Polygon", "coordinates": [[[11.0, 55.5], [24.0, 55.5], [24.0, 69.0], [11.0, 69.0], [11.0, 55.5]]]}),
            StatusCode::BAD_REQUEST,
            "at most 200000 km²",
        ),
    ];
    for (polygon, status, says) in polygons {
        let reply = app
            .post_geojson("/api/stats/testreservat/area", &polygon)
            .await;
        assert_eq!(reply.status, status, "{polygon}");
        assert!(
            reply.json()["message"]
                .as_str()
                .expect("message")
                .contains(says),
            "{}",
            reply.json()
        );
    }
    let ring: Vec<[f64; 2]> = (0..=20_000)
        .map(|i| {
            let a = f64::from(i) / 20_000.0 * std::f64::consts::TAU;
            [14.0 + 0.1 * a.cos(), 57.0 + 0.1 * a.sin()]
        })
        .collect();
    let huge = json!({"type": "Polygon", "coordinates": [ring]});
    let reply = app
        .post_geojson("/api/stats/testreservat/area", &huge)
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.json()["error"], "too_large");
    let not_json = app
        .request(
            Request::post("/api/stats/testreservat/area")
                .body(Body::from("{not json"))
                .expect("request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.json()["error"], "invalid_geometry");
}

#[tokio::test]
async fn the_openapi_document_describes_statistics_and_tiles() {
    let app = TestApp::new().await;
    let doc = ok(&app, "/api/openapi.json").await;
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
        "/api/stats/{dataset}",
        "/api/stats/{dataset}/area",
        "/api/stats/{dataset}/border",
        "/tiles/{dataset}/{z}/{x}/{y}.mvt",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let params = doc["paths"]["/api/stats/{dataset}"]["get"]["parameters"]
        .as_array()
        .expect("parameters");
    let by = params.iter().find(|p| p["name"] == "by").expect("by");
    let divisions = by["schema"]["enum"].as_array().expect("enum");
    for d in ["fa", "kommun", "lan"] {
        assert!(divisions.contains(&json!(d)), "{d} not among {divisions:?}");
    }
}
