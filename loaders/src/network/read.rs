//! The links of a loaded road dataset, read from its serving table in PostGIS: each part of
//! each line (a multi-line is walked part by part), in SWEREF 99 TM, with the functional class
//! and the posted limits each way where the dataset has them (NVDB's `funkvagklass`,
//! `hastighet_f`, `hastighet_b`).

use rummet_core::{DATA_SCHEMA, escape_identifier};
use tokio_postgres::GenericClient;

use super::graph::Link;
use crate::{LoadError, Result};

/// The columns read beside the geometry, when the table has them.
const ATTRIBUTES: [&str; 3] = ["funkvagklass", "hastighet_f", "hastighet_b"];

/// Every link of `table` (in the data schema), whose columns are `columns`.
///
/// # Errors
/// When the database fails.
pub async fn links(
    client: &impl GenericClient,
    table: &str,
    columns: &[&str],
) -> Result<Vec<Link>> {
    let attribute = |name: &str| {
        if columns.contains(&name) {
            format!("{}::bigint", escape_identifier(name))
        } else {
            "NULL::bigint".to_owned()
        }
    };
    let [class, forward, backward] = ATTRIBUTES.map(attribute);
    let sql = format!(
        "SELECT ST_X(ST_StartPoint(g)), ST_Y(ST_StartPoint(g)), ST_X(ST_EndPoint(g)), \
                ST_Y(ST_EndPoint(g)), ST_Length(g), c, f, b \
         FROM (SELECT (ST_Dump(geom_3006)).geom AS g, {class} AS c, {forward} AS f, \
                      {backward} AS b FROM {}.{}) parts \
         WHERE NOT ST_IsEmpty(g)",
        escape_identifier(DATA_SCHEMA),
        escape_identifier(table)
    );
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(LoadError::db("reading the road links"))?;
    Ok(rows
        .iter()
        .map(|r| Link {
            start: [r.get(0), r.get(1)],
            end: [r.get(2), r.get(3)],
            length_m: r.get(4),
            class: r.get(5),
            limit_forward: r.get(6),
            limit_backward: r.get(7),
        })
        .collect())
}
