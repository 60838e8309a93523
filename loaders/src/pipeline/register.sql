-- Makes a freshly built version the one that serves, and returns the version it replaces.
WITH old AS (
    SELECT table_name FROM rummet.datasets WHERE id = $1
), up AS (
    INSERT INTO rummet.datasets AS d (
        id, title, title_en, agency, description, licence, attribution, role, geometry_type,
        source, source_format, sha256, version, table_name, loaded_at,
        rows_read, rows_loaded, rows_repaired, rows_rejected, bounds, minzoom, maxzoom, fields, catalog, rows_filtered,
        zoom_bands, warnings, rows_flattened, dropped_dimensions)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(),
        $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)
    ON CONFLICT (id) DO UPDATE SET
        title = EXCLUDED.title, title_en = EXCLUDED.title_en, agency = EXCLUDED.agency,
        description = EXCLUDED.description, licence = EXCLUDED.licence,
        attribution = EXCLUDED.attribution, role = EXCLUDED.role,
        geometry_type = EXCLUDED.geometry_type, source = EXCLUDED.source,
        source_format = EXCLUDED.source_format, sha256 = EXCLUDED.sha256,
        version = EXCLUDED.version, table_name = EXCLUDED.table_name, loaded_at = now(),
        rows_read = EXCLUDED.rows_read, rows_loaded = EXCLUDED.rows_loaded,
        rows_repaired = EXCLUDED.rows_repaired, rows_rejected = EXCLUDED.rows_rejected,
        bounds = EXCLUDED.bounds, minzoom = EXCLUDED.minzoom, maxzoom = EXCLUDED.maxzoom,
        fields = EXCLUDED.fields, catalog = EXCLUDED.catalog,
        rows_filtered = EXCLUDED.rows_filtered, zoom_bands = EXCLUDED.zoom_bands,
        warnings = EXCLUDED.warnings, rows_flattened = EXCLUDED.rows_flattened,
        dropped_dimensions = EXCLUDED.dropped_dimensions
    RETURNING d.id
)
SELECT (SELECT table_name FROM old) AS replaced FROM up
