-- Every version table gets the lowest zoom each feature is served at. Tables loaded before
-- this migration serve every feature from zoom 0, as they did; their next load thins them.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT table_name FROM rummet.datasets LOOP
        EXECUTE format('ALTER TABLE rummet_data.%I ADD COLUMN IF NOT EXISTS minzoom smallint NOT NULL DEFAULT 0', t);
    END LOOP;
END
$$;
