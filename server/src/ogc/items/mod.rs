//! OGC API – Features items: a request checked once ([`ItemsRequest`]), its SQL ([`sql`]),
//! keyset paging ([`keyset`]) and the page streamed as it arrives ([`Page`]).

mod html;
mod keyset;
mod page;
mod request;
mod sql;

use std::sync::Arc;

use deadpool_postgres::Pool;

pub use html::{escape as html_escape, feature as feature_html};
pub use keyset::{Cursor, Side};
pub use page::{Page, PageContext, csv_header, csv_row};
pub use request::{
    DEFAULT_LIMIT, Format, ITEMS_PARAMS, ItemsRequest, MAX_LIMIT, SortKey, negotiate, parse_format,
};

use crate::datasets::Dataset;
use crate::filter::{Param, bind};
use crate::ogc::error::Result;

/// Starts streaming the page `req` asks for.
///
/// # Errors
/// When no connection can be had or the query fails before its first row.
pub async fn page(
    pool: &Pool,
    dataset: Arc<Dataset>,
    req: ItemsRequest,
    context: PageContext,
) -> Result<Page> {
    let client = pool.get().await?;
    // A `prev` link names the first row of the page it came from: find where the page before
    // it starts (its first row, `limit` rows back) and read forwards from there.
    let start = match &req.cursor {
        Some(c) if c.side == Side::Before => {
            let back = sql::page_start_before(&req, &dataset, c)?;
            let row = client
                .query_opt(back.sql.as_str(), &bind(&back.params))
                .await?;
            row.map(|r| Cursor {
                side: Side::Before,
                values: r
                    .get::<_, Option<&str>>(1)
                    .and_then(|k| serde_json::from_str(k).ok())
                    .unwrap_or_default(),
                fid: r.get(0),
            })
        }
        other => other.clone(),
    };
    let statement = sql::page(&req, &dataset, start.as_ref())?;
    Page::start(client, &statement, req, dataset, context).await
}

/// One feature as `req` writes it (GeoJSON or CSV columns): `(body, wkt)`, or `None`.
///
/// # Errors
/// When no connection can be had or the query fails.
pub async fn feature(
    pool: &Pool,
    dataset: &Dataset,
    req: &ItemsRequest,
    fid: i64,
) -> Result<Option<(String, Option<String>)>> {
    let client = pool.get().await?;
    let row = client
        .query_opt(sql::one(req, dataset).as_str(), &bind(&[Param::Int(fid)]))
        .await?;
    Ok(row.map(|r| (r.get(2), r.get(3))))
}
