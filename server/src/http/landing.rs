//! The map page `GET /` gives a browser: the datasets with a MapLibre preview, and the vendored MapLibre GL JS it uses
//! (served by us, so the page works without internet access).

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use super::ApiError;

/// The landing page.
pub fn page() -> Html<&'static str> {
    Html(include_str!("../../assets/index.html"))
}

/// `/assets/{file}`: MapLibre GL JS and its stylesheet.
pub async fn asset(Path(file): Path<String>) -> Result<Response, ApiError> {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "maplibre-gl.js" => (
            include_bytes!("../../assets/maplibre-gl/maplibre-gl.js"),
            "text/javascript",
        ),
        "maplibre-gl.css" => (
            include_bytes!("../../assets/maplibre-gl/maplibre-gl.css"),
            "text/css",
        ),
        _ => {
            return Err(ApiError::not_found(
                "not_found",
                format!("no asset {file:?}"),
            ));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        body,
    )
        .into_response())
}
