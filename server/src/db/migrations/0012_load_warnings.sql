-- What a load tells a steward beside its counts: warnings (optional fields the file lacked,
-- values outside a code list) and the Z/M ordinates it dropped to store 2D geometry.
ALTER TABLE rummet.datasets
    ADD COLUMN warnings text[] NOT NULL DEFAULT '{}',
    ADD COLUMN rows_flattened bigint NOT NULL DEFAULT 0,
    ADD COLUMN dropped_dimensions text;

-- Bounds used to be the SWEREF 99 TM box's corners transformed to WGS 84, about 1.6 degrees
-- too far west; they are now the box of each version's Web Mercator geometry, whose corners
-- transform exactly. Recompute them for the versions already serving.
DO $$
DECLARE
    r record;
    b geometry;
BEGIN
    FOR r IN SELECT id, table_name FROM rummet.datasets LOOP
        BEGIN
            EXECUTE format(
                'SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 3857), 4326) FROM rummet_data.%I',
                r.table_name) INTO b;
            IF b IS NOT NULL THEN
                UPDATE rummet.datasets
                SET bounds = ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]
                WHERE id = r.id;
            END IF;
        EXCEPTION WHEN undefined_table THEN
            NULL;
        END;
    END LOOP;
END
$$;
