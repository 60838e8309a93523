//! `GET /catalog`: every loaded dataset with its provenance and where its tiles are.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::Caller;
use super::base_url::base_url;
use crate::app::AppState;

/// The loaded datasets.
pub async fn catalog(State(app): State<AppState>, caller: Caller, headers: HeaderMap) -> Response {
    let base = base_url(&app.config, &headers);
    let datasets: Vec<Value> = app
        .datasets
        .all(caller.viewer())
        .iter()
        .map(|ds| {
            let mut entry = serde_json::to_value(&**ds).unwrap_or_default();
            entry["source"] = json!(public_source(&ds.source));
            entry["tilejson"] = json!(caller.link(&format!("{base}/tiles/{}.json", ds.id)));
            entry["tiles"] =
                json!(caller.link(&format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", ds.id)));
            entry["style"] = json!(caller.link(&format!("{base}/styles/{}.json", ds.id)));
            entry
        })
        .collect();
    super::document::document(
        &headers,
        &json!({ "datasets": datasets }),
        "application/json",
    )
}

/// Where a version came from, as the public may see it: an agency's URL as is, a local file
/// by its name only (the server's paths are nobody else's business).
fn public_source(source: &str) -> String {
    if source.starts_with("http://") || source.starts_with("https://") {
        return source.to_owned();
    }
    std::path::Path::new(source)
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::public_source;

    #[test]
    fn a_local_path_is_published_as_its_file_name_and_a_url_as_is() {
        assert_eq!(public_source("/home/steward/Hämtningar/NR.zip"), "NR.zip");
        assert_eq!(
            public_source("https://geodata.naturvardsverket.se/nedladdning/NR.zip"),
            "https://geodata.naturvardsverket.se/nedladdning/NR.zip"
        );
    }
}
