-- The serving version of a dataset, then the kept ones, the one replaced last first. Sources are file names,
-- never a server path.
SELECT version, serving, CASE WHEN source ~ '^https?://' THEN source ELSE regexp_replace(source, '^.*/', '') END AS source,
       sha256, to_char(loaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS loaded_at,
       to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS retired_at, features, parts
FROM (
    SELECT d.version, true AS serving, d.source, d.sha256, d.loaded_at, NULL::timestamptz AS retired_at,
           d.rows_loaded AS features,
           ARRAY(SELECT p.part FROM rummet.dataset_parts p WHERE p.dataset = d.id ORDER BY p.part) AS parts
    FROM rummet.datasets d WHERE d.id = $1
    UNION ALL
    SELECT v.version, false, v.registry->>'source', v.registry->>'sha256',
           (v.registry->>'loaded_at')::timestamptz, v.retired_at, (v.registry->>'rows_loaded')::bigint,
           ARRAY(SELECT e->>'part' FROM jsonb_array_elements(v.parts) e ORDER BY 1)
    FROM rummet.dataset_versions v WHERE v.dataset = $1
) all_versions
ORDER BY serving DESC, retired_at DESC NULLS FIRST, version DESC
