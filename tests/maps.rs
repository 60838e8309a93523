//! Saved map views: saved by an organisation's publish key, opened by anyone they are shared
//! with at `/m/{slug}` (the atlas in that state), changed or deleted only by their
//! organisation, every write audited.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use rummet::access::{self, Scope};
use serde_json::{Value, json};

use crate::support::{Reply, TestApp, key};

async fn send(
    app: &TestApp,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("host", "rummet.test");
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.request(req.body(body).expect("request")).await
}

const STATE: &str = "l=naturreservat:0.8&r=lan:05,lan:06,lan:08&c=naturreservat;share;kommun;region;quantile;5;YlGn;&v=6.2/15.1/57.6";

struct Keys {
    publisher: String,
    reader: String,
    neighbour: String,
}

/// An app with keys of region-jonkoping (publish, read) and region-kalmar (publish), and a
/// public view saved by region-jonkoping: its slug.
async fn saved() -> (TestApp, Keys, String) {
    let app = TestApp::new().await;
    let keys = Keys {
        publisher: key(&app, "region-jonkoping", Scope::Publish).await,
        reader: key(&app, "region-jonkoping", Scope::Read).await,
        neighbour: key(&app, "region-kalmar", Scope::Publish).await,
    };
    let view = json!({"title": "Gränsområdet Jönköping–Kalmar–Östergötland",
                      "description": "Skyddad natur per kommun", "state": format!("#{STATE}")});
    let made = send(&app, "POST", "/api/maps", Some(&keys.publisher), Some(view)).await;
    assert_eq!(
        made.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&made.body)
    );
    let doc = made.json();
    let slug = doc["slug"].as_str().expect("slug").to_owned();
    assert_eq!(
        made.header("location"),
        Some(format!("http://rummet.test/api/maps/{slug}").as_str())
    );
    assert_eq!(doc["url"], format!("http://rummet.test/m/{slug}"));
    assert_eq!(doc["organisation"], "region-jonkoping");
    assert_eq!(doc["state"], STATE);
    (app, keys, slug)
}

#[tokio::test]
async fn a_saved_view_opens_the_atlas_in_its_state_for_anyone_when_public() {
    let (app, keys, slug) = saved().await;
    assert!(
        slug.starts_with("gransomradet-jonkoping-kalmar-ostergotland-"),
        "{slug}"
    );
    let view = json!({"title": "x", "state": STATE});
    let without = send(&app, "POST", "/api/maps", None, Some(view.clone())).await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    let read_only = send(&app, "POST", "/api/maps", Some(&keys.reader), Some(view)).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    let doc = send(&app, "GET", &format!("/api/maps/{slug}"), None, None)
        .await
        .json();
    assert_eq!(doc["title"], "Gränsområdet Jönköping–Kalmar–Östergötland");
    let open = send(&app, "GET", &format!("/m/{slug}"), None, None).await;
    assert_eq!(open.status, StatusCode::SEE_OTHER);
    assert_eq!(open.header("location"), Some(format!("/#{STATE}").as_str()));
}

#[tokio::test]
async fn another_organisation_may_open_a_view_but_not_change_or_delete_it() {
    let (app, keys, slug) = saved().await;
    let uri = format!("/api/maps/{slug}");
    let change = json!({"title": "Kalmars version", "state": "l=lan"});
    let refused = send(&app, "PUT", &uri, Some(&keys.neighbour), Some(change)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("belongs to region-jonkoping"))
    );
    let refused = send(&app, "DELETE", &uri, Some(&keys.neighbour), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&app, "DELETE", &uri, Some(&keys.publisher), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, "GET", &uri, Some(&keys.publisher), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let trail = access::audit_list(&app.db.client().await, Some("region-kalmar"), 10)
        .await
        .expect("audit");
    let actions: Vec<_> = trail
        .iter()
        .map(|e| (e.action.as_str(), e.result.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("map.delete", "refused"), ("map.update", "refused")]
    );
}

#[tokio::test]
async fn an_org_only_view_is_unseen_without_its_organisations_key() {
    let (app, keys, slug) = saved().await;
    let uri = format!("/api/maps/{slug}");
    let private = json!({"title": "Utkast", "state": STATE, "visibility": "org"});
    assert_eq!(
        send(&app, "PUT", &uri, Some(&keys.publisher), Some(private))
            .await
            .status,
        StatusCode::OK
    );
    for who in [None, Some(keys.neighbour.as_str())] {
        assert_eq!(
            send(&app, "GET", &uri, who, None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            send(&app, "GET", &format!("/m/{slug}"), who, None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        send(&app, "GET", &uri, Some(&keys.reader), None)
            .await
            .status,
        StatusCode::OK
    );
    let open = send(
        &app,
        "GET",
        &format!("/m/{slug}?key={}", keys.reader),
        None,
        None,
    )
    .await;
    assert_eq!(
        open.header("location"),
        Some(format!("/?key={}#{STATE}", keys.reader).as_str())
    );
    let listed = |doc: Value| doc["maps"].as_array().map_or(0, Vec::len);
    assert_eq!(
        listed(send(&app, "GET", "/api/maps", None, None).await.json()),
        0
    );
    let own = send(
        &app,
        "GET",
        "/api/maps?organisation=region-jonkoping",
        Some(&keys.reader),
        None,
    )
    .await;
    assert_eq!(listed(own.json()), 1);
}

#[tokio::test]
async fn a_taken_slug_or_a_bad_view_is_refused_saying_why() {
    let (app, keys, _) = saved().await;
    let named = json!({"title": "Utkast", "state": STATE, "slug": "rus-utkast"});
    let post = |body: Value| send(&app, "POST", "/api/maps", Some(&keys.publisher), Some(body));
    assert_eq!(post(named.clone()).await.status, StatusCode::CREATED);
    assert_eq!(post(named).await.status, StatusCode::CONFLICT);
    for bad in [
        json!({"title": "", "state": STATE}),
        json!({"title": "x", "state": ""}),
        json!({"title": "x", "state": STATE, "slug": "Stor/Slug"}),
        json!({"title": "x", "state": STATE, "owner": "me"}),
    ] {
        let reply = post(bad.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            reply.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}
