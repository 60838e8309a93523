-- The zoom bands a version stores generalised geometry for (`geom_z5`, `geom_z8`, `geom_z11`,
-- by each band's highest zoom); versions loaded before have none and draw `geom` at every zoom.
ALTER TABLE rummet.datasets ADD COLUMN zoom_bands smallint[] NOT NULL DEFAULT '{}';
