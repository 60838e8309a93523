-- L2: rendered tiles kept in PostgreSQL, so every replica (and every restart) shares the
-- work of rendering. Rows are keyed by the dataset version they were rendered from; a load
-- deletes the rows of the versions it replaces in its own transaction, so a key can never
-- name bytes of other data. Tiles are stored compressed, as served; the uncompressed bytes
-- are one gunzip away.
CREATE TABLE rummet.tiles (
    dataset  text     NOT NULL,
    version  bigint   NOT NULL,
    z        smallint NOT NULL,
    x        integer  NOT NULL,
    y        integer  NOT NULL,
    gzip     bytea    NOT NULL,
    br       bytea    NOT NULL,
    PRIMARY KEY (dataset, version, z, x, y)
);
-- Already compressed: PostgreSQL's own compression would only cost time.
ALTER TABLE rummet.tiles ALTER COLUMN gzip SET STORAGE EXTERNAL, ALTER COLUMN br SET STORAGE EXTERNAL;

-- Tiles up to this zoom are kept in L2 (seeded at load, written through on a miss);
-- `rummet seed --zooms` raises it per dataset.
ALTER TABLE rummet.datasets ADD COLUMN l2_maxzoom smallint NOT NULL DEFAULT 10;
