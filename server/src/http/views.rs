//! Saved map views over HTTP: `POST /api/maps`, `GET /api/maps`, `GET|PUT|DELETE
//! /api/maps/{slug}`, and `/m/{slug}`, which opens the atlas in the saved state. Every write
//! is audited.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::ApiError;
use super::auth::Caller;
use super::base_url::base_url;
use crate::access::{self, Outcome, Principal, Scope};
use crate::app::AppState;
use crate::views::{self, MapView, ViewError, ViewInput};

fn body(input: Result<Json<ViewInput>, JsonRejection>) -> Result<ViewInput, ApiError> {
    input
        .map(|Json(v)| v)
        .map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))
}

/// The view with its addresses.
fn shown(view: &MapView, base: &str, caller: &Caller) -> serde_json::Value {
    let mut doc = serde_json::to_value(view).unwrap_or_default();
    doc["url"] = json!(caller.link(&format!("{base}/m/{}", view.slug)));
    doc
}

/// Records a write and passes its result on.
async fn audited<T>(
    app: &AppState,
    who: &Principal,
    (action, target): (&str, &str),
    result: Result<T, ViewError>,
) -> Result<T, ApiError> {
    let outcome = match &result {
        Ok(_) => Outcome::Done,
        Err(ViewError::Query(_)) => Outcome::Failed,
        Err(_) => Outcome::Refused,
    };
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    access::audit_record(
        &**client,
        Some(who),
        "",
        (action, target),
        outcome,
        &json!({}),
    )
    .await?;
    Ok(result?)
}

/// `POST /api/maps`: saves a view (`publish`); `201` with `Location`.
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    input: Result<Json<ViewInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let input = body(input)?;
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let made = views::create(&**client, who, &input).await;
    let target = made.as_ref().map_or(String::new(), |v| v.slug.clone());
    let view = audited(&app, who, ("map.create", &target), made).await?;
    let base = base_url(&app.config, &headers);
    let location = HeaderValue::from_str(&format!("{base}/api/maps/{}", view.slug))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/maps"));
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shown(&view, &base, &caller)),
    )
        .into_response())
}

/// `GET /api/maps?organisation=`: the views the caller may open.
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let organisation = super::ogc::query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "organisation")
        .map(|(_, v)| v);
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let found = views::list(&**client, organisation.as_deref(), caller.viewer()).await?;
    let base = base_url(&app.config, &headers);
    let maps: Vec<_> = found.iter().map(|v| shown(v, &base, &caller)).collect();
    Ok(Json(json!({ "maps": maps })).into_response())
}

/// `GET /api/maps/{slug}`.
pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let view = views::get(&**client, &slug, caller.viewer()).await?;
    let base = base_url(&app.config, &headers);
    Ok(Json(shown(&view, &base, &caller)).into_response())
}

/// `PUT /api/maps/{slug}`: changes a view of the caller's organisation.
pub async fn update(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(slug): Path<String>,
    input: Result<Json<ViewInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let input = body(input)?;
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let changed = views::update(&**client, &slug, who, &input).await;
    let view = audited(&app, who, ("map.update", &slug), changed).await?;
    let base = base_url(&app.config, &headers);
    Ok(Json(shown(&view, &base, &caller)).into_response())
}

/// `DELETE /api/maps/{slug}`: `204`.
pub async fn delete(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let deleted = views::delete(&**client, &slug, who).await;
    audited(&app, who, ("map.delete", &slug), deleted).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `/m/{slug}`: the atlas in the saved state (`303` to `/#<state>`, with the key carried
/// when it came in the URL).
pub async fn open(
    State(app): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> Result<Response, ApiError> {
    let client = app.pool.get().await.map_err(access::AccessError::from)?;
    let view = views::get(&**client, &slug, caller.viewer()).await?;
    let target = format!("{}#{}", caller.link("/"), view.state);
    let location = HeaderValue::from_str(&target).map_err(|_| {
        ApiError::bad_request("invalid_state", "the saved state is not a URL fragment")
    })?;
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}
