//! The SQL of an items page: PostgreSQL writes each feature's JSON itself (geometry by
//! `ST_AsGeoJSON` in the asked CRS and axis order, properties by `row_to_json`), so the server
//! streams text it never parses; the filter and page key are bound parameters.

use rummet_core::{DATA_SCHEMA, escape_identifier};

use super::keyset::{self, Cursor, Side};
use super::request::{Format, ItemsRequest};
use crate::datasets::Dataset;
use crate::filter::{Filter, Param, SpatialContext, SpatialLiteral};
use crate::ogc::crs::Crs;
use crate::ogc::error::Result;

/// A statement and its parameters. Each row is `(fid int8, key text, body text, wkt text)`:
/// `key` the page key of the row (for links), `body` the feature (GeoJSON, HTML) or its
/// properties (CSV), `wkt` the geometry as WKT for CSV.
#[derive(Debug)]
pub struct Statement {
    /// SQL.
    pub sql: String,
    /// Bound values.
    pub params: Vec<Param>,
}

/// The version table of `dataset`, qualified and escaped.
#[must_use]
pub fn table(dataset: &Dataset) -> String {
    format!(
        "{}.{}",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(&dataset.table_name)
    )
}

fn spatial(crs: Crs) -> SpatialContext {
    SpatialContext {
        column: "f.geom".into(),
        column_srid: 3857,
        literal_srid: crs.srid(),
        flip: crs.flips(),
        segment: crs.segment(),
    }
}

/// The conditions of `req` (bbox, filter, queryables) over `f`, or `TRUE`.
pub fn conditions(req: &ItemsRequest, params: &mut Vec<Param>) -> String {
    let mut parts = Vec::new();
    if let Some(bbox) = req.bbox {
        parts.push(
            Filter::Intersects(SpatialLiteral::Bbox(bbox))
                .to_sql_in(params, &spatial(req.bbox_crs)),
        );
    }
    if let Some(filter) = &req.filter {
        parts.push(filter.to_sql_in(params, &spatial(req.filter_crs)));
    }
    if parts.is_empty() {
        "TRUE".to_owned()
    } else {
        parts.join(" AND ")
    }
}

/// SQL of one feature's columns as this request writes them (`body`, `wkt`).
fn body_columns(req: &ItemsRequest) -> (String, String) {
    let properties = if req.properties.is_empty() {
        "'{}'".to_owned()
    } else {
        let cols: Vec<String> = req
            .properties
            .iter()
            .map(|p| format!("f.{}", escape_identifier(p)))
            .collect();
        format!(
            "(SELECT row_to_json(p)::text FROM (SELECT {}) p)",
            cols.join(", ")
        )
    };
    let geometry = req.crs.geometry_sql();
    let decimals = req.crs.decimals();
    match req.format {
        Format::Csv => (properties, format!("ST_AsText({geometry}, {decimals})")),
        Format::GeoJson | Format::Html => (
            format!(
                "'{{\"type\":\"Feature\",\"id\":' || f.fid || ',\"geometry\":' || \
                 ST_AsGeoJSON({geometry}, {decimals}) || ',\"properties\":' || {properties} || '}}'"
            ),
            "NULL::text".to_owned(),
        ),
    }
}

fn key_column(req: &ItemsRequest) -> String {
    if req.sortby.is_empty() {
        "NULL::text".to_owned()
    } else {
        let cols: Vec<String> = req
            .sortby
            .iter()
            .map(|k| format!("f.{}", escape_identifier(&k.field)))
            .collect();
        format!("json_build_array({})::text", cols.join(", "))
    }
}

/// The page: `limit + 1` rows from `start` (the extra row tells whether there is a next
/// page), in the request's order.
///
/// # Errors
/// A page key that does not fit the request's `sortby`.
pub fn page(req: &ItemsRequest, dataset: &Dataset, start: Option<&Cursor>) -> Result<Statement> {
    let mut params = Vec::new();
    let mut where_sql = conditions(req, &mut params);
    if let Some(c) = start {
        let inclusive = c.side == Side::Before;
        let key = keyset::predicate(
            &req.sortby,
            dataset,
            &c.values,
            c.fid,
            Side::After,
            inclusive,
            &mut params,
        )?;
        where_sql = format!("{where_sql} AND {key}");
    }
    let (body, wkt) = body_columns(req);
    params.push(Param::Int(i64::from(req.limit) + 1));
    let sql = format!(
        "SELECT f.fid, {key} AS key, {body} AS body, {wkt} AS wkt FROM {table} f \
         WHERE {where_sql} ORDER BY {order} LIMIT ${limit}::int8",
        key = key_column(req),
        table = table(dataset),
        order = keyset::order_by(&req.sortby, false),
        limit = params.len(),
    );
    Ok(Statement { sql, params })
}

/// The first row of the page before `before`: `limit` rows back, read backwards. Each row is
/// `(fid int8, key text)`; none means the previous page is the first.
///
/// # Errors
/// A page key that does not fit the request's `sortby`.
pub fn page_start_before(
    req: &ItemsRequest,
    dataset: &Dataset,
    before: &Cursor,
) -> Result<Statement> {
    let mut params = Vec::new();
    let conditions = conditions(req, &mut params);
    let key = keyset::predicate(
        &req.sortby,
        dataset,
        &before.values,
        before.fid,
        Side::Before,
        false,
        &mut params,
    )?;
    params.push(Param::Int(i64::from(req.limit) - 1));
    let sql = format!(
        "SELECT f.fid, {key_col} AS key FROM {table} f WHERE {conditions} AND {key} \
         ORDER BY {order} OFFSET ${offset}::int8 LIMIT 1",
        key_col = key_column(req),
        table = table(dataset),
        order = keyset::order_by(&req.sortby, true),
        offset = params.len(),
    );
    Ok(Statement { sql, params })
}

/// One feature by fid, as GeoJSON in `crs` with every property: `(fid, key, body, wkt)`.
#[must_use]
pub fn one(req: &ItemsRequest, dataset: &Dataset) -> String {
    let (body, wkt) = body_columns(req);
    format!(
        "SELECT f.fid, NULL::text AS key, {body} AS body, {wkt} AS wkt FROM {table} f WHERE f.fid = $1::int8",
        table = table(dataset),
    )
}
