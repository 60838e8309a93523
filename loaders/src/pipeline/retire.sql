-- Keeps the serving version of a dataset, about to be replaced, for rollback: its registry
-- row and its parts as they are now.
INSERT INTO rummet.dataset_versions (dataset, version, table_name, registry, parts)
SELECT d.id, d.version, d.table_name, to_jsonb(d),
       coalesce((SELECT jsonb_agg(to_jsonb(p)) FROM rummet.dataset_parts p WHERE p.dataset = d.id), '[]')
FROM rummet.datasets d
WHERE d.id = $1
ON CONFLICT (dataset, version) DO NOTHING
