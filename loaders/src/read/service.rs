//! Online sources: OGC API Features items and WFS 2.0 `GetFeature`, both read as paged GeoJSON
//! (one page in memory at a time), and plain files over HTTP(S), downloaded to a temporary
//! file and read with the catalog format's reader.

use std::io::Read;
use std::path::PathBuf;

use serde_json::Value as Json;
use tempfile::TempDir;

use super::{Feature, FeatureReader, Notes, geojson};
use crate::catalog::{CatalogEntry, Field};
use crate::{LoadError, Result};

const FORMAT: &str = "OGC API Features / WFS";
/// Features asked for per request.
const PAGE: usize = 1000;
/// Largest page body accepted: a misbehaving server must not exhaust memory.
const MAX_PAGE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    OgcApi,
    Wfs,
}

fn kind_of(url: &str) -> Option<Kind> {
    let lower = url.to_ascii_lowercase();
    if lower.contains("service=wfs") {
        Some(Kind::Wfs)
    } else if lower
        .split('?')
        .next()
        .is_some_and(|p| p.trim_end_matches('/').ends_with("/items"))
    {
        Some(Kind::OgcApi)
    } else {
        None
    }
}

/// Whether `url` is a feature service (rather than a file to download).
pub(super) fn is_service(url: &str) -> bool {
    kind_of(url).is_some()
}

/// Adds or replaces the query parameter `key` (matched ignoring case).
fn with_param(url: &str, key: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| {
            !p.is_empty()
                && !p
                    .split('=')
                    .next()
                    .is_some_and(|k| k.eq_ignore_ascii_case(key))
        })
        .map(str::to_owned)
        .collect();
    parts.push(format!("{key}={value}"));
    format!("{base}?{}", parts.join("&"))
}

/// `href` made absolute against `current` (servers often give relative `next` links).
fn resolve(current: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        return href.to_owned();
    }
    let (scheme, rest) = current.split_once("://").unwrap_or(("http", current));
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    if href.starts_with('/') {
        return format!("{scheme}://{host}{href}");
    }
    let path = current.split('?').next().unwrap_or(current);
    let dir = path.rsplit_once('/').map_or(path, |(d, _)| d);
    format!("{dir}/{href}")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_mins(5)))
        .http_status_as_error(true)
        .build()
        .into()
}

pub(super) struct ServiceReader {
    url: String,
    kind: Kind,
    srid: i32,
    fields: Vec<Field>,
    notes: Notes,
}

impl ServiceReader {
    pub(super) fn open(entry: &CatalogEntry, url: &str) -> Result<Self> {
        let srid = entry.source.srid().map_err(|message| LoadError::Rejected {
            input: url.to_owned(),
            message,
        })?;
        Ok(Self {
            url: url.to_owned(),
            kind: kind_of(url).unwrap_or(Kind::OgcApi),
            srid,
            fields: entry.fields.clone(),
            notes: Notes::default(),
        })
    }

    /// The first page's URL: GeoJSON, a page size, and the catalog's CRS asked for explicitly,
    /// so coordinates come as the catalog says (x = east, y = north for SWEREF 99 TM).
    fn first_page(&self) -> String {
        match self.kind {
            Kind::OgcApi => {
                let url = with_param(&self.url, "limit", &PAGE.to_string());
                let url = with_param(&url, "f", "json");
                if self.srid == 4326 {
                    url
                } else {
                    with_param(
                        &url,
                        "crs",
                        &format!("http://www.opengis.net/def/crs/EPSG/0/{}", self.srid),
                    )
                }
            }
            Kind::Wfs => {
                let url = with_param(&self.url, "outputFormat", "application/json");
                let url = with_param(&url, "count", &PAGE.to_string());
                let url = with_param(&url, "startIndex", "0");
                with_param(&url, "srsName", &format!("EPSG:{}", self.srid))
            }
        }
    }

    fn fetch(agent: &ureq::Agent, url: &str) -> Result<Json> {
        let bad = LoadError::format(url, FORMAT);
        let response = agent
            .get(url)
            .header("Accept", "application/geo+json, application/json")
            .call()
            .map_err(|e| bad(e.to_string()))?;
        let reader = response
            .into_body()
            .into_with_config()
            .limit(MAX_PAGE_BYTES)
            .reader();
        serde_json::from_reader(reader).map_err(|e| bad(format!("not GeoJSON: {e}")))
    }

    fn run(&self, emit: &mut dyn FnMut(Result<Feature>) -> bool) -> Result<()> {
        let agent = agent();
        let mut url = self.first_page();
        let mut number = 0u64;
        let mut seen = vec![false; self.fields.len()];
        loop {
            let page = Self::fetch(&agent, &url)?;
            let features = page["features"]
                .as_array()
                .ok_or_else(|| LoadError::Format {
                    input: url.clone(),
                    format: FORMAT,
                    message: "the answer has no `features` array".into(),
                })?;
            for f in features {
                number += 1;
                if !emit(geojson::to_feature(
                    &self.url,
                    &self.fields,
                    (number, f),
                    &mut seen,
                )) {
                    return Ok(());
                }
            }
            let next = match self.kind {
                Kind::OgcApi => page["links"]
                    .as_array()
                    .and_then(|links| links.iter().find(|l| l["rel"] == "next"))
                    .and_then(|l| l["href"].as_str())
                    .map(|href| resolve(&url, href)),
                Kind::Wfs => (features.len() == PAGE)
                    .then(|| with_param(&url, "startIndex", &number.to_string())),
            };
            match next {
                Some(n) if !features.is_empty() && n != url => url = n,
                _ => {
                    geojson::unseen_fields(&self.url, &self.fields, &seen, &self.notes);
                    return Ok(());
                }
            }
        }
    }
}

impl FeatureReader for ServiceReader {
    fn declared_srid(&self) -> Option<i32> {
        Some(self.srid)
    }

    fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        super::finish(self.run(emit), emit);
    }
}

/// Downloads `url` into a temporary directory as `file_name`, streaming.
pub(super) fn download(url: &str, file_name: &str) -> Result<(TempDir, PathBuf)> {
    let bad = LoadError::format(url, "download");
    let dir = tempfile::tempdir().map_err(|e| bad(e.to_string()))?;
    let path = dir.path().join(file_name);
    let response = agent().get(url).call().map_err(|e| bad(e.to_string()))?;
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .reader();
    let mut file = std::fs::File::create(&path).map_err(|e| bad(e.to_string()))?;
    std::io::copy(&mut body.by_ref(), &mut file)
        .map_err(|e| bad(format!("download interrupted: {e}")))?;
    Ok((dir, path))
}

/// A reader over a downloaded file, keeping the file until it is done.
pub(super) struct Downloaded {
    pub inner: Box<dyn FeatureReader>,
    pub _dir: TempDir,
}

impl FeatureReader for Downloaded {
    fn declared_srid(&self) -> Option<i32> {
        self.inner.declared_srid()
    }

    fn feature_count(&self) -> Option<u64> {
        self.inner.feature_count()
    }

    fn notes(&self) -> Notes {
        self.inner.notes()
    }

    fn read_all(self: Box<Self>, emit: &mut dyn FnMut(Result<Feature>) -> bool) {
        let Self { inner, _dir } = *self;
        inner.read_all(emit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_told_from_files_by_their_url() {
        assert!(is_service(
            "https://api.sgu.se/oppnadata/jordarter/ogc/features/v1/collections/grundlager/items"
        ));
        assert!(is_service(
            "https://epub.sjv.se/inspire/inspire/wfs?SERVICE=WFS&request=GetFeature&typeNames=inspire:arslager_block"
        ));
        assert!(!is_service(
            "https://geodata.naturvardsverket.se/nedladdning/naturvardsregistret/NR.zip"
        ));
    }

    #[test]
    fn relative_next_links_are_resolved_against_the_page() {
        let page = "https://api.sgu.se/oppnadata/x/ogc/features/v1/collections/c/items?f=json";
        assert_eq!(
            resolve(page, "/a/items?offset=5"),
            "https://api.sgu.se/a/items?offset=5"
        );
        assert_eq!(
            resolve(page, "items?offset=5"),
            "https://api.sgu.se/oppnadata/x/ogc/features/v1/collections/c/items?offset=5"
        );
        assert_eq!(resolve(page, "http://other/items"), "http://other/items");
    }

    #[test]
    fn query_parameters_are_replaced_not_repeated() {
        assert_eq!(
            with_param("http://x/items?limit=10&f=html", "LIMIT", "1000"),
            "http://x/items?f=html&LIMIT=1000"
        );
        assert_eq!(
            with_param("http://x/items", "f", "json"),
            "http://x/items?f=json"
        );
    }
}
