//! Writing an items page as it arrives from PostgreSQL: the features are streamed in chunks,
//! never held whole (a 10,000-feature page of national polygons is tens of megabytes), and
//! what is known only at the end — how many were returned, the `next` link — is written after
//! them, which JSON's unordered members allow.

use std::fmt::Write as _;

use std::pin::Pin;

use bytes::Bytes;
use deadpool_postgres::Object;
use futures_util::{Stream, StreamExt};
use serde_json::{Value, json};
use tokio_postgres::{Row, RowStream};

use super::keyset::Cursor;
use super::request::{Format, ItemsRequest};
use super::sql::Statement;
use crate::datasets::Dataset;
use crate::filter::bind;
use crate::ogc::error::Result;

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

/// What the page's links and trailer need besides the rows.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// `…/collections/{id}/items`, absolute.
    pub items_url: String,
    /// The request's own URL, for `self`.
    pub self_url: String,
    /// `…/collections/{id}`, absolute.
    pub collection_url: String,
    /// The exact count matched, when known for free.
    pub number_matched: Option<i64>,
    /// Whether the page started from a key (so there is a previous page).
    pub has_prev: bool,
    /// When the request was answered, RFC 3339.
    pub time_stamp: String,
}

/// Longest a page in flight waits for its next rows. The statement timeout ends a slow query
/// long before; a wait this long is a frozen database, which cannot enforce its own timeout,
/// and would hold the page's pooled connection (and its client) for as long as it lasts.
const CHUNK_STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// A page being streamed.
pub struct Page {
    // Held until the last row is read: the connection goes back to the pool only then, so no
    // other request can queue behind a half-read result.
    _client: Object,
    rows: Pin<Box<RowStream>>,
    first: Option<Row>,
    // A finished row stream must not be polled again: it answers "connection closed".
    exhausted: bool,
    request: ItemsRequest,
    dataset: std::sync::Arc<Dataset>,
    context: PageContext,
    returned: u32,
    first_key: Option<String>,
    last_key: Option<String>,
    more: bool,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Head,
    Rows,
    Done,
}

impl Page {
    /// Runs `statement` and waits for its first row, so a failing query is still an error
    /// status rather than a broken body.
    ///
    /// # Errors
    /// When the query fails.
    pub async fn start(
        client: Object,
        statement: &Statement,
        request: ItemsRequest,
        dataset: std::sync::Arc<Dataset>,
        context: PageContext,
    ) -> Result<Self> {
        let rows = client
            .query_raw(statement.sql.as_str(), bind(&statement.params))
            .await?;
        let mut rows = Box::pin(rows);
        let first = rows.next().await.transpose()?;
        Ok(Self {
            exhausted: first.is_none(),
            _client: client,
            rows,
            first,
            request,
            dataset,
            context,
            returned: 0,
            first_key: None,
            last_key: None,
            more: false,
            state: State::Head,
        })
    }

    /// The body, as chunks.
    pub fn into_stream(self) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> {
        futures_util::stream::unfold(self, |mut page| async move {
            match page.state {
                State::Done => None,
                State::Head => {
                    page.state = State::Rows;
                    let head = page.head();
                    Some((Ok(Bytes::from(head)), page))
                }
                State::Rows => match tokio::time::timeout(CHUNK_STALL, page.chunk()).await {
                    Ok(Ok(bytes)) => Some((Ok(Bytes::from(bytes)), page)),
                    failed => {
                        let e = failed.map_or_else(
                            |_| format!("no rows for {} s", CHUNK_STALL.as_secs()),
                            |r| r.err().map(|e| e.to_string()).unwrap_or_default(),
                        );
                        // The status is sent: all that is left is to end the body short, so
                        // the client sees a broken page, never a silently shorter one.
                        tracing::error!("items page broke off: {e}");
                        page.state = State::Done;
                        Some((Err(std::io::Error::other(e)), page))
                    }
                },
            }
        })
    }

    fn head(&self) -> String {
        match self.request.format {
            Format::GeoJson => "{\"type\":\"FeatureCollection\",\"features\":[".to_owned(),
            Format::Csv => csv_header(&self.request.properties),
            Format::Html => super::html::head(&self.dataset, &self.request),
        }
    }

    async fn next_row(&mut self) -> std::result::Result<Option<Row>, tokio_postgres::Error> {
        if let Some(row) = self.first.take() {
            return Ok(Some(row));
        }
        if self.exhausted {
            return Ok(None);
        }
        let row = self.rows.next().await.transpose()?;
        self.exhausted = row.is_none();
        Ok(row)
    }

    async fn chunk(&mut self) -> std::result::Result<String, tokio_postgres::Error> {
        let mut out = String::with_capacity(CHUNK + 4096);
        while out.len() < CHUNK {
            let Some(row) = self.next_row().await? else {
                out.push_str(&self.tail());
                self.state = State::Done;
                return Ok(out);
            };
            if self.returned == self.request.limit {
                // The extra row: there is a next page, and this page is complete.
                self.more = true;
                out.push_str(&self.tail());
                self.state = State::Done;
                return Ok(out);
            }
            let fid: i64 = row.get(0);
            let values: Vec<Value> = row
                .get::<_, Option<&str>>(1)
                .and_then(|k| serde_json::from_str(k).ok())
                .unwrap_or_default();
            let key = Cursor::encode(&values, fid);
            if self.first_key.is_none() {
                self.first_key = Some(key.clone());
            }
            self.last_key = Some(key);
            let body: &str = row.get(2);
            match self.request.format {
                Format::GeoJson => {
                    if self.returned > 0 {
                        out.push(',');
                    }
                    out.push_str(body);
                }
                Format::Csv => {
                    out.push_str(&csv_row(fid, body, row.get(3), &self.request.properties));
                }
                Format::Html => out.push_str(&super::html::row(&self.context, fid, body)),
            }
            self.returned += 1;
        }
        Ok(out)
    }

    fn links(&self) -> Vec<Value> {
        let kind = match self.request.format {
            Format::GeoJson => "application/geo+json",
            Format::Csv => "text/csv",
            Format::Html => "text/html",
        };
        let mut links = vec![
            json!({"rel": "self", "href": self.context.self_url, "type": kind, "title": "this page"}),
            json!({"rel": "collection", "href": self.context.collection_url, "type": "application/json", "title": "the collection"}),
        ];
        let version = self.dataset.version.to_string();
        let page_link = |side: &str, key: &str| {
            let mut query = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &self.request.link_params {
                query.append_pair(k, v);
            }
            query.append_pair("version", &version);
            query.append_pair(side, key);
            format!("{}?{}", self.context.items_url, query.finish())
        };
        if self.more
            && let Some(key) = &self.last_key
        {
            links.push(json!({"rel": "next", "href": page_link("after", key), "type": kind, "title": "next page"}));
        }
        if self.context.has_prev
            && let Some(key) = &self.first_key
        {
            links.push(json!({"rel": "prev", "href": page_link("before", key), "type": kind, "title": "previous page"}));
        }
        links
    }

    fn tail(&self) -> String {
        match self.request.format {
            Format::GeoJson => {
                let mut out = format!(
                    "],\"numberReturned\":{},\"timeStamp\":\"{}\"",
                    self.returned, self.context.time_stamp
                );
                if let Some(n) = self.context.number_matched {
                    let _ = write!(out, ",\"numberMatched\":{n}");
                }
                let _ = write!(out, ",\"links\":{}}}", Value::Array(self.links()));
                out
            }
            Format::Csv => String::new(),
            Format::Html => super::html::tail(self.returned, &self.links()),
        }
    }
}

/// A CSV field, quoted when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The CSV header: `id`, the properties, `geometry` (WKT).
#[must_use]
pub fn csv_header(names: &[String]) -> String {
    let mut out = String::from("id");
    for name in names {
        out.push(',');
        out.push_str(&csv_field(name));
    }
    out.push_str(",geometry\r\n");
    out
}

/// One feature as a CSV line: its id, the `names` properties of the JSON object
/// `properties`, and its geometry as WKT.
#[must_use]
pub fn csv_row(fid: i64, properties: &str, wkt: Option<&str>, names: &[String]) -> String {
    let values: serde_json::Map<String, Value> =
        serde_json::from_str(properties).unwrap_or_default();
    let mut out = fid.to_string();
    for name in names {
        out.push(',');
        match values.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.push_str(&csv_field(s)),
            Some(other) => out.push_str(&csv_field(&other.to_string())),
        }
    }
    out.push(',');
    out.push_str(&csv_field(wkt.unwrap_or_default()));
    out.push_str("\r\n");
    out
}
