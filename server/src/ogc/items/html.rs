//! Items as an HTML page, for a person following a link in a browser: a table of the
//! features' properties, each linked to its own page, and the page links.

use std::fmt::Write as _;

use serde_json::Value;

use super::page::PageContext;
use super::request::ItemsRequest;
use crate::datasets::Dataset;

/// Text safe inside HTML.
#[must_use]
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn head(dataset: &Dataset, request: &ItemsRequest) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style></head><body>\
         <h1>{title}</h1><p>{description}</p><p>{attribution} · {licence}</p><table><tr><th>id</th>",
        title = escape(&dataset.title),
        description = escape(&dataset.description),
        attribution = escape(&dataset.attribution),
        licence = escape(&dataset.licence),
    );
    for p in &request.properties {
        let description = dataset
            .fields
            .iter()
            .find(|f| &f.name == p)
            .map(|f| f.description.as_str())
            .unwrap_or_default();
        let _ = write!(
            out,
            "<th title=\"{}\">{}</th>",
            escape(description),
            escape(p)
        );
    }
    out.push_str("</tr>");
    out
}

pub(super) fn row(context: &PageContext, fid: i64, feature: &str) -> String {
    let feature: Value = serde_json::from_str(feature).unwrap_or_default();
    let mut out = format!(
        "<tr><td><a href=\"{}/{fid}?f=html\">{fid}</a></td>",
        escape(&context.items_url)
    );
    if let Some(properties) = feature.get("properties").and_then(Value::as_object) {
        for value in properties.values() {
            let text = match value {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = write!(out, "<td>{}</td>", escape(&text));
        }
    }
    out.push_str("</tr>");
    out
}

pub(super) fn tail(returned: u32, links: &[Value]) -> String {
    let mut out = format!("</table><p>{returned} features.</p><p>");
    for link in links {
        let rel = link["rel"].as_str().unwrap_or_default();
        if matches!(rel, "next" | "prev" | "collection") {
            let href = link["href"].as_str().unwrap_or_default();
            let _ = write!(out, "<a rel=\"{rel}\" href=\"{}\">{rel}</a> ", escape(href));
        }
    }
    out.push_str("</p></body></html>");
    out
}

/// One feature as an HTML page: its properties as a table.
#[must_use]
pub fn feature(title: &str, feature: &Value) -> String {
    let mut out = format!(
        "<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{} {}</h1><table>",
        escape(title),
        escape(title),
        feature["id"]
    );
    for (k, v) in feature["properties"].as_object().into_iter().flatten() {
        let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(k),
            escape(&text)
        );
    }
    out.push_str("</table></body></html>");
    out
}
