//! OGC API – Common, Features (Parts 1–3): the documents clients read first, items paged by
//! `next` links, CRS and axis order against the source coordinates, bbox, filters agreeing
//! with the statistics API, a reload between pages, caching validators, CORS and errors.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::support::geojson::{entry, load};
use crate::support::{Reply, TestApp};

/// SWEREF 99 TM origin of the hand-made features: near Jönköping.
const E0: f64 = 450_000.123;
const N0: f64 = 6_400_000.456;

/// 25 small squares in a row, 1 km apart, numbered 1..=25: `namn` "Ruta <n>" (odd ones
/// "RUTA <n>" upper-cased), `area_ha` n × 1.5, `klass` n mod 3, `skyddad` for even n; the
/// corner coordinates carry millimetres, so a CRS round trip is checked to the millimetre.
fn squares() -> Vec<(Value, Value)> {
    (1..=25)
        .map(|n| {
            let e = E0 + f64::from(n) * 1000.0;
            let ring = json!([[e, N0], [e + 100.0, N0], [e + 100.0, N0 + 100.0], [e, N0 + 100.0], [e, N0]]);
            let namn = if n % 2 == 1 { format!("RUTA {n}") } else { format!("Ruta {n}") };
            (
                json!({"namn": namn, "area_ha": f64::from(n) * 1.5, "klass": n % 3, "skyddad": n % 2 == 0}),
                json!({"type": "Polygon", "coordinates": [ring]}),
            )
        })
        .collect()
}

/// The catalog entry the squares load as.
fn rutor() -> rummet_loaders::catalog::CatalogEntry {
    entry(
        "rutor",
        "thematic",
        "polygon",
        &[
            ("namn", "text"),
            ("area_ha", "double"),
            ("klass", "integer"),
            ("skyddad", "boolean"),
        ],
    )
}

async fn app_with_squares() -> TestApp {
    let app = TestApp::new().await;
    let rutor = rutor();
    load(&app, &rutor, squares()).await;
    app
}

async fn get_accept(app: &TestApp, uri: &str, accept: &str) -> Reply {
    app.request(
        Request::get(uri)
            .header("host", "rummet.test")
            .header("accept", accept)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

fn hrefs<'a>(doc: &'a Value, rel: &str) -> Vec<&'a str> {
    doc["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["rel"] == rel)
        .filter_map(|l| l["href"].as_str())
        .collect()
}

/// Follows `next` links from `uri`, returning every feature and the pages read.
async fn all_pages(app: &TestApp, uri: &str) -> (Vec<Value>, usize) {
    let mut features = Vec::new();
    let mut next = Some(uri.to_owned());
    let mut pages = 0;
    while let Some(uri) = next.take() {
        let reply = app.get(&uri.replace("http://rummet.test", "")).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let doc = reply.json();
        let page = doc["features"].as_array().expect("features").clone();
        assert_eq!(doc["numberReturned"], json!(page.len()));
        features.extend(page);
        next = hrefs(&doc, "next").first().map(|s| (*s).to_owned());
        pages += 1;
        assert!(pages < 100, "the next links never end");
    }
    (features, pages)
}

#[tokio::test]
async fn the_root_answers_ogc_clients_json_and_browsers_the_map() {
    let app = TestApp::new().await;
    let json_reply = get_accept(&app, "/", "application/json").await;
    assert_eq!(json_reply.status, StatusCode::OK);
    assert_eq!(json_reply.header("content-type"), Some("application/json"));
    let landing = json_reply.json();
    for rel in [
        "self",
        "service-desc",
        "service-doc",
        "conformance",
        "data",
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
    ] {
        assert_eq!(hrefs(&landing, rel).len(), 1, "link {rel} in {landing}");
    }
    let desc = landing["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "service-desc")
        .expect("service-desc");
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    assert_eq!(desc["href"], "http://rummet.test/api");
    assert_eq!(app.get("/?f=json").await.json(), landing);

    let html = get_accept(&app, "/", "text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert!(
        html.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    );
    assert!(String::from_utf8_lossy(&html.body).contains("maplibre"));
    assert_eq!(app.get("/?f=xml").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn conformance_declares_what_qgis_needs_before_it_filters_on_the_server() {
    let app = TestApp::new().await;
    let doc = app.get("/conformance").await.json();
    let classes: Vec<&str> = doc["conformsTo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for class in [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
    ] {
        assert!(classes.contains(&class), "{class} missing");
    }
}

#[tokio::test]
async fn collections_carry_extent_crs_licence_and_a_concrete_items_path_in_the_api() {
    let app = app_with_squares().await;
    let doc = app.get("/collections").await.json();
    let ids: Vec<&str> = doc["collections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["fa", "kommun", "lan", "rutor"]);
    let kommun = app.get("/collections/kommun").await.json();
    assert_eq!(
        kommun["storageCrs"],
        "http://www.opengis.net/def/crs/EPSG/0/3006"
    );
    assert!(
        kommun["crs"]
            .as_array()
            .expect("crs")
            .contains(&json!("http://www.opengis.net/def/crs/OGC/1.3/CRS84"))
    );
    let bbox = &kommun["extent"]["spatial"]["bbox"][0];
    assert!(
        bbox[0].as_f64().is_some_and(|w| (10.0..11.5).contains(&w)),
        "{bbox}"
    );
    assert!(
        bbox[3].as_f64().is_some_and(|n| (69.0..69.2).contains(&n)),
        "{bbox}"
    );
    assert_eq!(hrefs(&kommun, "license").len(), 1);
    assert_eq!(kommun["itemCount"], 290);

    let api = app.get("/api").await;
    assert_eq!(
        api.header("content-type"),
        Some("application/vnd.oai.openapi+json;version=3.0")
    );
    let api = api.json();
    let params = api["paths"]["/collections/rutor/items"]["get"]["parameters"]
        .as_array()
        .expect("concrete path");
    let limit = params.iter().find(|p| p["name"] == "limit").expect("limit");
    assert_eq!(limit["schema"]["default"], 100);
    assert_eq!(limit["schema"]["maximum"], 10_000);
    assert!(
        params.iter().any(|p| p["name"] == "namn"),
        "queryables as parameters"
    );
    let lang = params
        .iter()
        .find(|p| p["name"] == "filter-lang")
        .expect("filter-lang");
    assert!(
        lang["schema"]["enum"]
            .as_array()
            .expect("enum")
            .contains(&json!("cql-text"))
    );
    assert_eq!(
        app.get("/collections/nonesuch").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn next_links_page_every_kommun_exactly_once() {
    let app = TestApp::new().await;
    let first = app.get("/collections/kommun/items?limit=7").await;
    assert_eq!(first.header("content-type"), Some("application/geo+json"));
    assert_eq!(
        first.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    let doc = first.json();
    assert_eq!(doc["numberMatched"], 290);
    assert!(doc["timeStamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    let (features, pages) = all_pages(
        &app,
        "/collections/kommun/items?limit=50&properties=kommun_kod",
    )
    .await;
    assert_eq!(pages, 6);
    let mut codes: Vec<&str> = features
        .iter()
        .filter_map(|f| f["properties"]["kommun_kod"].as_str())
        .collect();
    assert_eq!(codes.len(), 290);
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 290, "a kommun came twice");
    assert!(
        features
            .iter()
            .all(|f| f["properties"].as_object().is_some_and(|p| p.len() == 1))
    );
}

#[tokio::test]
async fn sweref_99_tm_coordinates_are_the_source_ones_northing_first_to_the_millimetre() {
    let app = app_with_squares().await;
    let reply = app
        .get("/collections/rutor/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/3006")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-crs"),
        Some("<http://www.opengis.net/def/crs/EPSG/0/3006>")
    );
    assert!(reply.header("etag").is_some());
    let feature = reply.json();
    let ring = &feature["geometry"]["coordinates"][0][0];
    let corner = &ring[0];
    let (n, e) = (
        corner[0].as_f64().expect("n"),
        corner[1].as_f64().expect("e"),
    );
    assert!(
        (n - N0).abs() < 0.001 && (e - (E0 + 1000.0)).abs() < 0.001,
        "{corner}"
    );
    // CRS84 is longitude first; EPSG:4326 latitude first.
    let lonlat = app.get("/collections/rutor/items/1").await.json()["geometry"]["coordinates"][0]
        [0][0]
        .clone();
    let latlon = app
        .get("/collections/rutor/items/1?crs=EPSG:4326")
        .await
        .json()["geometry"]["coordinates"][0][0][0]
        .clone();
    assert!(
        lonlat[0]
            .as_f64()
            .is_some_and(|lon| (14.0..15.0).contains(&lon)),
        "{lonlat}"
    );
    assert_eq!(lonlat[0], latlon[1]);
    let etag = app
        .get("/collections/rutor/items/1")
        .await
        .header("etag")
        .map(str::to_owned)
        .expect("etag");
    let again = app
        .request(
            Request::get("/collections/rutor/items/1")
                .header("host", "rummet.test")
                .header("if-none-match", &etag)
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.get("/collections/rutor/items/999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_bbox_in_sweref_99_tm_takes_northing_first_and_selects_the_squares_it_meets() {
    let app = app_with_squares().await;
    // Squares 3, 4 and 5 lie between E0+3000 and E0+5100.
    let bbox = format!(
        "{},{},{},{}",
        N0 + 10.0,
        E0 + 2950.0,
        N0 + 20.0,
        E0 + 5050.0
    );
    let doc = app
        .get(&format!("/collections/rutor/items?bbox={bbox}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3006"))
        .await
        .json();
    let ids: Vec<i64> = doc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert_eq!(ids, [3, 4, 5]);
    assert!(
        doc.get("numberMatched").is_none(),
        "not counted for free, so left out"
    );
    assert_eq!(
        app.get("/collections/rutor/items?bbox=1,2,3").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn sortby_pages_by_keyset_forwards_and_back() {
    let app = app_with_squares().await;
    let (features, pages) =
        all_pages(&app, "/collections/rutor/items?limit=4&sortby=-klass,namn").await;
    assert_eq!(pages, 7);
    let keys: Vec<(i64, String)> = features
        .iter()
        .map(|f| {
            (
                f["properties"]["klass"].as_i64().expect("klass"),
                f["properties"]["namn"].as_str().expect("namn").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(keys.len(), 25);
    assert_eq!(
        keys.iter().map(|k| k.0).collect::<Vec<_>>(),
        sorted.iter().map(|k| k.0).collect::<Vec<_>>()
    );
    // The second page's prev link leads back to the first page.
    let first = app
        .get("/collections/rutor/items?limit=4&sortby=-klass,namn")
        .await
        .json();
    let second = app
        .get(&hrefs(&first, "next")[0].replace("http://rummet.test", ""))
        .await
        .json();
    let back = app
        .get(&hrefs(&second, "prev")[0].replace("http://rummet.test", ""))
        .await
        .json();
    assert_eq!(back["features"], first["features"]);
}

#[tokio::test]
async fn a_reload_between_two_pages_is_a_conflict_not_a_mix() {
    let app = app_with_squares().await;
    let first = app.get("/collections/rutor/items?limit=10").await.json();
    let next = hrefs(&first, "next")[0].replace("http://rummet.test", "");
    assert!(next.contains("version="), "{next}");
    let rutor = rutor();
    load(&app, &rutor, squares()).await;
    let reply = app.get(&next).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let body = reply.json();
    assert_eq!(body["code"], "reloaded");
    assert!(
        body["description"]
            .as_str()
            .is_some_and(|d| d.contains("start again"))
    );
}

#[tokio::test]
async fn queryables_are_json_schema_with_the_geometry_as_a_geojson_ref() {
    let app = app_with_squares().await;
    let reply = app.get("/collections/rutor/queryables").await;
    assert_eq!(
        reply.header("content-type"),
        Some("application/schema+json")
    );
    let doc = reply.json();
    assert!(
        doc["properties"]["geometry"]["$ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("https://geojson.org/schema/"))
    );
    assert_eq!(doc["properties"]["klass"]["type"], "integer");
    assert_eq!(doc["properties"]["area_ha"]["type"], "number");
    assert_eq!(doc["properties"]["namn"]["description"], "namn");
    // A queryable as a query parameter.
    let doc = app.get("/collections/rutor/items?klass=2").await.json();
    assert_eq!(doc["numberReturned"], 8);
    // A limit above the maximum gets the maximum, not an error.
    let all = app.get("/collections/rutor/items?limit=99999999999").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.json()["numberReturned"], 25);
}

#[tokio::test]
async fn csv_and_html_pages_hold_the_same_features() {
    let app = app_with_squares().await;
    let csv = app
        .get("/collections/rutor/items?f=csv&limit=5&properties=namn,klass")
        .await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = String::from_utf8_lossy(&csv.body).to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,namn,klass,geometry");
    assert_eq!(lines.len(), 6);
    assert!(
        lines[1].starts_with("1,RUTA 1,1,\"MULTIPOLYGON((("),
        "{}",
        lines[1]
    );
    let html = get_accept(&app, "/collections/rutor/items?limit=5", "text/html").await;
    let page = String::from_utf8_lossy(&html.body);
    assert!(
        page.contains("RUTA 1") && page.contains("rel=\"next\""),
        "{page}"
    );
}

#[tokio::test]
async fn documents_carry_validators_and_answer_304() {
    let app = TestApp::new().await;
    for uri in [
        "/collections",
        "/collections/kommun",
        "/conformance",
        "/api",
        "/tiles/kommun.json",
        "/styles/kommun.json",
        "/catalog",
        "/api/openapi.json",
    ] {
        let first = app.get(uri).await;
        assert_eq!(first.status, StatusCode::OK, "{uri}");
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{uri} has no ETag"))
            .to_owned();
        assert!(first.header("cache-control").is_some(), "{uri}");
        let again = app
            .request(
                Request::get(uri)
                    .header("host", "rummet.test")
                    .header("if-none-match", &etag)
                    .body(Body::empty())
                    .expect("req"),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
    }
    let version = app.get("/tiles/kommun.json").await.json()["version"]
        .as_str()
        .map(str::to_owned)
        .expect("version");
    let parts: Vec<&str> = version.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u64>().is_ok()),
        "TileJSON version {version} is not semver"
    );
}

#[tokio::test]
async fn a_gzip_etag_on_a_brotli_request_is_not_a_304() {
    let app = TestApp::new().await;
    let gzip = app
        .request(
            Request::get("/tiles/kommun/5/17/9.mvt")
                .header("accept-encoding", "gzip")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    let etag = gzip.header("etag").expect("etag").to_owned();
    let br = app
        .request(
            Request::get("/tiles/kommun/5/17/9.mvt")
                .header("accept-encoding", "br")
                .header("if-none-match", &etag)
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.header("content-encoding"), Some("br"));
}

#[tokio::test]
async fn another_origin_may_read_and_a_preflight_is_204() {
    let app = TestApp::new().await;
    let reply = app
        .request(
            Request::get("/collections/kommun/items?limit=1")
                .header("origin", "https://karta.example")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert!(
        reply
            .header("access-control-expose-headers")
            .is_some_and(|h| h.contains("ETag") && h.contains("Content-Crs"))
    );
    let pre = app
        .request(
            Request::options("/tiles/kommun/0/0/0.mvt")
                .header("origin", "https://karta.example")
                .header("access-control-request-method", "GET")
                .body(Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(pre.status, StatusCode::NO_CONTENT);
    assert!(
        pre.header("access-control-allow-methods")
            .is_some_and(|m| m.contains("GET"))
    );
}

#[tokio::test]
async fn bad_parameters_get_an_ogc_exception_saying_what() {
    let app = app_with_squares().await;
    for (uri, status, needle) in [
        ("/collections/nope/items", StatusCode::NOT_FOUND, "nope"),
        (
            "/collections/rutor/items?limit=0",
            StatusCode::BAD_REQUEST,
            "limit",
        ),
        (
            "/collections/rutor/items?crs=EPSG:2400",
            StatusCode::BAD_REQUEST,
            "EPSG/0/3006",
        ),
        (
            "/collections/rutor/items?bbox=a,b,c,d",
            StatusCode::BAD_REQUEST,
            "bbox",
        ),
        (
            "/collections/rutor/items?colour=red",
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            "/collections/rutor/items?namn=a%00b",
            StatusCode::BAD_REQUEST,
            "NUL",
        ),
        (
            "/collections/rutor/items?filter=namn%3D%27a%00%27",
            StatusCode::BAD_REQUEST,
            "NUL",
        ),
        (
            "/collections/rutor/items?limit=10&limit=20",
            StatusCode::BAD_REQUEST,
            "twice",
        ),
        (
            "/collections/rutor/items?klass=many",
            StatusCode::BAD_REQUEST,
            "klass",
        ),
        (
            "/collections/rutor/items?properties=nope",
            StatusCode::BAD_REQUEST,
            "nope",
        ),
        (
            "/collections/rutor/items?sortby=nope",
            StatusCode::BAD_REQUEST,
            "nope",
        ),
        (
            "/collections/rutor/items?after=x",
            StatusCode::BAD_REQUEST,
            "page key",
        ),
        (
            "/collections/rutor/items?filter-lang=sql&filter=x",
            StatusCode::BAD_REQUEST,
            "filter-lang",
        ),
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, status, "{uri}");
        let body = reply.json();
        let description = body["description"].as_str().unwrap_or_default();
        assert!(
            body["code"].is_string() && description.contains(needle),
            "{uri}: {body}"
        );
        assert!(
            !description.contains("SELECT") && !description.contains("rummet_data"),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn cql2_filters_in_text_and_json_agree_with_the_statistics_api() {
    let app = app_with_squares().await;
    let count = |doc: &Value| doc["features"].as_array().map_or(0, Vec::len);
    for (filter, expected) in [
        ("klass = 2", 8),
        ("klass IN (0, 1) AND NOT skyddad = TRUE", 9),
        ("area_ha BETWEEN 3 AND 9", 5),
        ("namn LIKE 'RUTA 1%'", 6),
        ("CASEI(namn) = CASEI('ruta 2')", 1),
        ("CASEI(namn) LIKE CASEI('ruta 2%')", 7),
        ("namn IS NULL", 0),
    ] {
        let uri = format!(
            "/collections/rutor/items?limit=100&filter={}",
            urlencode(filter)
        );
        let reply = app.get(&uri).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{filter}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert_eq!(count(&reply.json()), expected, "{filter}");
    }
    let json_filter = json!({"op": "and", "args": [
        {"op": "=", "args": [{"property": "klass"}, 2]},
        {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [14.0, 57.0, 15.0, 58.0]}]},
    ]});
    let uri = format!(
        "/collections/rutor/items?filter-lang=cql2-json&filter={}",
        urlencode(&json_filter.to_string())
    );
    assert_eq!(count(&app.get(&uri).await.json()), 8);
    // A spatial literal in SWEREF 99 TM, northing first: squares 1 and 2 only.
    let wkt = format!(
        "S_INTERSECTS(geometry, POLYGON(({n0} {e0}, {n0} {e1}, {n1} {e1}, {n1} {e0}, {n0} {e0})))",
        n0 = N0 - 10.0,
        n1 = N0 + 10.0,
        e0 = E0 + 900.0,
        e1 = E0 + 2050.0
    );
    let uri = format!(
        "/collections/rutor/items?filter-crs=http://www.opengis.net/def/crs/EPSG/0/3006&filter={}",
        urlencode(&wkt)
    );
    let ids: Vec<i64> = app.get(&uri).await.json()["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_i64())
        .collect();
    assert_eq!(ids, [1, 2]);
    // The same question through the statistics API's where= counts the same features.
    let stats = app
        .get("/api/stats/rutor?by=kommun&where=klass%20=%202")
        .await
        .json();
    assert_eq!(stats["totals"]["features"], 8, "{stats}");
    // cql-text is GDAL 3.6's name for cql2-text.
    let uri = format!(
        "/collections/rutor/items?filter-lang=cql-text&filter={}",
        urlencode("klass = 2")
    );
    assert_eq!(count(&app.get(&uri).await.json()), 8);
    for bad in [
        "S_CROSSES(geometry, POINT(1 2))",
        "nope = 1",
        "klass = 'x'",
        "klass =",
    ] {
        let uri = format!("/collections/rutor/items?filter={}", urlencode(bad));
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.json()["code"], "invalid_filter", "{bad}");
    }
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn tile_matrix_sets_describe_web_mercator_and_sweref_99_tm() {
    let app = TestApp::new().await;
    let list = app.get("/tileMatrixSets").await.json();
    let ids: Vec<&str> = list["tileMatrixSets"]
        .as_array()
        .expect("sets")
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, ["WebMercatorQuad", "SWEREF99TM"]);
    let sweref = app.get("/tileMatrixSets/SWEREF99TM").await.json();
    assert_eq!(sweref["crs"], "http://www.opengis.net/def/crs/EPSG/0/3006");
    assert_eq!(sweref["orderedAxes"], json!(["N", "E"]));
    let level0 = &sweref["tileMatrices"][0];
    assert_eq!(level0["pointOfOrigin"], json!([8_500_000.0, -1_200_000.0]));
    assert_eq!(level0["cellSize"], 4096.0);
    assert_eq!(level0["matrixWidth"], 4);
    assert_eq!(sweref["tileMatrices"].as_array().map(Vec::len), Some(14));
    let wm = app.get("/tileMatrixSets/WebMercatorQuad").await.json();
    assert_eq!(
        wm["uri"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    assert_eq!(
        app.get("/tileMatrixSets/nope").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn ogc_tiles_take_row_before_column_and_equal_the_xyz_tile() {
    let app = TestApp::new().await;
    let sets = app.get("/collections/kommun/tiles").await.json();
    assert_eq!(sets["tilesets"].as_array().map(Vec::len), Some(2));
    let tileset = app
        .get("/collections/kommun/tiles/WebMercatorQuad")
        .await
        .json();
    let template = hrefs(&tileset, "item")[0];
    assert_eq!(
        template,
        "http://rummet.test/collections/kommun/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"
    );
    assert_eq!(tileset["dataType"], "vector");
    let ogc = app
        .get("/collections/kommun/tiles/WebMercatorQuad/5/9/17")
        .await;
    let xyz = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(ogc.status, StatusCode::OK);
    assert_eq!(ogc.body, xyz.body);
    assert_eq!(ogc.header("etag"), xyz.header("etag"));
    // Every collection together, dataset-less.
    let all = app.get("/tiles/WebMercatorQuad/5/9/17").await;
    let names: Vec<String> = crate::support::decode(&all.body)
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["fa", "kommun", "lan"]);
    assert!(app.get("/tiles").await.json()["tilesets"].is_array());
    assert!(app.get("/tiles/SWEREF99TM").await.json()["links"].is_array());
    assert_eq!(
        app.get("/collections/kommun/tiles/WebMercatorQuad/5/32/0")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/collections/kommun/tiles/nope/5/9/17")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_sweref_99_tm_tile_is_cut_from_the_sweref_geometry_where_the_matrix_puts_it() {
    let app = app_with_squares().await;
    // Level 7 (drawn like zoom 11, where the 1-ha squares are no longer thinned out): 8 192 m
    // tiles; column 201 starts at E 446 592, row 256 at N 6 402 848, so squares 1-4 are in it.
    let reply = app
        .get("/collections/rutor/tiles/SWEREF99TM/7/256/201")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let layers = crate::support::decode(&reply.body);
    assert_eq!(layers[0].name, "rutor");
    assert_eq!(layers[0].features.len(), 4);
    let first = layers[0]
        .ids
        .iter()
        .position(|id| *id == Some(1))
        .expect("square 1");
    let (x, y) = layers[0].mins[first];
    let size = 8192.0;
    let want_x = (E0 + 1000.0 - 446_592.0) / size * 4096.0;
    let want_y = (6_402_848.0 - (N0 + 100.0)) / size * 4096.0;
    assert!(
        (f64::from(x) - want_x).abs() < 1.5 && (f64::from(y) - want_y).abs() < 1.5,
        "({x}, {y}) vs ({want_x}, {want_y})"
    );
    let deep = app.get("/collections/rutor/tiles/SWEREF99TM/13/0/0").await;
    assert_eq!(deep.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/collections/rutor/tiles/SWEREF99TM/14/0/0")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}
