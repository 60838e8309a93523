-- Population and accessibility (issue 17).

-- A third role: a grid (or a division) whose features carry a head count.
ALTER TABLE rummet.datasets DROP CONSTRAINT datasets_role_check;
ALTER TABLE rummet.datasets ADD CONSTRAINT datasets_role_check
    CHECK (role IN ('thematic', 'division', 'population'));

-- The population every weighted statistic and accessibility answer counts: of the serving
-- datasets of role `population`, the finest grid (a 250 m grid before a 1 km one), by the
-- catalog's `population.cell_m`. One definition, read by the loader and the server alike.
CREATE VIEW rummet.population_source AS
SELECT id, version, table_name,
       catalog->'population'->>'count' AS count_column,
       catalog->'population'->>'reference' AS reference_column,
       (catalog->'population'->>'cell_m')::double precision AS cell_m,
       -- A table by unit (joined to a division's units), not a grid of cells.
       catalog->'population'->>'join' IS NOT NULL AS joined,
       title, licence, attribution
FROM rummet.datasets
WHERE role = 'population'
ORDER BY (catalog->'population'->>'cell_m')::double precision, id
LIMIT 1;

-- Each populated cell's people apportioned to the units of a division by the share of the
-- cell's area inside each unit (areal weighting: people are taken as spread evenly over
-- their cell). Rebuilt when the population or the division is loaded.
CREATE TABLE rummet.population_weights (
    division           text NOT NULL,
    population         text NOT NULL,
    population_version bigint NOT NULL,
    fid                bigint NOT NULL,
    code               text NOT NULL,
    people             double precision NOT NULL
);
CREATE INDEX population_weights_division ON rummet.population_weights (division, code);
CREATE INDEX population_weights_fid ON rummet.population_weights (division, fid);

-- People per unit (the sum of the weights).
CREATE TABLE rummet.population_units (
    division           text NOT NULL,
    population         text NOT NULL,
    population_version bigint NOT NULL,
    code               text NOT NULL,
    people             double precision NOT NULL,
    PRIMARY KEY (division, code)
);

-- People per unit living inside a polygon dataset's features: each populated cell's people
-- times the share of its area inside the dataset's dissolved cover (`overlay_cover`) in the
-- unit. Rebuilt with the overlay, and when the population is loaded.
CREATE TABLE rummet.population_cover (
    dataset            text NOT NULL,
    division           text NOT NULL,
    population         text NOT NULL,
    population_version bigint NOT NULL,
    code               text NOT NULL,
    people             double precision NOT NULL,
    PRIMARY KEY (dataset, division, code)
);

-- Accessibility: every populated cell's travel time to the nearest service of a type, by
-- profile, computed at load over the road network (`seconds` NULL: no service reachable, or
-- no road near the cell). `fid` is the cell's in the population grid's serving table named by
-- `access_runs`, whose geometry the travel-time tiles draw. Rebuilt when the services, the
-- network or the population is loaded.
CREATE TABLE rummet.access_cells (
    services      text NOT NULL,
    service_type  text NOT NULL,
    profile       text NOT NULL,
    fid           bigint NOT NULL,
    people        double precision NOT NULL,
    seconds       real,
    PRIMARY KEY (services, service_type, profile, fid)
);

-- The same per unit of each division: the unit's people, those unreachable, and `within[m + 1]`
-- the people within m whole minutes (m = 0 .. 600; a time is rounded to the second, then up
-- to the minute, so a cell at exactly 600 s is within 10 min), cumulated: any threshold's
-- answer for every kommun is one row per kommun.
CREATE TABLE rummet.access_units (
    services      text NOT NULL,
    service_type  text NOT NULL,
    profile       text NOT NULL,
    division      text NOT NULL,
    code          text NOT NULL,
    people        double precision NOT NULL,
    unreachable   double precision NOT NULL,
    within        double precision[] NOT NULL,
    PRIMARY KEY (services, service_type, profile, division, code)
);

-- What each accessibility computation was made from, for the answer's method and freshness.
CREATE TABLE rummet.access_runs (
    services           text PRIMARY KEY,
    services_version   bigint NOT NULL,
    network            text NOT NULL,
    network_version    bigint NOT NULL,
    population         text NOT NULL,
    population_version bigint NOT NULL,
    population_table   text NOT NULL,
    service_types      text[] NOT NULL,
    cells              bigint NOT NULL,
    links              bigint NOT NULL,
    model              jsonb NOT NULL,
    elapsed_ms         bigint NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now()
);
