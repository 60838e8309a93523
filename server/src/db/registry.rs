//! Reading the dataset registry the loaders write.

use rummet_core::{DatasetId, FieldType, GeometryKind, Role};
use serde::{Deserialize, Serialize};
use tokio_postgres::{GenericClient, Row};

use crate::access::{Principal, Visibility};

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
    /// Thematic data or a division.
    pub role: Role,
    /// Geometry family; published as the PostGIS type of the stored column.
    #[serde(
        rename = "geometry_type",
        serialize_with = "GeometryKind::serialize_postgis"
    )]
    pub geometry: GeometryKind,
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
    /// The same, in seconds since 1970, for `/metrics`.
    #[serde(skip)]
    pub loaded_epoch: f64,
    /// Features read from the source.
    pub rows_read: i64,
    /// Features in this version.
    pub features: i64,
    /// Features whose geometry was repaired.
    pub rows_repaired: i64,
    /// Features left out for lack of a usable geometry.
    pub rows_rejected: i64,
    /// Features the catalog's filter left out (decisions not in force, say).
    pub rows_filtered: i64,
    /// Features whose geometry carried Z or M, stored in 2D.
    pub rows_flattened: i64,
    /// The ordinates dropped (`Z`, `M`, `ZM`), if any feature had them.
    pub dropped_dimensions: Option<String>,
    /// What the load warned of: optional fields the file lacked, values outside a code list.
    pub warnings: Vec<String>,
    /// The parts it was loaded from (`lan:25` ...), each with its provenance; empty when it
    /// was loaded whole.
    pub parts: Vec<PartInfo>,
    /// West, south, east, north in WGS 84.
    pub bounds: Vec<f64>,
    /// Lowest zoom served.
    pub minzoom: i16,
    /// Highest zoom served.
    pub maxzoom: i16,
    /// Attribute columns, in order.
    pub fields: Vec<FieldInfo>,
    /// The organisation that owns it (its uploads; a catalog dataset has none).
    pub organisation: Option<String>,
    /// Who may see it.
    pub visibility: Visibility,
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

impl Dataset {
    /// Whether `viewer` (a key's holder, or nobody) may see this dataset.
    #[must_use]
    pub fn visible_to(&self, viewer: Option<&Principal>) -> bool {
        self.visibility.lets(self.organisation.as_deref(), viewer)
    }
}

/// One part of a dataset loaded by parts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartInfo {
    /// The part, `division:code`.
    pub part: String,
    /// The file's name (never its server path) or the service URL it was read from.
    pub source: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// When the part was loaded (UTC, RFC 3339).
    pub loaded_at: String,
    /// Features read from the file.
    pub rows_read: i64,
    /// Features of this part in the serving version.
    pub features: i64,
    /// What its load warned of.
    pub warnings: Vec<String>,
}

/// One attribute column.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldInfo {
    /// Column name.
    pub name: String,
    /// Column type; published as the PostgreSQL type.
    #[serde(rename = "type", serialize_with = "FieldType::serialize_sql")]
    pub kind: FieldType,
    /// Meaning.
    pub description: String,
}

const SELECT: &str = "SELECT id, title, title_en, agency, description, licence, attribution, role, \
    geometry_type, source, sha256, version, table_name, \
    to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS loaded_at, \
    extract(epoch FROM loaded_at)::float8 AS loaded_epoch, \
    rows_read, rows_loaded, rows_repaired, rows_rejected, rows_filtered, rows_flattened, \
    dropped_dimensions, warnings, bounds, minzoom, maxzoom, fields, l2_maxzoom, zoom_bands, \
    catalog->>'cache_control' AS cache_control, organisation, visibility, \
    (SELECT coalesce(jsonb_agg(jsonb_build_object('part', p.part, \
        'source', CASE WHEN p.source ~ '^https?://' THEN p.source ELSE regexp_replace(p.source, '^.*/', '') END, \
        'sha256', p.sha256, 'rows_read', p.rows_read, 'features', p.rows_loaded, 'warnings', p.warnings, \
        'loaded_at', to_char(p.loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) ORDER BY p.part), '[]') \
     FROM rummet.dataset_parts p WHERE p.dataset = d.id) AS parts \
    FROM rummet.datasets d";

fn from_row(row: &Row) -> Option<Dataset> {
    let id: String = row.get("id");
    let Ok(id) = DatasetId::parse(&id) else {
        tracing::error!(id, "registry row with an invalid dataset id ignored");
        return None;
    };
    let fields = field_list(&id, row.get("fields"));
    // A row this server cannot read (a role or geometry type it does not know, written by
    // hand or by a newer loader) is left out with an error, never a panic of every reload.
    let (role, geometry) = match (row.try_get("role"), row.try_get("geometry_type")) {
        (Ok(role), Ok(geometry)) => (role, geometry),
        (role, geometry) => {
            tracing::error!(
                %id,
                role = ?role.err(),
                geometry = ?geometry.err(),
                "registry row with an unknown role or geometry type ignored"
            );
            return None;
        }
    };
    Some(Dataset {
        id,
        title: row.get("title"),
        title_en: row.get("title_en"),
        agency: row.get("agency"),
        description: row.get("description"),
        licence: row.get("licence"),
        attribution: row.get("attribution"),
        role,
        geometry,
        source: row.get("source"),
        sha256: row.get("sha256"),
        version: row.get("version"),
        table_name: row.get("table_name"),
        loaded_at: row.get("loaded_at"),
        loaded_epoch: row.get("loaded_epoch"),
        rows_read: row.get("rows_read"),
        features: row.get("rows_loaded"),
        rows_repaired: row.get("rows_repaired"),
        rows_rejected: row.get("rows_rejected"),
        rows_filtered: row.get("rows_filtered"),
        rows_flattened: row.get("rows_flattened"),
        dropped_dimensions: row.get("dropped_dimensions"),
        warnings: row.get("warnings"),
        parts: serde_json::from_value(row.get("parts")).unwrap_or_default(),
        bounds: row.get("bounds"),
        minzoom: row.get("minzoom"),
        maxzoom: row.get("maxzoom"),
        fields,
        cache_control: row.get("cache_control"),
        organisation: row.get("organisation"),
        visibility: Visibility::parse(row.get("visibility")).unwrap_or(Visibility::Private),
        l2_maxzoom: u8::try_from(row.get::<_, i16>("l2_maxzoom")).unwrap_or(0),
        zoom_bands: row
            .get::<_, Vec<i16>>("zoom_bands")
            .into_iter()
            .filter_map(|z| u8::try_from(z).ok())
            .collect(),
    })
}

/// The registry's field list, field by field: one of an unknown type is left out with an
/// error, not the whole list with it.
fn field_list(id: &DatasetId, fields: serde_json::Value) -> Vec<FieldInfo> {
    let serde_json::Value::Array(fields) = fields else {
        return Vec::new();
    };
    fields
        .into_iter()
        .filter_map(|f| {
            serde_json::from_value(f.clone())
                .map_err(|e| tracing::error!(%id, field = %f, "registry field ignored: {e}"))
                .ok()
        })
        .collect()
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
