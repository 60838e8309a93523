-- Removes a dataset from the registry with everything derived from it; answers the tables to
-- drop after the commit, the serving one first (none: it was not loaded).
WITH d AS (DELETE FROM rummet.datasets WHERE id = $1 RETURNING table_name),
v AS (DELETE FROM rummet.dataset_versions WHERE dataset = $1 RETURNING table_name),
o AS (DELETE FROM rummet.overlays WHERE dataset = $1 OR division = $1 RETURNING table_name),
s AS (DELETE FROM rummet.overlay_summary WHERE dataset = $1 OR division = $1),
g AS (DELETE FROM rummet.overlay_groups WHERE dataset = $1 OR division = $1),
c AS (DELETE FROM rummet.overlay_cover WHERE dataset = $1 OR division = $1),
u AS (DELETE FROM rummet.division_units WHERE division = $1),
p AS (DELETE FROM rummet.dataset_parts WHERE dataset = $1),
t AS (DELETE FROM rummet.tiles WHERE dataset = $1),
pw AS (DELETE FROM rummet.population_weights WHERE division = $1 OR population = $1),
pu AS (DELETE FROM rummet.population_units WHERE division = $1 OR population = $1),
pc AS (DELETE FROM rummet.population_cover WHERE dataset = $1 OR division = $1 OR population = $1),
-- Travel times of these services, or computed over this network or population grid.
gone AS (SELECT services FROM rummet.access_runs WHERE services = $1 OR network = $1 OR population = $1),
ac AS (DELETE FROM rummet.access_cells WHERE services = $1 OR services IN (SELECT services FROM gone)),
au AS (DELETE FROM rummet.access_units WHERE services = $1 OR division = $1 OR services IN (SELECT services FROM gone)),
ar AS (DELETE FROM rummet.access_runs WHERE services IN (SELECT services FROM gone))
SELECT table_name FROM d
UNION ALL SELECT table_name FROM v
UNION ALL SELECT table_name FROM o
