//! Publishing over HTTP: `POST /api/datasets` and `PUT /api/datasets/{id}` (multipart:
//! `file` and `meta`), `PATCH`/`DELETE /api/datasets/{id}`, versions and rollback, jobs, and
//! the admin operations. Handlers receive and answer; `publish` decides.
//!
//! An upload streams to disk, counted against `publishing.max_upload_mb` (`413` past it),
//! and is never held in memory. These routes sit outside the request deadline (a large file
//! on a slow line takes longer than any answer should), guarded instead by a minute's
//! silence from the client.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rummet_loaders::upload::UploadMeta;
use serde::Deserialize;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use super::ApiError;
use super::auth::Caller;
use super::base_url::base_url;
use crate::access::Scope;
use crate::app::AppState;
use crate::publish::{self, Received};

/// Longest a client may send nothing while uploading.
const IDLE: Duration = Duration::from_mins(1);

/// Largest `meta` part.
const MAX_META_BYTES: usize = 1 << 20;

/// `POST /api/datasets`: `202` with `Location: /api/jobs/{n}`.
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let (meta, file) = receive(&app, form).await?;
    let job = publish::create(&app, who, meta, file).await?;
    accepted(&app, &headers, &caller, job).await
}

/// `PUT /api/datasets/{id}`: a new version; `202` with `Location: /api/jobs/{n}`.
pub async fn replace(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let (meta, file) = receive(&app, form).await?;
    let job = publish::replace(&app, who, &id, meta, file).await?;
    accepted(&app, &headers, &caller, job).await
}

/// The body of `PATCH /api/datasets/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    visibility: String,
    #[serde(default)]
    organisation: Option<String>,
}

/// `PATCH /api/datasets/{id}`: who may see it.
pub async fn patch(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let patch: Patch = json_body(&body)?.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_body",
            "send {\"visibility\": \"public|org|private\"}",
        )
    })?;
    publish::set_visibility(
        &app,
        who,
        &id,
        &patch.visibility,
        patch.organisation.as_deref(),
    )
    .await?;
    let ds = app.datasets.get_any(
        &rummet_core::DatasetId::parse(&id)
            .map_err(|e| ApiError::bad_request("invalid_dataset", e.to_string()))?,
    );
    Ok(Json(json!({
        "id": id,
        "visibility": ds.as_ref().map(|d| d.visibility.as_str()),
        "organisation": ds.as_ref().and_then(|d| d.organisation.clone()),
    }))
    .into_response())
}

/// `DELETE /api/datasets/{id}`: `204`.
pub async fn delete(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    publish::remove(&app, who, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/datasets/{id}/versions`.
pub async fn versions(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let found = publish::list_versions(&app, caller.viewer(), &id).await?;
    Ok(Json(json!({ "id": id, "versions": found })).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RollbackBody {
    #[serde(default)]
    version: Option<i64>,
}

/// `POST /api/datasets/{id}/rollback` with an optional `{"version": n}`: `202`.
pub async fn rollback(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Publish)?;
    let to = json_body::<RollbackBody>(&body)?
        .unwrap_or_default()
        .version;
    let job = publish::rollback(&app, who, &id, to).await?;
    accepted(&app, &headers, &caller, job).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReloadBody {
    #[serde(default)]
    url: Option<String>,
}

/// `POST /api/admin/datasets/{id}/reload` with an optional `{"url": …}`: `202`.
pub async fn reload(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Admin)?;
    let url = json_body::<ReloadBody>(&body)?.unwrap_or_default().url;
    let job = publish::reload(&app, who, &id, url).await?;
    accepted(&app, &headers, &caller, job).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBody {
    zooms: String,
}

/// `POST /api/admin/datasets/{id}/seed` with `{"zooms": "0-10"}`: `202`.
pub async fn seed(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Admin)?;
    let zooms = json_body::<SeedBody>(&body)?
        .map_or_else(|| Ok(0..=10), |b| crate::tiles::parse_zooms(&b.zooms))
        .map_err(|e| ApiError::bad_request("invalid_zooms", e))?;
    let job = publish::seed(&app, who, &id, zooms).await?;
    accepted(&app, &headers, &caller, job).await
}

/// `GET /api/jobs/{n}`: a job of the key's organisation (any, for admin).
pub async fn job(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Read)?;
    let unknown = || ApiError::not_found("unknown_job", format!("no job {id}"));
    let n: i64 = id.parse().map_err(|_| unknown())?;
    let client = app.pool.get().await.map_err(publish::PublishError::from)?;
    let job = publish::job(&**client, n, who).await?.ok_or_else(unknown)?;
    Ok(Json(job).into_response())
}

/// `GET /api/jobs?limit=`: the newest jobs of the key's organisation (all, for admin).
pub async fn jobs(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let who = caller.require(Scope::Read)?;
    let limit = super::ogc::query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| k == "limit")
        .map(|(_, v)| v.parse::<i64>())
        .transpose()
        .map_err(|_| {
            ApiError::bad_request("invalid_limit", "limit must be a number from 1 to 1000")
        })?
        .unwrap_or(100)
        .clamp(1, 1000);
    let client = app.pool.get().await.map_err(publish::PublishError::from)?;
    let found = publish::jobs(&**client, who, limit).await?;
    Ok(Json(json!({ "jobs": found })).into_response())
}

/// `202 Accepted` with the job and where to follow it.
async fn accepted(
    app: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    job: i64,
) -> Result<Response, ApiError> {
    let base = base_url(&app.config, headers);
    let url = format!("{base}/api/jobs/{job}");
    let location =
        HeaderValue::from_str(&url).unwrap_or_else(|_| HeaderValue::from_static("/api/jobs"));
    let who = caller.require(Scope::Read)?;
    let client = app.pool.get().await.map_err(publish::PublishError::from)?;
    let doc = publish::job(&**client, job, who).await?;
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    doc["links"] =
        json!([{ "rel": "monitor", "href": caller.link(&url), "type": "application/json" }]);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(doc),
    )
        .into_response())
}

/// A JSON body, or `None` for an empty one.
fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("the body is not the JSON expected: {e}"),
        )
    })
}

/// Reads the form: `meta` as JSON, `file` streamed to a directory of its own.
async fn receive(
    app: &AppState,
    form: Result<Multipart, MultipartRejection>,
) -> Result<(UploadMeta, Received), ApiError> {
    let mut form = form.map_err(|e| {
        ApiError::bad_request(
            "invalid_upload",
            format!(
                "{}: send multipart/form-data with a `file` and a `meta` part",
                e.body_text()
            ),
        )
    })?;
    let p = &app.config.publishing;
    let root = p.upload_dir.clone().unwrap_or_else(std::env::temp_dir);
    let storage = |e: std::io::Error| publish::PublishError::Storage(e.to_string());
    tokio::fs::create_dir_all(&root).await.map_err(storage)?;
    let dir = tempfile::Builder::new()
        .prefix("rummet-upload-")
        .tempdir_in(&root)
        .map_err(storage)?;
    let mut meta = None;
    let mut file = None;
    while let Some(field) = next_field(&mut form).await? {
        match field.name() {
            Some("meta") => {
                let text = small_part(field, MAX_META_BYTES).await?;
                meta = Some(serde_json::from_slice::<UploadMeta>(&text).map_err(|e| {
                    ApiError::bad_request(
                        "invalid_upload",
                        format!("meta is not the JSON expected: {e}"),
                    )
                })?);
            }
            Some("file") if file.is_some() => {
                return Err(ApiError::bad_request(
                    "invalid_upload",
                    "the form has two `file` parts: upload one file per dataset (zip a Shapefile's parts)",
                ));
            }
            Some("file") => {
                let name = file_name(field.file_name());
                let path = dir.path().join(&name);
                let bytes = store(field, &path, p.max_upload_mb.saturating_mul(1 << 20)).await?;
                file = Some((name, path, bytes));
            }
            other => {
                return Err(ApiError::bad_request(
                    "invalid_upload",
                    format!(
                        "unknown part {:?}: the form takes `file` and `meta`",
                        other.unwrap_or("")
                    ),
                ));
            }
        }
    }
    let meta = meta.ok_or_else(|| {
        ApiError::bad_request(
            "invalid_upload",
            "the form has no `meta` part (JSON: id, title, licence, …)",
        )
    })?;
    let (name, path, bytes) =
        file.ok_or_else(|| ApiError::bad_request("invalid_upload", "the form has no `file` part"))?;
    Ok((
        meta,
        Received {
            dir,
            path,
            name,
            bytes,
        },
    ))
}

/// A small part, read chunk by chunk and refused past `max` bytes before it is all in memory.
async fn small_part(mut field: Field<'_>, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    loop {
        let Some(chunk) = next_chunk(&mut field).await? else {
            return Ok(out);
        };
        if out.len() + chunk.len() > max {
            return Err(ApiError::bad_request(
                "invalid_upload",
                format!("the meta part is over {} KiB", max >> 10),
            ));
        }
        out.extend_from_slice(&chunk);
    }
}

/// The part's next chunk, `None` at its end; a client silent for [`IDLE`] is cut off.
async fn next_chunk(field: &mut Field<'_>) -> Result<Option<Bytes>, ApiError> {
    match tokio::time::timeout(IDLE, field.chunk()).await {
        Ok(chunk) => chunk.map_err(multipart_error),
        Err(_) => Err(idle()),
    }
}

async fn next_field(form: &mut Multipart) -> Result<Option<Field<'_>>, ApiError> {
    match tokio::time::timeout(IDLE, form.next_field()).await {
        Ok(next) => next.map_err(multipart_error),
        Err(_) => Err(idle()),
    }
}

/// Streams `field` to `path`, counting; `413` past `max` bytes, with the partial file gone
/// (its directory goes with the request).
async fn store(mut field: Field<'_>, path: &std::path::Path, max: u64) -> Result<u64, ApiError> {
    let storage = |e: std::io::Error| ApiError::from(publish::PublishError::Storage(e.to_string()));
    let mut out = tokio::fs::File::create(path).await.map_err(storage)?;
    let mut bytes = 0u64;
    loop {
        let Some(chunk) = next_chunk(&mut field).await? else {
            break;
        };
        bytes += chunk.len() as u64;
        if bytes > max {
            return Err(ApiError::with_status(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!(
                    "the file is over {} MiB, the server's limit for uploads; nothing was loaded",
                    max >> 20
                ),
            ));
        }
        out.write_all(&chunk).await.map_err(storage)?;
    }
    out.flush().await.map_err(storage)?;
    Ok(bytes)
}

fn idle() -> ApiError {
    ApiError::with_status(
        StatusCode::REQUEST_TIMEOUT,
        "upload_stalled",
        format!(
            "nothing received for {} s; nothing was loaded",
            IDLE.as_secs()
        ),
    )
}

#[expect(clippy::needless_pass_by_value, reason = "used as a map_err function")]
fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::with_status(e.status(), "invalid_upload", e.body_text())
}

/// The name a file was sent under, without any directory, and never empty.
fn file_name(sent: Option<&str>) -> String {
    let base = sent
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim_start_matches('.')
        .trim()
        .to_owned();
    if clean.is_empty() {
        "upload".to_owned()
    } else {
        clean
    }
}
