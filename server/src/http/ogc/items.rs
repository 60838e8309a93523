//! `/collections/{id}/items` (a page, streamed) and `/collections/{id}/items/{fid}`.

use axum::body::Body;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{accept, collection, query_pairs};
use crate::app::AppState;
use crate::datasets::Dataset;
use crate::db::QueryError;
use crate::db::replicas::ReadKind;
use crate::http::ApiError;
use crate::http::auth::Caller;
use crate::http::base_url::base_url;
use crate::http::document::bytes_document;
use crate::ogc::items::{self, Format, ItemsRequest, PageContext};
use crate::ogc::{OgcError, now_rfc3339};

fn content_type(format: Format) -> &'static str {
    match format {
        Format::GeoJson => "application/geo+json",
        Format::Html => "text/html; charset=utf-8",
        Format::Csv => "text/csv; charset=utf-8",
    }
}

fn content_crs(req: &ItemsRequest) -> HeaderValue {
    HeaderValue::from_str(&format!("<{}>", req.crs.uri())).unwrap_or_else(|_| {
        HeaderValue::from_static("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    })
}

/// A page of features.
pub async fn page(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = query_pairs(query.as_deref());
    let base = base_url(&app.config, &headers);
    let mut dataset = collection(&app, &caller, &id)?;
    // A reload may drop the table between reading the registry and querying it: read the
    // registry again and ask the new version once. A page link of the old version is a 409.
    // A replica's replay may cancel the read: the primary is asked once.
    let (mut reloaded, mut on_primary) = (false, false);
    for _ in 0..3 {
        let req = ItemsRequest::parse(&params, &dataset, accept(&headers))?;
        let format = req.format;
        let crs = content_crs(&req);
        let items_url = format!("{base}/collections/{}/items", dataset.id);
        let context = PageContext {
            self_url: format!("{base}{uri}"),
            collection_url: format!("{base}/collections/{}", dataset.id),
            number_matched: req.matches_all().then_some(dataset.features),
            has_prev: req.cursor.is_some(),
            time_stamp: now_rfc3339(),
            items_url,
        };
        let pool = if on_primary {
            app.pool.clone()
        } else {
            read_pool(&app, &dataset)
        };
        match items::page(&pool, dataset.clone(), req, context).await {
            Ok(page) => {
                return Ok((
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static(content_type(format)),
                        ),
                        (header::HeaderName::from_static("content-crs"), crs),
                        (header::VARY, HeaderValue::from_static("Accept")),
                    ],
                    Body::from_stream(page.into_stream()),
                )
                    .into_response());
            }
            Err(OgcError::Query(QueryError::RecoveryConflict(_))) if !on_primary => {
                on_primary = true;
            }
            Err(OgcError::Query(QueryError::StaleTable(_))) if !reloaded => {
                reloaded = true;
                dataset = app
                    .datasets
                    .reload(&app.pool, &dataset.id)
                    .await
                    .map_err(OgcError::from)?
                    .ok_or_else(|| OgcError::UnknownCollection(id.clone()))?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(OgcError::UnknownCollection(id).into())
}

/// Where to read `dataset`'s features: a replica that has its version, or the primary.
fn read_pool(app: &AppState, dataset: &Dataset) -> deadpool_postgres::Pool {
    app.replicas.pool_for(
        &app.pool,
        ReadKind::Plain,
        &[(dataset.id.as_str(), dataset.version)],
    )
}

/// One feature, with an `ETag`.
pub async fn one(
    State(app): State<AppState>,
    caller: Caller,
    Path((id, fid)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dataset = collection(&app, &caller, &id)?;
    let params: Vec<(String, String)> = query_pairs(query.as_deref())
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "f" | "crs" | "properties"))
        .collect();
    let unknown = query_pairs(query.as_deref())
        .into_iter()
        .find(|(k, _)| !matches!(k.as_str(), "f" | "crs" | "properties" | "key"));
    if let Some((k, _)) = unknown {
        return Err(OgcError::Parameter(format!(
            "unknown parameter {k:?}: a single feature takes f, crs and properties"
        ))
        .into());
    }
    let req = ItemsRequest::parse(&params, &dataset, accept(&headers))?;
    let not_found = || OgcError::UnknownFeature {
        collection: id.clone(),
        fid: fid.chars().take(32).collect(),
    };
    let number: i64 = fid.parse().map_err(|_| not_found())?;
    let found = match items::feature(&read_pool(&app, &dataset), &dataset, &req, number).await {
        Err(OgcError::Query(QueryError::RecoveryConflict(_))) => {
            items::feature(&app.pool, &dataset, &req, number).await
        }
        other => other,
    };
    let (body, wkt) = found?.ok_or_else(not_found)?;
    let base = base_url(&app.config, &headers);
    let collection_url = format!("{base}/collections/{}", dataset.id);
    let bytes = match req.format {
        Format::Csv => {
            // One feature as CSV: the same columns a page has.
            let mut out = items::csv_header(&req.properties);
            out.push_str(&items::csv_row(
                number,
                &body,
                wkt.as_deref(),
                &req.properties,
            ));
            out.into_bytes()
        }
        Format::GeoJson | Format::Html => {
            let links = json!([
                {"rel": "self", "href": format!("{collection_url}/items/{number}"), "type": "application/geo+json"},
                {"rel": "collection", "href": collection_url, "type": "application/json"},
            ]);
            // The links go into PostgreSQL's text as text: parsed and written again, a float
            // could change in its last digit and differ from the same feature in a page.
            let Some(open) = body.strip_suffix('}') else {
                return Err(OgcError::Query(QueryError::Failed(format!(
                    "feature {number} of {id} is not a JSON object"
                )))
                .into());
            };
            let geojson = format!("{open},\"links\":{links}}}");
            if req.format == Format::Html {
                let feature: Value = serde_json::from_str(&geojson).map_err(|e| {
                    OgcError::Query(QueryError::Failed(format!("feature {number} of {id}: {e}")))
                })?;
                items::feature_html(&dataset.title, &feature).into_bytes()
            } else {
                geojson.into_bytes()
            }
        }
    };
    let mut response = bytes_document(&headers, bytes, content_type(req.format));
    response.headers_mut().insert(
        header::HeaderName::from_static("content-crs"),
        content_crs(&req),
    );
    Ok(response)
}
