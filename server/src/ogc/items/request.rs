//! An items request as the client wrote it, checked against the collection once: every
//! parameter of OGC API – Features Parts 1–3 that is offered, each value in range, every field
//! a registry field, and nothing unknown taken silently.

use super::keyset::Cursor;
use crate::datasets::Dataset;
use crate::filter::{FieldKind, Filter, Param, field_kind};
use crate::ogc::crs::Crs;
use crate::ogc::error::{OgcError, Result};

/// Features on a page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// Most features one page may hold.
pub const MAX_LIMIT: u32 = 10_000;

/// Every query parameter an items request takes besides the queryables themselves.
pub const ITEMS_PARAMS: &[&str] = &[
    "f",
    "limit",
    "bbox",
    "bbox-crs",
    "crs",
    "properties",
    "sortby",
    "filter",
    "filter-lang",
    "filter-crs",
    "datetime",
    "after",
    "before",
    "version",
    // An API key given in the URL (read by `http::auth`); carried into the paging links.
    "key",
];

/// What the body is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/geo+json`.
    GeoJson,
    /// `text/html`.
    Html,
    /// `text/csv`, geometry as WKT.
    Csv,
}

/// One sort key: a registry field, descending or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// Column.
    pub field: String,
    /// `-field`.
    pub descending: bool,
}

/// A checked items request.
#[derive(Debug, Clone)]
pub struct ItemsRequest {
    /// Body format.
    pub format: Format,
    /// Page size.
    pub limit: u32,
    /// Output CRS.
    pub crs: Crs,
    /// `bbox`, in `bbox_crs`'s axis order.
    pub bbox: Option<[f64; 4]>,
    /// `filter` and `prop=value` together, if any.
    pub filter: Option<Filter>,
    /// CRS of `bbox`.
    pub bbox_crs: Crs,
    /// CRS of spatial literals in `filter`.
    pub filter_crs: Crs,
    /// Fields written in `properties`, in order.
    pub properties: Vec<String>,
    /// Sort keys before the final `fid`.
    pub sortby: Vec<SortKey>,
    /// Where the page starts, from a `next` or `prev` link.
    pub cursor: Option<Cursor>,
    /// The parameters to repeat in page links (all but the cursor).
    pub link_params: Vec<(String, String)>,
}

impl ItemsRequest {
    /// Checks `params` (in the order given) against `dataset`; `accept` is the `Accept`
    /// header, used when `f` is absent.
    ///
    /// # Errors
    /// [`OgcError::Parameter`], [`OgcError::Filter`] or [`OgcError::Reloaded`], saying what
    /// and where.
    pub fn parse(params: &[(String, String)], dataset: &Dataset, accept: &str) -> Result<Self> {
        // PostgreSQL text cannot hold NUL: refused here rather than failing in the database.
        if let Some((name, _)) = params
            .iter()
            .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(OgcError::Parameter(format!(
                "parameter {:?} holds a NUL character",
                name.replace('\0', "\\0")
            )));
        }
        let get = |name: &str| -> Result<Option<&str>> {
            let mut values = params.iter().filter(|(k, _)| k == name);
            let first = values.next().map(|(_, v)| v.as_str());
            if values.next().is_some() {
                return Err(OgcError::Parameter(format!("{name} is given twice")));
            }
            Ok(first)
        };
        let crs_of = |name: &str| -> Result<Crs> {
            get(name)?.map_or(Ok(Crs::Crs84), |v| {
                Crs::parse(v).map_err(|e| OgcError::Parameter(format!("{name}: {e}")))
            })
        };
        let format = match get("f")? {
            Some(f) => parse_format(f)?,
            None => negotiate(accept),
        };
        let limit = parse_limit(get("limit")?)?;
        let crs = crs_of("crs")?;
        let bbox_crs = crs_of("bbox-crs")?;
        let filter_crs = crs_of("filter-crs")?;
        if get("bbox-crs")?.is_some() && get("bbox")?.is_none() {
            return Err(OgcError::Parameter("bbox-crs is given without bbox".into()));
        }
        let bbox = get("bbox")?.map(parse_bbox).transpose()?;
        let mut parts = Vec::new();
        if let Some(text) = get("filter")? {
            parts.push(parse_filter(text, get("filter-lang")?, dataset)?);
        } else if get("filter-lang")?.is_some() {
            return Err(OgcError::Parameter(
                "filter-lang is given without filter".into(),
            ));
        }
        let mut link_params = Vec::new();
        for (name, value) in params {
            if ITEMS_PARAMS.contains(&name.as_str()) {
                if !matches!(name.as_str(), "after" | "before" | "version") {
                    link_params.push((name.clone(), value.clone()));
                }
                continue;
            }
            // Anything else must be a queryable: `skyddstyp=Naturreservat`.
            let kind = field_kind(dataset, name).map_err(|e| {
                OgcError::Parameter(format!(
                    "unknown parameter {name:?}: not an items parameter ({}) nor a queryable ({e})",
                    ITEMS_PARAMS.join(", ")
                ))
            })?;
            parts.push(Filter::Compare {
                field: name.clone(),
                op: "=",
                value: queryable_value(name, value, kind)?,
                casei: false,
            });
            link_params.push((name.clone(), value.clone()));
        }
        // Whole numbers against integer fields bind as int8, as in CQL2, so indexes serve.
        let filter = parts
            .into_iter()
            .reduce(|a, b| Filter::And(Box::new(a), Box::new(b)))
            .map(|f| f.narrowed(dataset));
        let properties = parse_properties(get("properties")?, dataset)?;
        let sortby = get("sortby")?.map_or(Ok(Vec::new()), |s| parse_sortby(s, dataset))?;
        let cursor = Cursor::parse(get("after")?, get("before")?, get("version")?, dataset)?;
        Ok(Self {
            format,
            limit,
            crs,
            bbox,
            filter,
            bbox_crs,
            filter_crs,
            properties,
            sortby,
            cursor,
            link_params,
        })
    }

    /// Whether every feature of the collection matches (no bbox, filter or queryable), so the
    /// registry's count is the number matched.
    #[must_use]
    pub fn matches_all(&self) -> bool {
        self.filter.is_none() && self.bbox.is_none()
    }
}

/// `f=json|geojson|html|csv`.
///
/// # Errors
/// Any other value, naming the ones offered.
pub fn parse_format(f: &str) -> Result<Format> {
    match f {
        "json" | "geojson" | "application/geo+json" | "application/json" => Ok(Format::GeoJson),
        "html" | "text/html" => Ok(Format::Html),
        "csv" | "text/csv" => Ok(Format::Csv),
        other => Err(OgcError::Parameter(format!(
            "f={other:?} is not offered; use json, html or csv"
        ))),
    }
}

/// The body a client's `Accept` header prefers: HTML only when it asks for HTML before any
/// JSON (a browser), CSV when it asks for CSV; GeoJSON otherwise (clients that send nothing).
#[must_use]
pub fn negotiate(accept: &str) -> Format {
    let position = |kind: &str| accept.find(kind);
    let json = ["application/geo+json", "application/json"]
        .iter()
        .filter_map(|k| position(k))
        .min();
    match (position("text/html"), position("text/csv"), json) {
        (Some(_), _, None) => Format::Html,
        (Some(h), _, Some(j)) if h < j => Format::Html,
        (_, Some(_), None) => Format::Csv,
        _ => Format::GeoJson,
    }
}

/// `limit`: the page size.
fn parse_limit(limit: Option<&str>) -> Result<u32> {
    Ok(match limit {
        None => DEFAULT_LIMIT,
        // Above the maximum a page holds the maximum, as OGC API – Features allows: a
        // client asking for everything at once still gets pages, not an error.
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| u32::try_from(n.min(u64::from(MAX_LIMIT))).unwrap_or(MAX_LIMIT))
            .ok_or_else(|| {
                OgcError::Parameter(format!(
                    "limit {v:?} must be a whole number of at least 1 (pages hold at most {MAX_LIMIT})"
                ))
            })?,
    })
}

/// `properties`: every field when absent, none when empty, else those listed.
fn parse_properties(properties: Option<&str>, dataset: &Dataset) -> Result<Vec<String>> {
    Ok(match properties {
        None => dataset.fields.iter().map(|f| f.name.clone()).collect(),
        Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|name| {
                let name = name.trim();
                field_kind(dataset, name)
                    .map(|_| name.to_owned())
                    .map_err(|e| OgcError::Parameter(format!("properties: {e}")))
            })
            .collect::<Result<_>>()?,
    })
}

fn parse_bbox(text: &str) -> Result<[f64; 4]> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            OgcError::Parameter(format!("bbox {text:?} must be numbers separated by commas"))
        })?;
    // A 3D box is minx,miny,minz,maxx,maxy,maxz: the heights say nothing about 2D features.
    let b = match numbers.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => {
            return Err(OgcError::Parameter(format!(
                "bbox {text:?} must have 4 numbers (or 6 with heights), not {}",
                numbers.len()
            )));
        }
    };
    if b[1] > b[3] {
        return Err(OgcError::Parameter(format!(
            "bbox {text:?}: the second number (lower edge) is above the fourth (upper edge)"
        )));
    }
    Ok(b)
}

fn parse_filter(text: &str, lang: Option<&str>, dataset: &Dataset) -> Result<Filter> {
    match lang.unwrap_or("cql2-text") {
        // `cql-text` is the draft's name, which GDAL 3.6 looks for.
        "cql2-text" | "cql-text" => Filter::parse_cql2_text(text, dataset),
        "cql2-json" | "cql-json" => Filter::parse_cql2_json(text, dataset),
        other => {
            return Err(OgcError::Parameter(format!(
                "filter-lang {other:?} is not offered; use cql2-text or cql2-json"
            )));
        }
    }
    .map_err(OgcError::Filter)
}

fn queryable_value(name: &str, value: &str, kind: FieldKind) -> Result<Param> {
    match kind {
        FieldKind::Text => Ok(Param::Text(value.to_owned())),
        FieldKind::Number => value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Param::Number)
            .ok_or_else(|| OgcError::Parameter(format!("{name} holds a number, not {value:?}"))),
        FieldKind::Boolean => match value {
            "true" => Ok(Param::Boolean(true)),
            "false" => Ok(Param::Boolean(false)),
            _ => Err(OgcError::Parameter(format!(
                "{name} is true or false, not {value:?}"
            ))),
        },
    }
}

fn parse_sortby(text: &str, dataset: &Dataset) -> Result<Vec<SortKey>> {
    let mut keys: Vec<SortKey> = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (field, descending) = if let Some(f) = part.strip_prefix('-') {
            (f, true)
        } else {
            (part.strip_prefix('+').unwrap_or(part), false)
        };
        // `fid` is the final key of every order already.
        if field == "fid" || field == "id" {
            if descending {
                return Err(OgcError::Parameter(
                    "sortby: features page by ascending id; -id is not offered".into(),
                ));
            }
            continue;
        }
        field_kind(dataset, field).map_err(|e| OgcError::Parameter(format!("sortby: {e}")))?;
        if keys.iter().any(|k| k.field == field) {
            return Err(OgcError::Parameter(format!("sortby names {field} twice")));
        }
        keys.push(SortKey {
            field: field.to_owned(),
            descending,
        });
    }
    if keys.len() > 4 {
        return Err(OgcError::Parameter("sortby takes at most 4 fields".into()));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_gets_html_and_a_client_that_asks_for_nothing_gets_geojson() {
        assert_eq!(
            negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            Format::Html
        );
        assert_eq!(negotiate(""), Format::GeoJson);
        assert_eq!(negotiate("*/*"), Format::GeoJson);
        assert_eq!(
            negotiate("application/geo+json, text/html"),
            Format::GeoJson
        );
        assert_eq!(negotiate("text/csv"), Format::Csv);
    }

    #[test]
    fn a_whole_number_queryable_on_an_integer_field_binds_as_int8() {
        let ds = crate::stats::testing::dataset_with("vagar", &[("klass", "bigint")]);
        let req = ItemsRequest::parse(&[("klass".into(), "3".into())], &ds, "").expect("parses");
        let mut params = Vec::new();
        let sql = req.filter.expect("filter").to_sql(&mut params);
        assert_eq!(sql, "f.\"klass\" = $1::int8");
        assert_eq!(params, vec![Param::Int(3)]);
    }

    #[test]
    fn a_bbox_takes_four_or_six_numbers_in_order() {
        assert_eq!(
            parse_bbox("17,59,18,60").ok(),
            Some([17.0, 59.0, 18.0, 60.0])
        );
        assert_eq!(
            parse_bbox("17,59,0,18,60,100").ok(),
            Some([17.0, 59.0, 18.0, 60.0])
        );
        assert!(parse_bbox("17,59,18").is_err());
        assert!(parse_bbox("17,60,18,59").is_err());
        assert!(parse_bbox("a,b,c,d").is_err());
        assert!(parse_bbox("17,59,NaN,60").is_err());
    }
}
