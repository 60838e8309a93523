-- The dataset registry: one row per dataset, pointing at the table of its serving version.
CREATE SCHEMA IF NOT EXISTS rummet_data;

CREATE SEQUENCE rummet.dataset_version;

CREATE TABLE rummet.datasets (
    id             text PRIMARY KEY,
    title          text NOT NULL,
    title_en       text NOT NULL,
    agency         text NOT NULL,
    description    text NOT NULL,
    licence        text NOT NULL,
    attribution    text NOT NULL,
    role           text NOT NULL CHECK (role IN ('thematic', 'division')),
    geometry_type  text NOT NULL,
    source         text NOT NULL,
    source_format  text NOT NULL,
    sha256         text NOT NULL,
    version        bigint NOT NULL,
    table_name     text NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    rows_read      bigint NOT NULL,
    rows_loaded    bigint NOT NULL,
    rows_repaired  bigint NOT NULL,
    rows_rejected  bigint NOT NULL,
    bounds         double precision[] NOT NULL CHECK (cardinality(bounds) = 4),
    minzoom        smallint NOT NULL,
    maxzoom        smallint NOT NULL,
    fields         jsonb NOT NULL,
    catalog        jsonb NOT NULL
);
