//! Publishing over HTTP (issue 15): organisations upload their own layers in each published
//! format, replace and roll them back, make them private, and remove them; uploads that
//! cannot be right (a zip bomb, a member outside the archive, too large, the wrong CRS, an
//! unknown format, a second upload while one runs) are refused with nothing left behind.
//! Every load runs as a job through the real pipeline into the test's own PostGIS database.

use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rummet::access::{self, Scope};
use rummet::config::Config;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, agency, decode, fixtures, key};

const BOUNDARY: &str = "rummet-test-boundary-7d3f";

/// A multipart form of `meta` and the file `name` holding `bytes`.
fn form(meta: &Value, name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends `method uri` with the form, as `key`'s holder.
async fn send_form(
    app: &TestApp,
    (method, uri): (&str, &str),
    key: Option<&str>,
    meta: &Value,
    (name, bytes): (&str, &[u8]),
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "rummet.test")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    app.request(
        req.body(Body::from(form(meta, name, bytes)))
            .expect("request"),
    )
    .await
}

/// Sends `method uri` with an optional JSON body, as `key`'s holder.
async fn send(
    app: &TestApp,
    (method, uri): (&str, &str),
    key: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "rummet.test")
        .header("content-type", "application/json");
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    app.request(req.body(body).expect("request")).await
}

/// Follows the job a `202` points at until it ends; its last state.
async fn finished(app: &TestApp, key: &str, accepted: &Reply) -> Value {
    assert_eq!(
        accepted.status,
        StatusCode::ACCEPTED,
        "{}",
        String::from_utf8_lossy(&accepted.body)
    );
    let location = accepted.header("location").expect("Location").to_owned();
    let path = location
        .strip_prefix("http://rummet.test")
        .unwrap_or(&location)
        .to_owned();
    assert!(path.starts_with("/api/jobs/"), "{location}");
    for _ in 0..1200 {
        let job = send(app, ("GET", &path), Some(key), None).await;
        assert_eq!(
            job.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&job.body)
        );
        let doc = job.json();
        if doc["state"] != "running" {
            return doc;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {path} still running after two minutes");
}

/// Uploads and waits: the job, which must have succeeded.
async fn publish(app: &TestApp, key: &str, meta: &Value, file: (&str, &[u8])) -> Value {
    let accepted = send_form(app, ("POST", "/api/datasets"), Some(key), meta, file).await;
    let job = finished(app, key, &accepted).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    job
}

/// A GeoJSON `FeatureCollection` (WGS 84) of `n` squares near Jönköping, with Swedish
/// property names and a kommun code that must stay text.
fn squares(n: usize, size_deg: f64) -> Vec<u8> {
    let features: Vec<Value> = (0..n)
        .map(|i| {
            #[expect(clippy::cast_precision_loss, reason = "a handful of squares")]
            let f = i as f64;
            let (x, y) = (14.10 + 0.03 * f, 57.70);
            json!({"type": "Feature",
                   "properties": {"Namn": format!("Område {}", i + 1), "Yta_ha": 12.5 + f, "Antal": i + 1, "Kod": "0680"},
                   "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + size_deg, y], [x + size_deg, y + size_deg], [x, y + size_deg], [x, y]]]}})
        })
        .collect();
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": features})).expect("json")
}

fn meta(id: &str, visibility: &str) -> Value {
    json!({"id": id, "title": "Strukturbild 2040", "licence": "CC BY 4.0",
           "description": "Regionens strukturbild", "visibility": visibility,
           "fields": {"Namn": "Områdets namn"}})
}

async fn count(app: &TestApp, id: &str) -> u64 {
    let uri = format!("/collections/{id}/items?limit=100");
    app.get(&uri).await.json()["numberMatched"]
        .as_u64()
        .unwrap_or(0)
}

async fn area(app: &TestApp, id: &str) -> f64 {
    let uri = format!("/api/stats/{id}?by=lan&measure=area&in=lan:06");
    app.get(&uri).await.json()["rows"][0]["value"]
        .as_f64()
        .unwrap_or(0.0)
}

async fn data_tables(app: &TestApp, like: &str) -> Vec<String> {
    let client = app.db.client().await;
    client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'rummet_data' AND tablename LIKE $1 ORDER BY 1",
            &[&like],
        )
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Each write on `id` without a key is `401` with `WWW-Authenticate`, and with the key of
/// `neighbour`, another organisation, `403`.
async fn refuses_without_the_right_key(app: &TestApp, id: &str, neighbour: &str) {
    let writes: [(&str, String, Option<Value>); 4] = [
        (
            "PATCH",
            format!("/api/datasets/{id}"),
            Some(json!({"visibility": "private"})),
        ),
        ("DELETE", format!("/api/datasets/{id}"), None),
        ("POST", format!("/api/datasets/{id}/rollback"), None),
        (
            "POST",
            "/api/admin/datasets/naturreservat/seed".to_owned(),
            Some(json!({"zooms": "0-2"})),
        ),
    ];
    for (method, uri, body) in &writes {
        let none = send(app, (method, uri), None, body.clone()).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert!(none.header("www-authenticate").is_some(), "{method} {uri}");
        let other = send(app, (method, uri), Some(neighbour), body.clone()).await;
        assert_eq!(
            other.status,
            StatusCode::FORBIDDEN,
            "{method} {uri}: {}",
            String::from_utf8_lossy(&other.body)
        );
    }
}

/// `(action, result, organisation)` of the dataset writes in the audit trail.
async fn audit_rows(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    let client = app.db.client().await;
    client
        .query(
            "SELECT action, result, organisation FROM rummet.audit WHERE action LIKE 'dataset.%' ORDER BY id",
            &[],
        )
        .await
        .expect("audit")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_refused_without_a_key_with_a_smaller_scope_another_organisations_key_or_a_revoked_one()
 {
    let app = TestApp::new().await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    let neighbour = key(&app, "region-kalmar", Scope::Publish).await;
    let reader = key(&app, "region-jonkoping", Scope::Read).await;
    publish(
        &app,
        &own,
        &meta("strukturbild", "public"),
        ("s.geojson", &squares(2, 0.01)),
    )
    .await;
    let id = "region-jonkoping.strukturbild";
    let file = ("s.geojson", squares(2, 0.01));
    let upload = |k: Option<String>| {
        let app = &app;
        let file = &file;
        async move {
            send_form(
                app,
                ("POST", "/api/datasets"),
                k.as_deref(),
                &meta("annat", "public"),
                (file.0, &file.1),
            )
            .await
            .status
        }
    };
    assert_eq!(upload(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(upload(Some(reader.clone())).await, StatusCode::FORBIDDEN);
    refuses_without_the_right_key(&app, id, &neighbour).await;
    let replaced = send_form(
        &app,
        ("PUT", &format!("/api/datasets/{id}")),
        Some(&neighbour),
        &json!({}),
        (file.0, &file.1),
    )
    .await;
    assert_eq!(replaced.status, StatusCode::FORBIDDEN);
    assert!(
        replaced.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("belongs to region-jonkoping")
    );
    // A catalog dataset is an admin's to replace.
    let catalog = send_form(
        &app,
        ("PUT", "/api/datasets/naturreservat"),
        Some(&own),
        &json!({}),
        (file.0, &file.1),
    )
    .await;
    assert_eq!(catalog.status, StatusCode::FORBIDDEN);

    let client = app.db.client().await;
    let key_id = own.split('_').nth(1).expect("key id").to_owned();
    access::revoke_key(&client, &key_id).await.expect("revoked");
    let revoked = send(
        &app,
        ("DELETE", &format!("/api/datasets/{id}")),
        Some(&own),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.get(&format!("/collections/{id}")).await.status == StatusCode::OK,
        "nothing was removed"
    );

    let rows = audit_rows(&app).await;
    assert!(
        rows.contains(&(
            "dataset.upload".into(),
            "done".into(),
            Some("region-jonkoping".into())
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&(
            "dataset.replace".into(),
            "refused".into(),
            Some("region-kalmar".into())
        )),
        "{rows:?}"
    );
}

/// The agencies' own files (zipped Shapefile, GeoPackage, CSV in Windows-1252), passed on
/// as another organisation would: each loads and serves its features.
async fn agency_files_load_as_uploads(app: &TestApp, own: &str) {
    let dir = tempfile::tempdir().expect("dir");
    // The agencies' own files, as another organisation would pass them on.
    let cases = [
        ("naturreservat", "skyddad_natur"),
        ("grundvattenmagasin", "grundvatten"),
        ("pipos_service", "service"),
    ];
    for (catalog_id, name) in cases {
        let entry = agency::entry(catalog_id);
        let path = fixtures::write(entry, dir.path());
        let bytes = std::fs::read(&path).expect("fixture");
        let file_name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let job = publish(
            app,
            own,
            &json!({"id": name, "title": entry.title, "licence": "CC0 1.0"}),
            (&file_name, &bytes),
        )
        .await;
        let expected = fixtures::kept(entry);
        assert!(
            job["report"]["rows_loaded"].as_u64().unwrap_or(0) >= expected as u64,
            "{catalog_id}: {job:#}"
        );
        let id = format!("region-jonkoping.{name}");
        let items = app.get(&format!("/collections/{id}/items")).await;
        assert_eq!(items.status, StatusCode::OK, "{catalog_id}");
        assert!(
            !items.json()["features"]
                .as_array()
                .expect("features")
                .is_empty(),
            "{catalog_id}"
        );
    }
}

/// A GeoParquet upload made a division: the strukturbild counted by it.
async fn a_geoparquet_upload_groups_statistics_as_a_division(app: &TestApp, own: &str) {
    // GeoParquet, as a division statistics can be grouped by.
    let (_, lan) = rummet_loaders::demo::DATASETS
        .iter()
        .find(|(d, _)| *d == "lan")
        .expect("lan");
    let division = json!({"id": "planomraden", "title": "Planområden", "licence": "CC0 1.0",
                          "division": {"code": "lan_kod", "name": "lan"}});
    publish(app, own, &division, ("lan.parquet", lan)).await;
    let by_it = app.get("/api/stats/region-jonkoping.strukturbild?by=region-jonkoping.planomraden&measure=count").await;
    assert_eq!(
        by_it.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&by_it.body)
    );
    let units = by_it.json();
    let total: f64 = units["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|u| u["value"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(
        (total - 3.0).abs() < f64::EPSILON,
        "the three squares fall in one län: {units:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_of_each_published_format_loads_and_serves_tiles_features_and_statistics() {
    let app = TestApp::new().await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    // GeoJSON in WGS 84, as RFC 7946 has it: types come from the values, codes stay text.
    let job = publish(
        &app,
        &own,
        &meta("strukturbild", "public"),
        ("strukturbild.geojson", &squares(3, 0.02)),
    )
    .await;
    assert_eq!(job["report"]["rows_loaded"], 3, "{job:#}");
    assert_eq!(job["dataset"], "region-jonkoping.strukturbild");
    let collection = app
        .get("/collections/region-jonkoping.strukturbild/queryables")
        .await
        .json();
    let props = &collection["properties"];
    assert_eq!(props["yta_ha"]["type"], "number", "{collection:#}");
    assert_eq!(props["antal"]["type"], "integer", "{collection:#}");
    assert_eq!(props["kod"]["type"], "string", "{collection:#}");
    let items = app
        .get("/collections/region-jonkoping.strukturbild/items?kod=0680")
        .await;
    assert_eq!(
        items.json()["numberReturned"],
        3,
        "{}",
        String::from_utf8_lossy(&items.body)
    );
    let tile = app
        .get("/tiles/region-jonkoping.strukturbild/8/138/77.mvt")
        .await;
    assert_eq!(tile.status, StatusCode::OK);
    let layers = decode(&tile.body);
    assert!(
        layers
            .iter()
            .any(|l| l.name == "region-jonkoping.strukturbild" && !l.features.is_empty()),
        "{:?}",
        layers.iter().map(|l| &l.name).collect::<Vec<_>>()
    );
    let stats = app
        .get("/api/stats/region-jonkoping.strukturbild?by=kommun&measure=area")
        .await;
    assert_eq!(
        stats.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&stats.body)
    );
    let catalog = app.get("/catalog").await.json();
    let listed = catalog["datasets"]
        .as_array()
        .expect("datasets")
        .iter()
        .find(|d| d["id"] == "region-jonkoping.strukturbild")
        .cloned()
        .expect("listed");
    assert_eq!(listed["organisation"], "region-jonkoping");
    assert_eq!(listed["licence"], "CC BY 4.0");

    agency_files_load_as_uploads(&app, &own).await;

    a_geoparquet_upload_groups_statistics_as_a_division(&app, &own).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_upload_is_unseen_without_its_key_and_seen_with_it() {
    let app = TestApp::new().await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    let neighbour = key(&app, "region-kalmar", Scope::Publish).await;
    publish(
        &app,
        &own,
        &meta("utkast", "private"),
        ("utkast.geojson", &squares(2, 0.02)),
    )
    .await;
    let id = "region-jonkoping.utkast";
    for uri in [
        format!("/collections/{id}"),
        format!("/tiles/{id}.json"),
        format!("/tiles/{id}/8/138/77.mvt"),
        format!("/api/datasets/{id}/versions"),
    ] {
        assert_eq!(app.get(&uri).await.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(
            send(&app, ("GET", &uri), Some(&neighbour), None)
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
        let seen = send(&app, ("GET", &uri), Some(&own), None).await;
        assert_eq!(seen.status, StatusCode::OK, "{uri}");
    }
    let tile = send(
        &app,
        ("GET", &format!("/tiles/{id}/8/138/77.mvt")),
        Some(&own),
        None,
    )
    .await;
    assert!(
        tile.header("cache-control")
            .unwrap_or_default()
            .starts_with("private")
    );
    assert_eq!(tile.header("vary"), Some("Accept-Encoding, Authorization"));
    let anonymous = app.get("/catalog").await.json();
    assert!(!anonymous.to_string().contains(id));
    // Made public, everyone sees it.
    let patched = send(
        &app,
        ("PATCH", &format!("/api/datasets/{id}")),
        Some(&own),
        Some(json!({"visibility": "public"})),
    )
    .await;
    assert_eq!(
        patched.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&patched.body)
    );
    assert_eq!(
        app.get(&format!("/collections/{id}")).await.status,
        StatusCode::OK
    );
}

/// A file mixing points and polygons is refused by its job; the serving version serves on.
async fn a_file_mixing_families_fails_its_job(app: &TestApp, own: &str, id: &str) {
    let before = count(app, id).await;
    let mut mixed: Value = serde_json::from_slice(&squares(1, 0.02)).expect("json");
    mixed["features"].as_array_mut().expect("features").push(json!({"type": "Feature", "properties": {"Namn": "Punkt"}, "geometry": {"type": "Point", "coordinates": [14.2, 57.7]}}));
    let bad = send_form(
        app,
        ("PUT", &format!("/api/datasets/{id}")),
        Some(own),
        &json!({}),
        ("v3.geojson", mixed.to_string().as_bytes()),
    )
    .await;
    let failed = finished(app, own, &bad).await;
    assert_eq!(failed["state"], "failed");
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .contains("mixes 1 points and 1 polygons"),
        "{failed:#}"
    );
    assert_eq!(count(app, id).await, before);
}

/// `DELETE` takes the features, the tiles and every table of the dataset.
async fn removing_takes_features_tiles_and_tables(app: &TestApp, own: &str, id: &str) {
    let removed = send(
        app,
        ("DELETE", &format!("/api/datasets/{id}")),
        Some(own),
        None,
    )
    .await;
    assert_eq!(
        removed.status,
        StatusCode::NO_CONTENT,
        "{}",
        String::from_utf8_lossy(&removed.body)
    );
    assert_eq!(
        app.get(&format!("/collections/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/tiles/{id}/8/138/77.mvt")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        data_tables(app, "region_jonkoping__strukturbild%")
            .await
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replacement_swaps_in_whole_a_failed_one_leaves_the_old_serving_and_rollback_restores_tiles_and_statistics()
 {
    let app = TestApp::new().await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    let id = "region-jonkoping.strukturbild";
    publish(
        &app,
        &own,
        &meta("strukturbild", "public"),
        ("v1.geojson", &squares(2, 0.02)),
    )
    .await;
    let first_area = area(&app, id).await;
    assert!(first_area > 0.0);
    let tile_v1 = app.get(&format!("/tiles/{id}/8/138/77.mvt")).await;

    // meta may leave out what it keeps: title and licence come from the serving version.
    let put = send_form(
        &app,
        ("PUT", &format!("/api/datasets/{id}")),
        Some(&own),
        &json!({}),
        ("v2.geojson", &squares(5, 0.02)),
    )
    .await;
    let job = finished(&app, &own, &put).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(count(&app, id).await, 5);
    let doc = app.get(&format!("/collections/{id}")).await.json();
    assert_eq!(doc["title"], "Strukturbild 2040");

    a_file_mixing_families_fails_its_job(&app, &own, id).await;

    let versions = app
        .get(&format!("/api/datasets/{id}/versions"))
        .await
        .json();
    let listed = versions["versions"].as_array().expect("versions");
    assert_eq!(listed.len(), 2, "{versions:#}");
    assert_eq!(listed[0]["serving"], true);
    assert_eq!(listed[1]["source"], "v1.geojson");
    assert_eq!(
        data_tables(&app, "region_jonkoping__strukturbild_v%")
            .await
            .len(),
        2,
        "the serving and the kept table"
    );

    let back = send(
        &app,
        ("POST", &format!("/api/datasets/{id}/rollback")),
        Some(&own),
        None,
    )
    .await;
    let job = finished(&app, &own, &back).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert_eq!(count(&app, id).await, 2);
    assert!(
        (area(&app, id).await - first_area).abs() < 1e-6,
        "statistics of version 1 again"
    );
    let tile_back = app.get(&format!("/tiles/{id}/8/138/77.mvt")).await;
    assert_eq!(decode(&tile_back.body).len(), decode(&tile_v1.body).len());
    assert_eq!(tile_back.body, tile_v1.body, "the tile of version 1 again");
    // The rolled-back version is kept in its place: a rollback can be undone.
    let again = app
        .get(&format!("/api/datasets/{id}/versions"))
        .await
        .json();
    assert_eq!(again["versions"][1]["features"], 5, "{again:#}");
    let none = send(
        &app,
        ("POST", &format!("/api/datasets/{id}/rollback")),
        Some(&own),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    // After a new version, a rollback goes to what served before it — version 1 — not to
    // the higher-numbered version 2 that was rolled away from.
    let v3 = send_form(
        &app,
        ("PUT", &format!("/api/datasets/{id}")),
        Some(&own),
        &json!({}),
        ("v3.geojson", &squares(4, 0.02)),
    )
    .await;
    assert_eq!(finished(&app, &own, &v3).await["state"], "succeeded");
    assert_eq!(count(&app, id).await, 4);
    let back = send(
        &app,
        ("POST", &format!("/api/datasets/{id}/rollback")),
        Some(&own),
        None,
    )
    .await;
    assert_eq!(finished(&app, &own, &back).await["state"], "succeeded");
    assert_eq!(count(&app, id).await, 2);

    removing_takes_features_tiles_and_tables(&app, &own, id).await;
}

/// A zip of `members`, each deflated.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).expect("member");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("zip");
    out.into_inner()
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// Asserts `reply` is `status` with a message saying `says`.
fn refused(reply: &Reply, (status, says): (StatusCode, &str)) {
    assert_eq!(
        reply.status,
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let message = reply.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains(says), "{message:?} should say {says:?}");
}

/// Uploads `file` with `meta` as `key`'s holder and asserts it is refused so.
async fn refuse(
    app: &TestApp,
    key: &str,
    meta: &Value,
    file: (&str, &[u8]),
    expected: (StatusCode, &str),
) {
    let reply = send_form(app, ("POST", "/api/datasets"), Some(key), meta, file).await;
    refused(&reply, expected);
}

/// A second upload while a job runs on the dataset is `409`; one whose server died a
/// minute ago holds it no longer; once loaded, a new upload of the id is `409` too.
async fn a_second_upload_waits_for_the_first(app: &TestApp, own: &str, m: &Value) {
    let client = app.db.client().await;
    client
        .execute("INSERT INTO rummet.jobs (kind, dataset, organisation) VALUES ('upload', 'region-jonkoping.fel', 'region-jonkoping')", &[])
        .await
        .expect("running job");
    refuse(
        app,
        own,
        m,
        ("s.geojson", &squares(1, 0.01)),
        (StatusCode::CONFLICT, "being changed by job"),
    )
    .await;
    // One whose server died a minute ago holds the dataset no longer.
    client
        .execute(
            "UPDATE rummet.jobs SET updated_at = now() - interval '2 minutes'",
            &[],
        )
        .await
        .expect("stale");
    publish(app, own, m, ("s.geojson", &squares(1, 0.01))).await;
    let exists = send_form(
        app,
        ("POST", "/api/datasets"),
        Some(own),
        m,
        ("s.geojson", &squares(1, 0.01)),
    )
    .await;
    refused(&exists, (StatusCode::CONFLICT, "exists"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zip_bomb_an_escaping_member_an_oversize_file_a_wrong_crs_an_unknown_format_and_a_second_upload_are_refused_leaving_nothing()
 {
    let uploads = tempfile::tempdir().expect("dir");
    let mut config = Config::default();
    config.publishing.max_upload_mb = 1;
    config.publishing.upload_dir = Some(uploads.path().to_owned());
    let app = TestApp::with_config(config).await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    let before = data_tables(&app, "%").await;
    let m = meta("fel", "public");

    let bomb = zip_of(&[("bomb.geojson", &vec![b' '; 40 << 20])]);
    assert!(bomb.len() < 1 << 20, "a bomb fits under the upload cap");
    let escaping = zip_of(&[("../../etc/cron.d/x.geojson", &squares(1, 0.01))]);
    let dir = tempfile::tempdir().expect("dir");
    let shp =
        std::fs::read(fixtures::write(agency::entry("naturreservat"), dir.path())).expect("zip");
    let mut wrong = m.clone();
    wrong["crs"] = json!("EPSG:4326");
    let mut no_licence = m.clone();
    no_licence.as_object_mut().expect("meta").remove("licence");
    let one = squares(1, 0.01);
    let cases: [(&Value, &str, &[u8], StatusCode, &str); 7] = [
        (
            &m,
            "bomb.zip",
            &bomb,
            StatusCode::PAYLOAD_TOO_LARGE,
            "zip bomb",
        ),
        (
            &m,
            "esc.zip",
            &escaping,
            StatusCode::BAD_REQUEST,
            "outside the archive",
        ),
        (
            &m,
            "big.geojson",
            &vec![b'{'; (1 << 20) + 10],
            StatusCode::PAYLOAD_TOO_LARGE,
            "over 1 MiB",
        ),
        (
            &wrong,
            "NR.zip",
            &shp,
            StatusCode::BAD_REQUEST,
            "declares EPSG:3006",
        ),
        (
            &m,
            "budget.xlsx",
            b"PK\x05\x06not really",
            StatusCode::BAD_REQUEST,
            "unknown format",
        ),
        (
            &m,
            "notes.docx",
            b"%PDF-1.4",
            StatusCode::BAD_REQUEST,
            "unknown format",
        ),
        (
            &no_licence,
            "s.geojson",
            &one,
            StatusCode::BAD_REQUEST,
            "\"licence\" is required",
        ),
    ];
    for (meta, name, bytes, status, says) in cases {
        refuse(&app, &own, meta, (name, bytes), (status, says)).await;
    }
    a_second_upload_waits_for_the_first(&app, &own, &m).await;

    let after = data_tables(&app, "%").await;
    // One version table and its statistics overlays: nothing of the refused uploads.
    let new: Vec<&String> = after
        .iter()
        .filter(|t| !before.contains(t) && !t.starts_with("ov_"))
        .collect();
    assert!(
        new.len() == 1 && new[0].starts_with("region_jonkoping__fel_v"),
        "{after:?}"
    );
    assert!(
        empty(uploads.path()),
        "uploads are removed once refused or loaded"
    );
    let registry: i64 = app
        .db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM rummet.datasets WHERE id LIKE 'region-jonkoping.%'",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(registry, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_replaces_a_catalog_dataset_with_the_agencys_file_read_as_the_catalog_says() {
    let app = TestApp::new().await;
    let admin = key(&app, "rummet-drift", Scope::Admin).await;
    let dir = tempfile::tempdir().expect("dir");
    let entry = agency::entry("naturreservat");
    let zip = std::fs::read(fixtures::write(entry, dir.path())).expect("fixture");
    let put = send_form(
        &app,
        ("PUT", "/api/datasets/naturreservat"),
        Some(&admin),
        &json!({}),
        ("NR.zip", &zip),
    )
    .await;
    let job = finished(&app, &admin, &put).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    // The catalog's filter (decisions in force) applies, as for `rummet load`.
    assert_eq!(
        job["report"]["rows_loaded"].as_u64(),
        Some(fixtures::kept(entry) as u64),
        "{job:#}"
    );
    let doc = app.get("/collections/naturreservat").await.json();
    assert_eq!(doc["title"], entry.title.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_seed_and_reload_catalog_datasets_as_jobs_and_see_every_organisations_jobs() {
    let app = TestApp::new().await;
    let admin = key(&app, "rummet-drift", Scope::Admin).await;
    let own = key(&app, "region-jonkoping", Scope::Publish).await;
    let neighbour = key(&app, "region-kalmar", Scope::Publish).await;
    let upload = publish(
        &app,
        &own,
        &meta("strukturbild", "public"),
        ("s.geojson", &squares(1, 0.01)),
    )
    .await;

    let seeded = send(
        &app,
        ("POST", "/api/admin/datasets/kommun/seed"),
        Some(&admin),
        Some(json!({"zooms": "0-3"})),
    )
    .await;
    let job = finished(&app, &admin, &seeded).await;
    assert_eq!(job["state"], "succeeded", "{job:#}");
    assert!(
        job["report"]["rendered"].as_u64().unwrap_or(0)
            + job["report"]["kept"].as_u64().unwrap_or(0)
            > 0,
        "{job:#}"
    );
    assert_eq!(
        send(
            &app,
            ("POST", "/api/admin/datasets/kommun/seed"),
            Some(&admin),
            Some(json!({"zooms": "9-2"}))
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );

    // The agency cannot be reached from here: the job says so, and the loaded version serves.
    let reload = send(
        &app,
        ("POST", "/api/admin/datasets/lan/reload"),
        Some(&admin),
        Some(json!({"url": "http://127.0.0.1:9/lan.parquet"})),
    )
    .await;
    let job = finished(&app, &admin, &reload).await;
    assert_eq!(job["state"], "failed");
    assert!(
        job["error"]
            .as_str()
            .unwrap_or_default()
            .contains("127.0.0.1:9"),
        "{job:#}"
    );
    assert_eq!(app.get("/collections/lan").await.status, StatusCode::OK);

    let scraped = String::from_utf8_lossy(&app.get("/metrics").await.body).into_owned();
    for wanted in [
        "rummet_jobs_total{kind=\"seed\",result=\"succeeded\"}",
        "rummet_jobs_total{kind=\"reload\",result=\"failed\"}",
        "rummet_job_duration_seconds_count{kind=\"upload\"}",
        "rummet_dataset_loaded_timestamp_seconds{dataset=\"region-jonkoping.strukturbild\"}",
    ] {
        assert!(scraped.contains(wanted), "{wanted} missing from /metrics");
    }
    let all = send(&app, ("GET", "/api/jobs"), Some(&admin), None)
        .await
        .json();
    assert_eq!(all["jobs"].as_array().expect("jobs").len(), 3, "{all:#}");
    let theirs = send(&app, ("GET", "/api/jobs"), Some(&neighbour), None)
        .await
        .json();
    assert!(theirs["jobs"].as_array().expect("jobs").is_empty());
    let uri = format!("/api/jobs/{}", upload["id"]);
    assert_eq!(
        send(&app, ("GET", &uri), Some(&neighbour), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, ("GET", &uri), Some(&admin), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_keeps_versions_lists_them_rolls_back_and_removes_through_the_same_code() {
    let app = TestApp::new().await;
    let first = crate::load_cli::version(&app.db, "lan")
        .await
        .expect("lan loaded");
    let run = |args: &[&str]| {
        let out = crate::load_cli::rummet(&app.db, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["load", "lan", "--no-seed"]);
    let second = crate::load_cli::version(&app.db, "lan")
        .await
        .expect("lan loaded");
    assert!(second > first);
    let listed: Value = serde_json::from_str(&run(&["versions", "lan", "--json"])).expect("json");
    let versions: Vec<(i64, bool)> = listed
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| (v["version"].as_i64().unwrap_or(0), v["serving"] == true))
        .collect();
    assert_eq!(versions, [(second, true), (first, false)]);

    let said = run(&["rollback", "lan"]);
    assert!(
        said.contains(&format!("version {first} serves again")),
        "{said}"
    );
    assert_eq!(crate::load_cli::version(&app.db, "lan").await, Some(first));
    let lan = app
        .get("/api/stats/kommun?by=lan&measure=count&in=lan:06")
        .await;
    assert_eq!(lan.status, StatusCode::OK, "statistics by the restored län");

    run(&["remove", "lan"]);
    assert_eq!(crate::load_cli::version(&app.db, "lan").await, None);
    assert!(data_tables(&app, "lan_v%").await.is_empty());
    let out = crate::load_cli::rummet(&app.db, &["rollback", "lan"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lan: no earlier version is kept"));
    let actions = audit_rows(&app).await;
    assert!(
        actions
            .iter()
            .any(|(a, r, o)| a == "dataset.rollback" && r == "done" && o.is_none()),
        "{actions:?}"
    );
}
