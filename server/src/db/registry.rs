//! Reading the dataset registry the loaders write.

use rummet_core::DatasetId;
use serde::{Deserialize, Serialize};
use tokio_postgres::{GenericClient, Row};

/// A loaded dataset's serving version, as the registry records it.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    /// Dataset id.
    pub id: DatasetId,
    /// Swedish title.
    pub title: String,
    /// English title.
    pub title_en: String,
    /// Publishing agency.
    pub agency: String,
    /// What it holds.
    pub description: String,
    /// Licence.
    pub licence: String,
    /// Attribution shown on maps.
    pub attribution: String,
    /// `thematic` or `division`.
    pub role: String,
    /// PostGIS geometry type of the stored column.
    pub geometry_type: String,
    /// Where the version was loaded from.
    pub source: String,
    /// SHA-256 of the source.
    pub sha256: String,
    /// Version number; unique across all datasets and loads.
    pub version: i64,
    /// Table in the data schema holding this version.
    #[serde(skip)]
    pub table_name: String,
    /// When it was loaded (UTC, RFC 3339).
    pub loaded_at: String,
    /// Features read from the source.
    pub rows_read: i64,
    /// Features in this version.
    pub features: i64,
    /// Features whose geometry was repaired.
    pub rows_repaired: i64,
    /// Features left out for lack of a usable geometry.
    pub rows_rejected: i64,
    /// West, south, east, north in WGS 84.
    pub bounds: Vec<f64>,
    /// Lowest zoom served.
    pub minzoom: i16,
    /// Highest zoom served.
    pub maxzoom: i16,
    /// Attribute columns, in order.
    pub fields: Vec<FieldInfo>,
    /// `Cache-Control` for its tiles from the catalog, if it sets one.
    #[serde(skip)]
    pub cache_control: Option<String>,
    /// Tiles up to this zoom are kept pre-rendered (L2).
    #[serde(skip)]
    pub l2_maxzoom: u8,
    /// Zoom bands with generalised geometry, by their highest zoom (see
    /// [`rummet_core::ZOOM_BANDS`]).
    #[serde(skip)]
    pub zoom_bands: Vec<u8>,
}

/// One attribute column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldInfo {
    /// Column name.
    pub name: String,
    /// PostgreSQL type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Meaning.
    pub description: String,
}

const SELECT: &str = "SELECT id, title, title_en, agency, description, licence, attribution, role, \
    geometry_type, source, sha256, version, table_name, \
    to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS loaded_at, \
    rows_read, rows_loaded, rows_repaired, rows_rejected, bounds, minzoom, maxzoom, fields, l2_maxzoom, zoom_bands, \
    catalog->>'cache_control' AS cache_control \
    FROM rummet.datasets";

fn from_row(row: &Row) -> Option<Dataset> {
    let id: String = row.get("id");
    let Ok(id) = DatasetId::parse(&id) else {
        tracing::error!(id, "registry row with an invalid dataset id ignored");
        return None;
    };
    let fields: serde_json::Value = row.get("fields");
    Some(Dataset {
        id,
        title: row.get("title"),
        title_en: row.get("title_en"),
        agency: row.get("agency"),
        description: row.get("description"),
        licence: row.get("licence"),
        attribution: row.get("attribution"),
        role: row.get("role"),
        geometry_type: row.get("geometry_type"),
        source: row.get("source"),
        sha256: row.get("sha256"),
        version: row.get("version"),
        table_name: row.get("table_name"),
        loaded_at: row.get("loaded_at"),
        rows_read: row.get("rows_read"),
        features: row.get("rows_loaded"),
        rows_repaired: row.get("rows_repaired"),
        rows_rejected: row.get("rows_rejected"),
        bounds: row.get("bounds"),
        minzoom: row.get("minzoom"),
        maxzoom: row.get("maxzoom"),
        fields: serde_json::from_value(fields).unwrap_or_default(),
        cache_control: row.get("cache_control"),
        l2_maxzoom: u8::try_from(row.get::<_, i16>("l2_maxzoom")).unwrap_or(0),
        zoom_bands: row
            .get::<_, Vec<i16>>("zoom_bands")
            .into_iter()
            .filter_map(|z| u8::try_from(z).ok())
            .collect(),
    })
}

/// Every loaded dataset, by id.
///
/// # Errors
/// When the query fails.
pub async fn list(client: &impl GenericClient) -> Result<Vec<Dataset>, tokio_postgres::Error> {
    let rows = client.query(&format!("{SELECT} ORDER BY id"), &[]).await?;
    Ok(rows.iter().filter_map(from_row).collect())
}

/// One dataset, if loaded.
///
/// # Errors
/// When the query fails.
pub async fn get(
    client: &impl GenericClient,
    id: &DatasetId,
) -> Result<Option<Dataset>, tokio_postgres::Error> {
    let row = client
        .query_opt(&format!("{SELECT} WHERE id = $1"), &[&id.as_str()])
        .await?;
    Ok(row.as_ref().and_then(from_row))
}
