-- Every version table keeps its repaired geometry in SWEREF 99 TM (EPSG:3006), the
-- authoritative one: OGC API features in EPSG:3006, SWEREF 99 TM tiles and the statistics
-- overlays read it. Tables loaded before this migration only had the Web Mercator geometry;
-- they get it back-transformed from there (sub-millimetre in Sweden) until their next load
-- stores the source geometry itself.
DO $$
DECLARE t text; kind text;
BEGIN
    FOR t, kind IN SELECT table_name, geometry_type FROM rummet.datasets LOOP
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                       WHERE table_schema = 'rummet_data' AND table_name = t
                         AND column_name = 'geom_3006') THEN
            EXECUTE format('ALTER TABLE rummet_data.%I ADD COLUMN geom_3006 geometry(%s, 3006)', t, kind);
            EXECUTE format('UPDATE rummet_data.%I SET geom_3006 = ST_Transform(geom, 3006)', t);
            EXECUTE format('ALTER TABLE rummet_data.%I ALTER COLUMN geom_3006 SET NOT NULL', t);
        END IF;
    END LOOP;
END
$$;
