-- Statistics. Each division's units (kommuner, län, FA-regions, DeSO ...) in SWEREF 99 TM,
-- one row per code, so every overlay and every query measures in metres on the same shapes.
CREATE TABLE rummet.division_units (
    division  text NOT NULL,
    version   bigint NOT NULL,
    code      text NOT NULL,
    name      text NOT NULL,
    area_m2   double precision NOT NULL,
    geom      geometry(MultiPolygon, 3006) NOT NULL,
    -- A point surely inside the unit: "divisions inside län 20" is a point-in-polygon test.
    point     geometry(Point, 3006) NOT NULL,
    -- The unit's box in Web Mercator, to find candidate features through their own index.
    bbox3857  geometry(Polygon, 3857) NOT NULL,
    PRIMARY KEY (division, code)
);
CREATE INDEX division_units_geom ON rummet.division_units USING gist (geom);
CREATE INDEX division_units_point ON rummet.division_units USING gist (point);

-- One overlay per (dataset, division): a table in the data schema with a row per feature and
-- unit it reaches (fid, code, length and area inside, and for polygons the piece inside).
-- Computed in the load transaction of either side, so it always matches both serving versions.
CREATE TABLE rummet.overlays (
    dataset          text NOT NULL,
    division         text NOT NULL,
    dataset_version  bigint NOT NULL,
    division_version bigint NOT NULL,
    table_name       text NOT NULL,
    pieces           bigint NOT NULL,
    -- Distinct features reaching any unit: the national total of a count.
    features         bigint NOT NULL,
    elapsed_ms       bigint NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, division)
);

-- The unfiltered answer per unit, precomputed with the overlay: most questions are exactly
-- this, and `covered_m2` (the dissolved area) is the expensive part of a share.
CREATE TABLE rummet.overlay_summary (
    dataset    text NOT NULL,
    division   text NOT NULL,
    code       text NOT NULL,
    features   bigint NOT NULL,
    length_m   double precision NOT NULL,
    area_m2    double precision NOT NULL,
    covered_m2 double precision NOT NULL,
    PRIMARY KEY (dataset, division, code)
);
