//! OGC API – Features through real clients over a real socket: GDAL's OAPIF and OGCAPI drivers
//! (`ogrinfo`, `ogr2ogr`), `OWSLib`, `openapi-spec-validator`, and a MapLibre page on another
//! origin in headless Chromium. Each tool is run as a child process against the production
//! router served on 127.0.0.1; a missing tool fails its test, naming what to install
//! (`deploy/setup.sh`'s `install_test_tools` installs them all).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::geojson::{entry, load};

const GDAL: &str = "GDAL's command-line tools: apt-get install gdal-bin";
const PYTHON: &str = "python3 with OWSLib and openapi-spec-validator: \
                      python3 -m pip install OWSLib openapi-spec-validator";
const NODE: &str = "Node.js and playwright-core: apt-get install nodejs npm chromium, \
                    then npm ci --prefix tests/browser";
const EPSG_3006: &str = "http://www.opengis.net/def/crs/EPSG/0/3006";

/// The production router of `app` on an ephemeral loopback port, until dropped.
struct Served {
    base: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(app: &TestApp) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = rummet::http::router(app.state.clone());
    let task = tokio::spawn(async move { axum::serve(listener, router).await });
    Served {
        base: format!("http://{addr}"),
        task,
    }
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/clients")
}

/// Runs `program` with `args` (and `env`), failing the test, naming `install`, when it is
/// missing, and with its output when it exits non-zero.
async fn run(program: &str, args: &[&str], env: &[(&str, &str)], install: &str) -> Output {
    let out = tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        // Loopback is never proxied, whatever the environment says.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}); this test needs {install}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed ({}); this test needs {install}\nstdout: {}\nstderr: {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `tests/clients/<script>` with `python3`, returning the JSON it printed.
async fn python(script: &str, args: &[&str]) -> Value {
    let path = clients_dir().join(script);
    let mut all = vec![path.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let out = run("python3", &all, &[], PYTHON).await;
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// `ogrinfo` with GDAL's debug output on, returning (stdout, the URLs GDAL fetched).
async fn ogrinfo(args: &[&str]) -> (String, Vec<String>) {
    let out = run("ogrinfo", args, &[("CPL_DEBUG", "ON")], GDAL).await;
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        fetched(&out.stderr),
    )
}

/// The URLs GDAL's HTTP layer reports fetching in its debug output.
fn fetched(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("HTTP: Fetch(")?.strip_suffix(')'))
        .map(str::to_owned)
        .collect()
}

/// The values of string field `field` in `ogrinfo -al` output, in the order printed.
fn string_values(ogrinfo_out: &str, field: &str) -> Vec<String> {
    let prefix = format!("{field} (String) = ");
    ogrinfo_out
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&prefix))
        .map(str::to_owned)
        .collect()
}

fn feature_count(ogrinfo_out: &str) -> Option<u64> {
    ogrinfo_out
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
}

/// A hand-made parcel: a pentagon in SWEREF 99 TM (easting, northing) near Stockholm whose
/// every vertex carries millimetres, the first with a hole.
fn plot(k: u32) -> Vec<Vec<[f64; 2]>> {
    let (e0, n0) = (
        674_032.517 + f64::from(k) * 250.0 + f64::from(k) * 0.011,
        6_580_821.304 + f64::from(k) * 0.007,
    );
    let at = |de: f64, dn: f64| [e0 + de, n0 + dn];
    let outer = vec![
        at(0.0, 0.0),
        at(80.123, 3.456),
        at(95.789, 60.001),
        at(40.404, 90.909),
        at(-5.555, 50.505),
        at(0.0, 0.0),
    ];
    let mut rings = vec![outer];
    if k == 0 {
        rings.push(vec![
            at(30.111, 30.222),
            at(30.111, 50.444),
            at(50.333, 50.444),
            at(50.333, 30.222),
            at(30.111, 30.222),
        ]);
    }
    rings
}

const PLOTS: u32 = 6;

/// The demo data and `tomter`: [`PLOTS`] parcels, `namn` "Tomt <k>".
async fn app_with_plots() -> TestApp {
    let app = TestApp::new().await;
    let tomter = entry(
        "tomter",
        "thematic",
        "polygon",
        &[("namn", "text"), ("nr", "integer")],
    );
    let features = (0..PLOTS)
        .map(|k| {
            (
                json!({"namn": format!("Tomt {k}"), "nr": k}),
                json!({"type": "Polygon", "coordinates": plot(k)}),
            )
        })
        .collect();
    load(&app, &tomter, features).await;
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_lists_every_collection_and_copies_all_290_kommuner_by_following_next_links() {
    let app = app_with_plots().await;
    let catalog = app.get("/catalog").await.json();
    let registered = catalog["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .find(|d| d["id"] == "kommun")
        .and_then(|d| d["features"].as_u64())
        .expect("kommun's feature count in the registry");
    assert_eq!(registered, 290);
    let served = serve(&app).await;
    let base = &served.base;

    let (listing, _) = ogrinfo(&["-ro", "-so", &format!("OAPIF:{base}")]).await;
    let layers: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(|l| l.split_once(": ")?.1.split(' ').next())
        .collect();
    assert_eq!(layers, ["fa", "kommun", "lan", "tomter"], "{listing}");
    assert!(
        listing.contains("kommun (title: Kommuner) (Multi Polygon)"),
        "{listing}"
    );

    let kommun = format!("OAPIF:{base}/collections/kommun");
    let (summary, _) = ogrinfo(&["-ro", "-so", &kommun, "kommun"]).await;
    assert_eq!(feature_count(&summary), Some(registered), "{summary}");
    for field in ["kommun_kod: String", "kommun: String", "area_m2: Real"] {
        assert!(summary.contains(field), "{field} in {summary}");
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("kommun.geojson");
    let out = run(
        "ogr2ogr",
        &[
            "-f",
            "GeoJSON",
            copy.to_str().expect("utf-8 path"),
            &kommun,
            "-oo",
            "PAGE_SIZE=50",
        ],
        &[("CPL_DEBUG", "ON")],
        GDAL,
    )
    .await;
    let pages: BTreeSet<String> = fetched(&out.stderr)
        .into_iter()
        .filter(|u| u.contains("/items?"))
        .collect();
    assert_eq!(
        pages.len(),
        6,
        "290 features in 6 distinct pages of 50, reached by next links: {pages:?}"
    );
    assert!(pages.iter().all(|u| u.contains("limit=50")), "{pages:?}");

    let doc: Value =
        serde_json::from_slice(&std::fs::read(&copy).expect("ogr2ogr's output")).expect("GeoJSON");
    let features = doc["features"].as_array().expect("features");
    assert_eq!(features.len() as u64, registered);
    let codes: BTreeSet<&str> = features
        .iter()
        .filter_map(|f| f["properties"]["kommun_kod"].as_str())
        .collect();
    assert_eq!(codes.len(), 290, "every kommun exactly once");
    let stockholm = features
        .iter()
        .find(|f| f["properties"]["kommun_kod"] == "0180")
        .expect("Stockholm");
    assert_eq!(stockholm["properties"]["kommun"], "Stockholm");
    assert_eq!(stockholm["geometry"]["type"], "MultiPolygon");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_pushes_where_and_spat_to_the_server_and_gets_what_it_selects_itself_from_a_copy() {
    let app = TestApp::new().await;
    let served = serve(&app).await;
    let kommun = format!("OAPIF:{}/collections/kommun", served.base);
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("kommun.geojson");
    let copy = copy.to_str().expect("utf-8 path");
    run(
        "ogr2ogr",
        &["-f", "GeoJSON", copy, &kommun, "-oo", "PAGE_SIZE=1000"],
        &[],
        GDAL,
    )
    .await;

    // GDAL translates these to CQL2 text (it reads filter-lang cql-text from /api); the LIKE
    // selects 26, so its pages of 10 follow next links that keep the filter.
    for filter in [
        "kommun_kod = '0180'",
        "kommun_kod LIKE '01%'",
        "area_m2 > 5000000000",
        "kommun = 'Malmö' OR kommun = 'Lund'",
        "kommun_kod >= '2500' AND area_m2 BETWEEN 1e9 AND 1e10",
        "NOT (area_m2 < 10000000000)",
    ] {
        let (remote, urls) =
            ogrinfo(&["-ro", "-al", "-geom=NO", "-q", &kommun, "-where", filter]).await;
        assert!(
            urls.iter()
                .any(|u| u.contains("filter=") && u.contains("filter-lang=cql-text")),
            "GDAL evaluated {filter:?} itself instead of sending it: {urls:?}"
        );
        let (local, _) = ogrinfo(&["-ro", "-al", "-geom=NO", "-q", copy, "-where", filter]).await;
        let mut got = string_values(&remote, "kommun_kod");
        let mut want = string_values(&local, "kommun_kod");
        got.sort();
        want.sort();
        assert!(!want.is_empty(), "{filter:?} selects something");
        assert_eq!(got, want, "{filter:?}: the server's selection");
    }

    let spat = ["-spat", "18.0", "59.3", "18.1", "59.35"];
    let mut args = vec!["-ro", "-al", "-geom=NO", "-q", kommun.as_str()];
    args.extend(spat);
    let (remote, urls) = ogrinfo(&args).await;
    assert!(
        urls.iter().any(|u| u.contains("bbox=18,59.")),
        "GDAL sends -spat as bbox: {urls:?}"
    );
    let mut args = vec!["-ro", "-al", "-geom=NO", "-q", copy];
    args.extend(spat);
    let (local, _) = ogrinfo(&args).await;
    let mut got = string_values(&remote, "kommun");
    let mut want = string_values(&local, "kommun");
    got.sort();
    want.sort();
    assert!(want.contains(&"Stockholm".to_owned()), "{want:?}");
    assert_eq!(got, want, "the server's bbox selection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdals_ogcapi_driver_opens_the_landing_page_and_lists_every_collection() {
    let app = TestApp::new().await;
    let served = serve(&app).await;
    let base = &served.base;
    let out = run("ogrinfo", &["-ro", &format!("OGCAPI:{base}")], &[], GDAL).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("Unexpected Content-Type"), "{stderr}");
    assert!(!stderr.contains("ERROR"), "{stderr}");
    let subdatasets: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().split_once("_NAME=").map(|(_, v)| v))
        .collect();
    let want: Vec<String> = ["fa", "kommun", "lan"]
        .iter()
        .map(|id| format!("OGCAPI:{base}/collections/{id}"))
        .collect();
    assert_eq!(subdatasets, want, "{stdout}");
    assert!(stdout.contains("DESC=Collection Kommuner"), "{stdout}");
}

/// Every vertex of `rings` (source order: easting, northing), closing ones left out.
fn vertices(rings: &[Vec<[f64; 2]>]) -> Vec<[f64; 2]> {
    rings
        .iter()
        .flat_map(|r| r[..r.len() - 1].iter().copied())
        .collect()
}

/// Every vertex of a GeoJSON (Multi)Polygon in EPSG:3006 as (easting, northing), closing
/// ones left out, and its number of rings.
fn wire_vertices(geometry: &Value) -> (Vec<[f64; 2]>, usize) {
    let polygons: Vec<&Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![&geometry["coordinates"]],
        Some("MultiPolygon") => geometry["coordinates"]
            .as_array()
            .expect("polygons")
            .iter()
            .collect(),
        other => panic!("not a polygon: {other:?}"),
    };
    let rings: Vec<&Vec<Value>> = polygons
        .iter()
        .flat_map(|p| p.as_array().expect("rings"))
        .map(|r| r.as_array().expect("ring"))
        .collect();
    let points = rings
        .iter()
        .flat_map(|r| r[..r.len() - 1].iter())
        .map(|p| {
            let (n, e) = (
                p[0].as_f64().expect("northing"),
                p[1].as_f64().expect("easting"),
            );
            [e, n]
        })
        .collect();
    (points, rings.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweref_99_tm_coordinates_reach_owslib_northing_first_and_to_the_millimetre() {
    let app = app_with_plots().await;
    let served = serve(&app).await;
    let got = python(
        "owslib_features.py",
        &["items", &served.base, "tomter", EPSG_3006],
    )
    .await;
    assert_eq!(got["content_crs"], format!("<{EPSG_3006}>"));
    let features = got["features"].as_array().expect("features");
    assert_eq!(features.len(), PLOTS as usize);
    let by_name: BTreeMap<&str, &Value> = features
        .iter()
        .map(|f| (f["properties"]["namn"].as_str().expect("namn"), f))
        .collect();
    for k in 0..PLOTS {
        let source = plot(k);
        let feature = by_name
            .get(format!("Tomt {k}").as_str())
            .unwrap_or_else(|| panic!("Tomt {k} in {by_name:?}"));
        let (wire, rings) = wire_vertices(&feature["geometry"]);
        assert_eq!(rings, source.len(), "Tomt {k}: rings");
        let want = vertices(&source);
        assert_eq!(wire.len(), want.len(), "Tomt {k}: vertices {wire:?}");
        for [e, n] in want {
            let nearest = wire
                .iter()
                .map(|[we, wn]| (we - e).hypot(wn - n))
                .fold(f64::INFINITY, f64::min);
            assert!(
                nearest <= 0.001,
                "Tomt {k}: source vertex E {e} N {n} is {nearest} m from the nearest one served \
                 (northing first): {wire:?}"
            );
        }
    }

    // A bbox in EPSG:3006 is northing first too: this one meets Tomt 0 and Tomt 1 only.
    let bbox = "6580800,674000,6580900,674400";
    let got = python(
        "owslib_features.py",
        &["items", &served.base, "tomter", EPSG_3006, bbox, EPSG_3006],
    )
    .await;
    let mut names: Vec<&str> = got["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["namn"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Tomt 0", "Tomt 1"], "{got}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owslib_reads_the_collections_items_one_feature_and_the_queryables() {
    let app = TestApp::new().await;
    let served = serve(&app).await;
    let got = python("owslib_features.py", &["summary", &served.base]).await;

    for rel in ["service-desc", "conformance", "data"] {
        assert!(
            got["landing_rels"]
                .as_array()
                .expect("rels")
                .contains(&json!(rel)),
            "{rel}: {got}"
        );
    }
    let conformance = got["conformance"].as_array().expect("conformance");
    assert!(conformance.contains(&json!(
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
    )));
    assert_eq!(got["collections"], json!(["fa", "kommun", "lan"]));
    assert_eq!(got["feature_collections"], json!(["fa", "kommun", "lan"]));

    let kommun = &got["kommun"];
    assert_eq!(kommun["id"], "kommun");
    assert_eq!(kommun["title"], "Kommuner");
    assert_eq!(kommun["itemCount"], 290);
    assert_eq!(kommun["storageCrs"], EPSG_3006);
    assert!(
        kommun["crs"]
            .as_array()
            .expect("crs")
            .contains(&json!(EPSG_3006))
    );

    let items = &got["items"];
    assert_eq!(items["type"], "FeatureCollection");
    assert_eq!(items["numberMatched"], 290);
    assert_eq!(items["numberReturned"], 10);
    assert_eq!(items["features"], 10);
    assert!(
        items["rels"]
            .as_array()
            .expect("rels")
            .contains(&json!("next")),
        "{items}"
    );
    assert_eq!(items["first_geometry_type"], "MultiPolygon");
    let one = &got["item"];
    assert_eq!(one["id"], items["first_id"]);
    for field in ["kommun_kod", "kommun"] {
        assert_eq!(
            one["properties"][field], items["first_properties"][field],
            "the feature alone and in its page"
        );
    }
    let in_page = items["first_properties"]["area_m2"].as_f64().expect("area");
    let alone = one["properties"]["area_m2"].as_f64().expect("area");
    // PostgreSQL's digits pass through untouched, alone as in a page.
    assert_eq!(in_page.to_bits(), alone.to_bits(), "{in_page} {alone}");

    assert_eq!(got["queryables"]["type"], "object");
    let queryables = &got["queryables"]["properties"];
    assert_eq!(queryables["kommun_kod"], "string");
    assert_eq!(queryables["kommun"], "string");
    assert_eq!(queryables["area_m2"], "number");
    assert!(
        queryables["geometry"]
            .as_str()
            .is_some_and(|r| r.contains("MultiPolygon")),
        "{queryables}"
    );

    assert!(
        got["api"]["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0")),
        "{got}"
    );
    let paths = got["api"]["paths"].as_array().expect("paths");
    for path in ["/collections", "/collections/kommun/items", "/conformance"] {
        assert!(paths.contains(&json!(path)), "{path} in {paths:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_openapi_documents_pass_openapi_spec_validator() {
    let app = TestApp::new().await;
    let served = serve(&app).await;
    let urls = [
        format!("{}/api", served.base),
        format!("{}/api/openapi.json", served.base),
    ];
    let got = python("openapi_validate.py", &[&urls[0], &urls[1]]).await;
    let docs = got.as_array().expect("one report per document");
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[0]["content_type"],
        "application/vnd.oai.openapi+json;version=3.0"
    );
    for doc in docs {
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.0")),
            "{doc}"
        );
        assert!(doc["paths"].as_u64().is_some_and(|n| n > 5), "{doc}");
        assert_eq!(doc["errors"], json!([]), "{}", doc["url"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maplibre_page_on_another_origin_draws_rummets_style_without_cors_errors() {
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser");
    assert!(
        browser.join("node_modules/playwright-core").is_dir(),
        "this test needs {NODE}"
    );
    let app = TestApp::new().await;
    let served = serve(&app).await;
    let script = clients_dir().join("maplibre_cross_origin.mjs");
    let maplibre = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/maplibre-gl");
    let out = run(
        "node",
        &[
            script.to_str().expect("utf-8 path"),
            &served.base,
            "kommun",
            maplibre.to_str().expect("utf-8 path"),
        ],
        &[],
        NODE,
    )
    .await;
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));

    let page = report["page_origin"].as_str().expect("page origin");
    assert_ne!(page, served.base, "the page is on another origin");
    for errors in ["errors", "console_errors", "map_errors", "failed"] {
        assert_eq!(report[errors], json!([]), "{errors}: {report}");
    }
    assert_eq!(report["idle"], true, "the map never became idle: {report}");
    assert!(
        report["drawn"].as_u64().is_some_and(|n| n > 0),
        "no feature was drawn: {report}"
    );
    assert_eq!(report["source_layers"], json!(["kommun"]));
    let requests = report["rummet_requests"].as_array().expect("requests");
    let urls: Vec<&str> = requests.iter().filter_map(|r| r["url"].as_str()).collect();
    let base = &served.base;
    assert!(
        urls.contains(&format!("{base}/styles/kommun.json").as_str()),
        "{urls:?}"
    );
    assert!(
        urls.contains(&format!("{base}/tiles/kommun.json").as_str()),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.contains("/tiles/kommun/") && u.contains(".mvt")),
        "{urls:?}"
    );
    for request in requests {
        assert_eq!(request["acao"], "*", "{request}");
    }
}

/// GDAL's OGCAPI driver on a collection's vector tiles: the installed `ogrinfo`, and — as GDAL
/// 3.6 has no vector tiles in that driver (below) — the newer GDAL pyogrio's wheel bundles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdals_ogcapi_driver_reads_a_collections_vector_tiles() {
    const PYOGRIO: &str = "python3 with pyogrio, whose wheel bundles a GDAL newer than 3.6: \
                           python3 -m pip install pyogrio";
    // argv: dataset, tile matrix set, layer, bbox (minx,miny,maxx,maxy in the set's CRS,
    // easting first; also the driver's MINX..MAXY). Prints the layers, CRS, fields and kommuner.
    const READ_ZOOM_LAYER: &str = r#"
import json, sys
import pyogrio
from pyogrio.raw import read
url, tms, layer, bbox = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
options = dict(zip(["MINX", "MINY", "MAXX", "MAXY"], bbox), TILEMATRIXSET=tms)
meta, _, _, values = read(url, layer=layer, bbox=tuple(map(float, bbox)), **options)
fields = [str(f) for f in meta["fields"]]
column = lambda name: sorted({str(v) for v in values[fields.index(name)]}) if name in fields else []
print(json.dumps({"layers": [str(l[0]) for l in pyogrio.list_layers(url)], "crs": meta["crs"],
                  "fields": fields, "kommun": column("kommun"), "kommun_kod": column("kommun_kod")}))
"#;
    let app = TestApp::new().await;
    let levels = app.get("/tileMatrixSets/WebMercatorQuad").await.json()["tileMatrices"]
        .as_array()
        .map_or(0, Vec::len);
    let served = serve(&app).await;
    let base = &served.base;
    let kommun = format!("OGCAPI:{base}/collections/kommun");

    // The installed GDAL follows tilesets-vector, the tileset's self link and its tiling-scheme
    // link, and parses the 2D-TMS document (before its 1.0 member names were added, GDAL 3.6
    // took the document for a file name: "Destination buffer too small", "Invalid tiling
    // matrix set name"). GDAL 3.6.0 to 3.7.0 were built without the driver's vector-tile code
    // (CMake left OGR_ENABLE_DRIVER_GML undefined for it; OSGeo/gdal#7993, in 3.7.1), so they
    // then fail without a message; a later one lists a layer per zoom level.
    let version = run("ogrinfo", &["--version"], &[], GDAL).await;
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    for set in ["WebMercatorQuad", "SWEREF99TM"] {
        let option = format!("TILEMATRIXSET={set}");
        let out = tokio::process::Command::new("ogrinfo")
            .args(["-ro", "-so", &kommun, "-oo", &option])
            .env("CPL_DEBUG", "ON")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .kill_on_drop(true)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run `ogrinfo` ({e}); this test needs {GDAL}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("ERROR"), "{set}: {version}{stderr}");
        assert!(
            fetched(&out.stderr).contains(&format!("{base}/tileMatrixSets/{set}")),
            "{stderr}"
        );
        if out.status.success() {
            assert!(stdout.contains("1: Zoom level 0"), "{stdout}");
        } else {
            let old = version.starts_with("GDAL 3.6.") || version.starts_with("GDAL 3.7.0,");
            assert!(old, "{set}: {version}{stdout}{stderr}");
        }
    }

    // A newer GDAL reads the tiles. Its layers span the collection's CRS84 extent read as if in
    // the set's CRS, so MINX..MAXY (the driver's bounds "in SRS of TileMatrixSet") are given.
    // Central Stockholm: WebMercatorQuad level 12 (9 783.94 m tiles) has it in column
    // (2 010 430 + 20 037 508) / 9 783.94 = 2 253, row (20 037 508 - 8 253 148) / 9 783.94 =
    // 1 204; SWEREF99TM level 7 (8 192 m tiles) in column (673 500 + 1 200 000) / 8 192 = 228,
    // row (8 500 000 - 6 580 500) / 8 192 = 234 (GDAL takes EPSG:3006's northing-first
    // topLeftCorner and georeferences easting first).
    let want_layers: Vec<String> = (0..levels).map(|z| format!("Zoom level {z}")).collect();
    for (set, level, bbox, crs, tile) in [
        (
            "WebMercatorQuad",
            12,
            "2010430,8250966,2012656,8253148",
            "EPSG:3857",
            "1204/2253",
        ),
        (
            "SWEREF99TM",
            7,
            "673500,6579500,674500,6580500",
            "EPSG:3006",
            "234/228",
        ),
    ] {
        let layer = format!("Zoom level {level}");
        let args = ["-c", READ_ZOOM_LAYER, &kommun, set, &layer, bbox];
        let out = run("python3", &args, &[("CPL_DEBUG", "ON")], PYOGRIO).await;
        let read: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(
            read["layers"],
            json!(want_layers),
            "the default set's: {read}"
        );
        assert_eq!(read["crs"], crs, "{read}");
        for field in ["kommun_kod", "kommun", "area_m2"] {
            let fields = read["fields"].as_array();
            assert!(fields.is_some_and(|f| f.contains(&json!(field))), "{read}");
        }
        assert_eq!(read["kommun"], json!(["Stockholm"]), "{set}: {read}");
        assert_eq!(read["kommun_kod"], json!(["0180"]), "{set}: {read}");
        assert_eq!(
            fetched(&out.stderr)
                .into_iter()
                .find(|u| u.contains(&format!("/tiles/{set}/"))),
            Some(format!(
                "{base}/collections/kommun/tiles/{set}/{level}/{tile}"
            )),
            "the first tile GDAL asked for"
        );
    }
}
