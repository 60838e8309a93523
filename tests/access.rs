//! Organisations, API keys and the audit trail: made on the command line, checked on every
//! request that carries a key, refused as `401`, `403` or `429` as a client should be told,
//! and every write written down.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rummet::access::Scope;

use crate::load_cli::rummet;
use crate::support::{Reply, TestApp, key};

async fn get_with(app: &TestApp, uri: &str, authorization: Option<&str>) -> Reply {
    let mut req = Request::get(uri).header("host", "rummet.test");
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    app.request(req.body(Body::empty()).expect("request")).await
}

async fn post_with(app: &TestApp, uri: &str, bearer: Option<&str>) -> Reply {
    let mut req = Request::post(uri).header("host", "rummet.test");
    if let Some(key) = bearer {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    app.request(req.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn a_key_made_on_the_command_line_is_shown_once_listed_without_its_secret_and_revoked() {
    let app = TestApp::new().await;
    let out = rummet(
        &app.db,
        &["org", "add", "region-jonkoping", "Region Jönköpings län"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rummet(
        &app.db,
        &[
            "key",
            "create",
            "--org",
            "region-jonkoping",
            "--scope",
            "publish",
            "--label",
            "QGIS",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        key.starts_with("rmt_") && key.len() == 4 + 12 + 1 + 64,
        "{key}"
    );
    let id = &key[4..16];

    let reply = get_with(&app, "/api/whoami", Some(&format!("Bearer {key}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        serde_json::json!({"organisation": "region-jonkoping", "key_id": id, "scope": "publish"})
    );

    let listed = rummet(&app.db, &["key", "list"]);
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains(id) && listed.contains("publish") && listed.contains("active"));
    assert!(!listed.contains(&key[17..]), "the secret is never listed");
    // The database holds its hash only.
    let stored: i64 = app
        .db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM rummet.api_keys WHERE encode(secret_hash, 'hex') LIKE '%' || $1 || '%'",
            &[&&key[17..]],
        )
        .await
        .expect("query")
        .get(0);
    assert_eq!(stored, 0);

    let out = rummet(&app.db, &["key", "revoke", id]);
    assert!(out.status.success());
    let reply = get_with(&app, "/api/whoami", Some(&format!("Bearer {key}"))).await;
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "a revoked key is refused at once"
    );
    let again = rummet(&app.db, &["key", "revoke", id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no active key"));

    let unknown = rummet(&app.db, &["key", "create", "--org", "region-nowhere"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("rummet org add region-nowhere"));

    let trail = rummet(&app.db, &["audit", "--json"]);
    let trail: serde_json::Value = serde_json::from_slice(&trail.stdout).expect("json");
    let actions: Vec<(&str, &str)> = trail
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or(""),
                e["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("key.create", "refused"),
            ("key.revoke", "refused"),
            ("key.revoke", "done"),
            ("key.create", "done"),
            ("organisation.add", "done"),
        ]
    );
    assert!(
        trail[0]["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("cli:"))
    );
}

#[tokio::test]
async fn a_key_is_taken_as_bearer_as_basic_password_or_in_the_query_and_a_bad_one_is_refused() {
    let app = TestApp::new().await;
    let key = key(&app, "lansstyrelsen-kalmar", Scope::Read).await;
    let basic = {
        // Base64 of "qgis:<key>", as QGIS sends a password.
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let text = format!("qgis:{key}");
        let bytes = text.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        while !out.len().is_multiple_of(4) {
            out.push('=');
        }
        format!("Basic {out}")
    };
    for (uri, auth) in [
        ("/api/whoami".to_owned(), Some(format!("Bearer {key}"))),
        ("/api/whoami".to_owned(), Some(basic)),
        (format!("/api/whoami?key={key}"), None),
    ] {
        let reply = get_with(&app, &uri, auth.as_deref()).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri} {auth:?}");
        assert_eq!(reply.json()["organisation"], "lansstyrelsen-kalmar");
    }

    let none = get_with(&app, "/api/whoami", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"rummet\"")
    );
    assert_eq!(none.json()["error"], "unauthorized");
    let mut wrong = key.clone();
    wrong.replace_range(key.len() - 4.., "0000");
    let bad = get_with(&app, "/api/whoami", Some(&format!("Bearer {wrong}"))).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["error"], "invalid_key");
    // A read without a key stays open: open data needs none.
    assert_eq!(app.get("/catalog").await.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_invalid_keys_are_counted_by_the_forwarded_client_address() {
    // In-process requests have no peer address: 0.0.0.0 stands for the proxy.
    let config = rummet::config::Config {
        trusted_proxies: vec!["0.0.0.0".into()],
        ..Default::default()
    };
    let app = TestApp::with_config(config).await;
    let bad = format!("rmt_000000000000_{}", "0".repeat(64));
    let from = |client: &str| {
        Request::get("/api/whoami")
            .header("host", "rummet.test")
            .header("authorization", format!("Bearer {bad}"))
            .header("x-forwarded-for", format!("{client}, 0.0.0.0"))
            .body(Body::empty())
            .expect("request")
    };
    for _ in 0..20 {
        assert_eq!(
            app.request(from("198.51.100.1")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.request(from("198.51.100.1")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held off for the first one's guesses.
    assert_eq!(
        app.request(from("198.51.100.2")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_address_sending_invalid_keys_is_held_off_with_429_and_retry_after() {
    let app = TestApp::new().await;
    let good = key(&app, "region-kalmar", Scope::Read).await;
    let bad = format!("rmt_000000000000_{}", "0".repeat(64));
    for _ in 0..20 {
        let reply = get_with(&app, "/api/whoami", Some(&format!("Bearer {bad}"))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let reply = get_with(&app, "/api/whoami", Some(&format!("Bearer {bad}"))).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        reply
            .header("retry-after")
            .and_then(|s| s.parse::<u64>().ok())
            .is_some_and(|s| (1..=60).contains(&s))
    );
    // Even a good key waits out the window: guesses cannot be mixed with it.
    let reply = get_with(&app, "/api/whoami", Some(&format!("Bearer {good}"))).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn purging_a_datasets_tiles_needs_an_admin_key_and_is_written_to_the_audit_trail() {
    let app = TestApp::new().await;
    let publish = key(&app, "region-jonkoping", Scope::Publish).await;
    let admin = key(&app, "rummet-drift", Scope::Admin).await;
    let stored = async || -> i64 {
        app.db
            .client()
            .await
            .query_one(
                "SELECT count(*) FROM rummet.tiles WHERE dataset = 'kommun'",
                &[],
            )
            .await
            .expect("count")
            .get(0)
    };
    // A miss below zoom 10 is written through to the store.
    assert_eq!(
        app.get("/tiles/kommun/5/17/9.mvt").await.status,
        StatusCode::OK
    );
    for _ in 0..50 {
        if stored().await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(stored().await > 0, "the tile was stored");

    let uri = "/api/admin/datasets/kommun/purge";
    assert_eq!(
        post_with(&app, uri, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let refused = post_with(&app, uri, Some(&publish)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("scope admin"))
    );
    assert!(stored().await > 0);

    let done = post_with(&app, uri, Some(&admin)).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.json()["stored_tiles_deleted"]
            .as_u64()
            .is_some_and(|n| n > 0)
    );
    assert_eq!(stored().await, 0);
    // Tiles are rendered again as asked.
    assert_eq!(
        app.get("/tiles/kommun/5/17/9.mvt").await.status,
        StatusCode::OK
    );
    let unknown = post_with(&app, "/api/admin/datasets/nothing/purge", Some(&admin)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    assert_eq!(
        get_with(&app, "/api/audit", Some(&format!("Bearer {publish}")))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let trail = get_with(
        &app,
        "/api/audit?limit=10",
        Some(&format!("Bearer {admin}")),
    )
    .await;
    assert_eq!(trail.status, StatusCode::OK);
    let entries = trail.json()["entries"].clone();
    assert_eq!(entries[0]["action"], "dataset.purge");
    assert_eq!(entries[0]["target"], "nothing");
    assert_eq!(entries[0]["result"], "refused");
    assert_eq!(entries[1]["target"], "kommun");
    assert_eq!(entries[1]["result"], "done");
    assert_eq!(entries[1]["organisation"], "rummet-drift");
    assert_eq!(entries[1]["key_id"], &admin[4..16]);
    assert_eq!(entries[1]["actor"], format!("key:{}", &admin[4..16]));
}

/// `rummet visibility <args>`, which must succeed, then the server's registry read again
/// (as its `NOTIFY` listener would).
async fn visibility(app: &TestApp, args: &[&str]) {
    let mut all = vec!["visibility"];
    all.extend_from_slice(args);
    let out = rummet(&app.db, &all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.state
        .datasets
        .reload_all(&app.state.pool)
        .await
        .expect("registry");
}

#[tokio::test]
async fn a_dataset_that_is_not_public_is_unseen_on_every_read_path_without_the_right_key() {
    let app = TestApp::new().await;
    let reader = key(&app, "region-jonkoping", Scope::Read).await;
    let neighbour = key(&app, "region-kalmar", Scope::Publish).await;
    let admin = key(&app, "rummet-drift", Scope::Admin).await;
    visibility(&app, &["fa", "org", "--org", "region-jonkoping"]).await;

    // (path, status when unseen)
    let paths = [
        ("/tiles/fa/5/17/9.mvt", StatusCode::NOT_FOUND),
        ("/tiles/kommun,fa/5/17/9.mvt", StatusCode::NOT_FOUND),
        ("/tiles/fa.json", StatusCode::NOT_FOUND),
        ("/styles/fa.json", StatusCode::NOT_FOUND),
        ("/collections/fa", StatusCode::NOT_FOUND),
        ("/collections/fa/items?limit=1", StatusCode::NOT_FOUND),
        (
            "/collections/fa/tiles/WebMercatorQuad/5/9/17",
            StatusCode::NOT_FOUND,
        ),
        // Statistics call an unknown dataset or division a bad question, not a resource.
        ("/api/stats/fa?by=lan", StatusCode::BAD_REQUEST),
        ("/api/stats/kommun?by=fa", StatusCode::BAD_REQUEST),
        ("/api/divisions/fa", StatusCode::BAD_REQUEST),
    ];
    let with = |uri: &str, key: &str| {
        let sep = if uri.contains('?') { '&' } else { '?' };
        format!("{uri}{sep}key={key}")
    };
    for (uri, unseen) in paths {
        assert_eq!(app.get(uri).await.status, unseen, "{uri} without a key");
        assert_eq!(
            app.get(&with(uri, &neighbour)).await.status,
            unseen,
            "{uri} with another organisation's key"
        );
        for key in [&reader, &admin] {
            let reply = app.get(&with(uri, key)).await;
            assert!(
                reply.status.is_success(),
                "{uri} with a key that may see it: {}",
                reply.status
            );
        }
    }
    let listed = |doc: serde_json::Value, list: &str| -> bool {
        doc[list]
            .as_array()
            .expect("list")
            .iter()
            .any(|d| d["id"] == "fa")
    };
    assert!(!listed(app.get("/catalog").await.json(), "datasets"));
    assert!(!listed(app.get("/collections").await.json(), "collections"));
    assert!(listed(
        app.get(&with("/catalog", &reader)).await.json(),
        "datasets"
    ));
    assert!(listed(
        app.get(&with("/collections", &reader)).await.json(),
        "collections"
    ));

    // A key given in the URL is carried into the links Rummet writes; its tiles are private.
    let tilejson = app.get(&with("/tiles/fa.json", &reader)).await.json();
    let tiles = tilejson["tiles"][0].as_str().expect("tiles url");
    assert!(tiles.ends_with(&format!(".mvt?key={reader}")), "{tiles}");
    let style = app.get(&with("/styles/fa.json", &reader)).await.json();
    assert!(
        style["sources"]["fa"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("?key={reader}")))
    );
    let tile = app.get(&with("/tiles/fa/5/17/9.mvt", &reader)).await;
    assert!(
        tile.header("cache-control")
            .is_some_and(|c| c.starts_with("private"))
    );
    let public = app.get("/tiles/kommun/5/17/9.mvt").await;
    assert!(
        public
            .header("cache-control")
            .is_some_and(|c| c.starts_with("public"))
    );

    // Back to public: seen by all again.
    visibility(&app, &["fa", "public"]).await;
    assert_eq!(app.get("/tiles/fa.json").await.status, StatusCode::OK);
    let refused = rummet(&app.db, &["visibility", "kommun", "private"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--org"));
}
