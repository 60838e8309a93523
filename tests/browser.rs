//! The atlas in real headless Chromium (driven by `tests/browser/atlas.mjs` with
//! playwright-core) over the production router: the demo divisions, a naturreservat of a
//! different size in every kommun of Jönköpings län, the catalog's fixture of lämningar, and
//! the hand-computed accessibility world of `tests/population.rs` (a division `tkommun`, a
//! population grid, flood polygons, Pipos services, and its three road links as NVDB). The
//! script reports what the page drew and said; this test holds it to the API's own numbers
//! and to the hand-computed ones.

use std::path::Path;

use rummet_core::DatasetId;
use rummet_loaders::catalog::{self, SourceFormat};
use serde_json::{Value, json};

use rummet::access::{self, Scope};
use rummet::views::{self, ViewInput};

use crate::support::{TestApp, fixtures, geojson};

/// One square reserve around a point inside each kommun of län 06, growing kommun by kommun,
/// so a share by kommun has as many distinct values as kommuner.
async fn reserves(app: &TestApp) {
    let client = app.db.client().await;
    let points = client
        .query(
            "SELECT code, ST_X(point), ST_Y(point) FROM rummet.division_units
             WHERE division = 'kommun' AND code LIKE '06%' ORDER BY code",
            &[],
        )
        .await
        .expect("kommun points");
    assert_eq!(points.len(), 13, "Jönköpings län has 13 kommuner");
    let features: Vec<(Value, Value)> = points
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (x, y): (f64, f64) = (row.get(1), row.get(2));
            let half = 600.0 + 350.0 * f64::from(u32::try_from(i).unwrap_or(0));
            let ring = [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]
                .map(|(dx, dy)| [x + dx, y + dy]);
            let properties = json!({"NVRID": format!("20{i:05}"), "NAMN": format!("Reservat {}", row.get::<_, String>(0)),
                                    "SKYDDSTYP": "Naturreservat", "BESLSTATUS": "Gällande", "IUCNKAT": "IV",
                                    "AREA_HA": (2.0 * half) * (2.0 * half) / 10_000.0});
            (properties, json!({"type": "Polygon", "coordinates": [ring]}))
        })
        .collect();
    let mut entry = catalog::get(&DatasetId::parse("naturreservat").expect("id"))
        .expect("in catalog")
        .clone();
    entry.source.format = SourceFormat::GeoJson;
    entry.source.file = "NR.geojson".into();
    geojson::load(app, &entry, features).await;
}

/// A public map view saved by a region's publish key: its permalink, and the key.
async fn saved_view(app: &TestApp) -> (String, String) {
    let client = app.db.client().await;
    access::add_organisation(&client, "region-jonkoping", "Region Jönköpings län")
        .await
        .expect("organisation");
    let key = access::create_key(&client, "region-jonkoping", Scope::Publish, "atlas test")
        .await
        .expect("key");
    let principal = access::authenticate(&client, &key.key).await.expect("key");
    let input: ViewInput = serde_json::from_value(
        json!({"title": "Skyddad natur i Jönköpings län", "state": SAVED_STATE}),
    )
    .expect("view");
    let view = views::create(&client, &principal, &input)
        .await
        .expect("saved");
    (format!("/m/{}", view.slug), key.key)
}

/// A GeoJSON of three squares in Jönköping (WGS 84), for the publishing panel to upload.
fn upload_file(dir: &Path) -> std::path::PathBuf {
    let features: Vec<Value> = [14.10, 14.13, 14.16]
        .iter()
        .enumerate()
        .map(|(i, x)| {
            json!({"type": "Feature", "properties": {"Namn": format!("Område {}", i + 1)},
                   "geometry": {"type": "Polygon", "coordinates": [[[x, 57.7], [x + 0.02, 57.7], [x + 0.02, 57.72], [x, 57.72], [x, 57.7]]]}})
        })
        .collect();
    let path = dir.join("Strukturbild 2040.geojson");
    let doc = json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, doc.to_string()).expect("upload file");
    path
}

/// What the saved view shows: reserves at 80 %, län 06, the share of each kommun covered.
const SAVED_STATE: &str = "l=naturreservat@0.8&r=lan:06&c=naturreservat;share;kommun;region;quantile;4;YlGn;&v=7/57.6/14.5";

/// The thematic datasets the layer list shows: the test's own and the accessibility world's.
const LISTED: [&str; 6] = [
    "befolkning_1km",
    "lamningar",
    "naturreservat",
    "nvdb_vagnat",
    "pipos_service",
    "tflood",
];

/// What the accessibility panel is set to: groceries by car within 5 minutes, by `tkommun`.
const ACCESS_CHOICES: &str = "service=Dagligvaror&profile=car&within=5&by=tkommun";

/// Serves `app` on loopback, runs `tests/browser/atlas.mjs` against it for län 06 (and the
/// saved view `saved`) and returns its report.
async fn run_atlas(app: &TestApp, dir: &Path, saved: &str, publish: (&str, &Path)) -> Value {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = rummet::http::router(app.state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let shot = tempfile::Builder::new()
        .suffix(".png")
        .tempfile()
        .expect("tmp");
    let out = tokio::process::Command::new("node")
        .arg(dir.join("atlas.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(shot.path())
        .arg("06")
        .arg(saved)
        .env("RUMMET_PUBLISH_KEY", publish.0)
        .env("RUMMET_PUBLISH_FILE", publish.1)
        .env("RUMMET_PUBLISH_NAME", "strukturbild")
        .env("RUMMET_ACCESS", ACCESS_CHOICES)
        .output()
        .await
        .expect("node runs (deploy/test.sh installs Node.js)");
    server.abort();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the browser script failed: {stderr}");
    assert!(
        std::fs::metadata(shot.path()).is_ok_and(|m| m.len() > 10_000),
        "no screenshot; the script said: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The publishing panel's report: a key entered, a file dropped, the job followed to its
/// end, and the new layer listed and drawn with the key on its tiles (it is the
/// organisation's, so unseen without it).
async fn published_through_the_panel(app: &TestApp, p: &Value) {
    assert_eq!(p["job_state"], "succeeded", "{p}");
    assert_eq!(p["dataset_id"], "region-jonkoping.strukturbild", "{p}");
    assert_eq!(p["layer_listed"], true, "{p}");
    assert_eq!(p["tiles_requested"], true, "{p}");
    assert_eq!(p["errors"], json!([]), "{p}");
    assert_eq!(p["key_in_url"], false, "{p}");
    assert_eq!(p["key_in_local_storage"], false, "{p}");
    assert_eq!(p["listed_after_logout"], false, "{p}");
    let count = app
        .get("/collections/region-jonkoping.strukturbild/items")
        .await;
    assert_eq!(
        count.status,
        axum::http::StatusCode::NOT_FOUND,
        "org data, unseen without the key"
    );
}

/// The accessibility panel's report for [`ACCESS_CHOICES`], against the hand-computed world
/// of `tests/population.rs`: Ana 100 %, Bro 70 % (c5's 30 people have no road) and 87.5 % in
/// all (210 of 240), in the table and in the choropleth's source; the travel-time squares
/// drawn over the units at 0, 2, 3 and 5 minutes (the store's own square, then 80, 160 and
/// 300 seconds away) and c5, unreachable, without a time.
fn accessibility_through_the_panel(a: &Value) {
    assert_eq!(a["error"], Value::Null, "{a}");
    // People are areal weights: a share may be off by float noise.
    let near = |v: &Value, want: f64| v.as_f64().is_some_and(|x| (x - want).abs() < 1e-6);
    for (name, share) in [("Ana", 100.0), ("Bro", 70.0)] {
        assert!(near(&a["table_values"][name], share), "table, {name}: {a}");
        assert!(near(&a["source"][name], share), "choropleth, {name}: {a}");
    }
    assert!(near(&a["total_value"], 87.5), "{a}");
    assert_eq!(a["grid"]["minutes"], json!([0, 2, 3, 5]), "{a}");
    assert_eq!(a["grid"]["unreachable_people"], json!([30]), "{a}");
    assert!(
        a["csv"]
            .as_str()
            .is_some_and(|u| u.contains("format=csv") && u.contains("by=tkommun")),
        "{a}"
    );
    assert!(
        a["method"]
            .as_str()
            .is_some_and(|m| m.starts_with("Travel time")),
        "{a}"
    );
    let legend = strings(&a["legend"]);
    let groups = legend.iter().filter(|t| t.contains("Dagligvaror")).count();
    assert_eq!(groups, 2, "the shares and the minutes: {a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_atlas_draws_every_layer_labels_a_choropleth_and_a_drawn_area_as_the_api_counts_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "the browser test needs `npm ci --prefix tests/browser` and Chromium (deploy/test.sh installs both)"
    );
    let app = TestApp::new().await;
    reserves(&app).await;
    let files = tempfile::tempdir().expect("tmp");
    let entry = catalog::get(&DatasetId::parse("lamningar").expect("id")).expect("in catalog");
    let sub = files.path().join("lamningar");
    std::fs::create_dir_all(&sub).expect("dir");
    geojson::load_file(&app.state, entry, fixtures::write(entry, &sub)).await;
    // Its road is the NVDB here: a later load of NVDB's fixture would recompute the travel
    // times over roads far from its people.
    crate::population::access_world(&app, files.path()).await;
    let (saved, key) = saved_view(&app).await;
    let upload = upload_file(files.path());
    let r = run_atlas(&app, &dir, &saved, (&key, &upload)).await;

    assert_eq!(r["script_error"], Value::Null, "{r}");
    for key in ["console_errors", "page_errors", "failed_requests"] {
        assert_eq!(r[key], json!([]), "{key}: {r}");
    }
    let mut listed = strings(&r["datasets"]);
    listed.sort_unstable();
    assert_eq!(listed, LISTED);
    for id in listed {
        let drawn = r["layers"][id]["features"].as_u64().unwrap_or(0);
        assert!(drawn > 0, "{id} drew nothing: {}", r["layers"][id]);
    }
    // Labels: glyphs were asked for and every request answered.
    let glyphs = r["glyphs"].as_array().expect("glyphs");
    assert!(!glyphs.is_empty(), "no label glyphs were requested");
    assert!(glyphs.iter().all(|g| g["status"] == 200), "{glyphs:?}");

    // Five classes asked, five drawn; the legend runs from the API's least to its greatest.
    let choro = &r["choropleth"];
    assert_eq!(choro["k"], 5);
    assert_eq!(choro["classes_drawn"], 5, "{choro}");
    assert_eq!(choro["values_match_api"], true, "{choro}");
    let api: Vec<f64> = choro["api_values"]
        .as_object()
        .expect("api values")
        .values()
        .filter_map(Value::as_f64)
        .collect();
    assert_eq!(api.len(), 13);
    // Each class as [from, to]: from the API's least value up to its greatest, gapless.
    let bounds: Vec<(f64, f64)> = choro["bounds"]
        .as_array()
        .expect("bounds")
        .iter()
        .filter_map(|b| Some((b[0].as_f64()?, b[1].as_f64()?)))
        .collect();
    let (least, greatest) = api
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, g), v| (l.min(*v), g.max(*v)));
    assert_eq!(bounds.len(), 5, "{choro}");
    assert!((bounds[0].0 - least).abs() < 1e-9 && (bounds[4].1 - greatest).abs() < 1e-9);
    assert!(bounds.windows(2).all(|w| (w[0].1 - w[1].0).abs() < 1e-12));
    assert_eq!(choro["legend"].as_array().map(Vec::len), Some(5));

    assert_eq!(r["area"]["all_agree"], true, "{}", r["area"]);
    assert_eq!(r["round_trip"]["equal"], true, "{}", r["round_trip"]);

    // Swedish, MapLibre's own controls included; English on request.
    assert_eq!(r["lang"], "sv");
    assert!(
        strings(&r["ui_strings"]).contains(&"Lager"),
        "{}",
        r["ui_strings"]
    );
    assert!(strings(&r["control_titles"]).contains(&"Zooma in"));
    assert_eq!(r["english"]["lang"], "en");
    assert_eq!(r["english"]["zoom_in"], "Zoom in");

    // The screenshot by content: the map is painted, and in the label colour.
    for key in ["pixels_initial", "pixels_choropleth"] {
        let painted = r[key]["painted_share"].as_f64().unwrap_or(0.0);
        assert!(painted > 0.05, "{key}: {}", r[key]);
        assert_eq!(
            r[key]["label_colour_present"], true,
            "{key}: the label colour is missing: {}",
            r[key]
        );
    }
    assert!(r["export"]["width"].as_u64().is_some_and(|w| w > 0));

    // Every visible thematic dataset comes in one composite tile, not a request per dataset.
    assert_eq!(r["composite"]["ok"], true, "{}", r["composite"]);

    // A layer too small to see at the overview says so, and its button zooms to where it shows.
    assert_eq!(r["zoom_hint"]["ok"], true, "{}", r["zoom_hint"]);
    // The population grid is drawn from zoom 5, the road links and flood polygons of the
    // accessibility world are too short or small for zoom 3: the hint is exercised.
    assert_eq!(r["zoom_hint"]["exercised"], true, "{}", r["zoom_hint"]);
    // A saved view's permalink opens the atlas in the saved state.
    let state = &r["saved_view"]["state"];
    assert_eq!(state["layers"][0]["id"], "naturreservat", "{state}");
    assert_eq!(state["choro"]["measure"], "share", "{state}");
    assert_eq!(state["choro"]["k"], 4, "{state}");

    // A shared link naming what is not here loads the rest and says what was skipped.
    assert_eq!(r["bad_input"]["names_missing"], true, "{}", r["bad_input"]);
    assert!(strings(&r["bad_input"]["layers"]).contains(&"naturreservat"));

    accessibility_through_the_panel(&r["access"]);
    published_through_the_panel(&app, &r["publish"]).await;
}
