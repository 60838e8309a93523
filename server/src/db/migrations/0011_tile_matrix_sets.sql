-- Pre-rendered tiles of more than one tile matrix set (WebMercatorQuad, SWEREF99TM): the
-- set is part of the key. Rows before this migration are Web Mercator tiles.
ALTER TABLE rummet.tiles ADD COLUMN tms text NOT NULL DEFAULT 'WebMercatorQuad';
ALTER TABLE rummet.tiles DROP CONSTRAINT tiles_pkey;
ALTER TABLE rummet.tiles ADD PRIMARY KEY (dataset, version, tms, z, x, y);
