-- What a polygon dataset covers inside each unit of a division, dissolved once at load: one
-- row per overlap cluster (its pieces' union) or lone piece, cut into parts of at most 256
-- vertices so a drawn area intersects small parts through the index. The rows of one
-- overlay never overlap each other, so the area a drawn polygon shares with a dataset is the
-- sum of its intersections with them: no dissolve per request.
CREATE TABLE rummet.overlay_cover (
    dataset text NOT NULL,
    division text NOT NULL,
    dataset_version bigint NOT NULL,
    code text NOT NULL,
    geom geometry(Geometry, 3006) NOT NULL
);
CREATE INDEX overlay_cover_geom ON rummet.overlay_cover USING gist (geom);
CREATE INDEX overlay_cover_pair ON rummet.overlay_cover (dataset, division);
-- Overlays computed before this migration have no cover rows; questions about them dissolve
-- on the fly as before until the next load.
ALTER TABLE rummet.overlays ADD COLUMN covered boolean NOT NULL DEFAULT false;

-- The union of `pieces` (EPSG:3006): floating precision, retried snapped to a 1 mm grid
-- where GEOS finds it unsound (see `dissolved_area` in 0006); a cancellation is re-raised.
CREATE FUNCTION rummet.dissolved(pieces geometry[]) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL RESTRICTED AS $$
BEGIN
    RETURN ST_Union(pieces);
EXCEPTION WHEN internal_error THEN
    IF SQLERRM LIKE '%Interrupt%' THEN
        RAISE;
    END IF;
    RETURN (SELECT ST_Union(p, 0.001) FROM unnest(pieces) AS p);
END $$;

-- The area of that union: one dissolve, with one retry rule, for the cover and the shares.
CREATE OR REPLACE FUNCTION rummet.dissolved_area(pieces geometry[]) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL RESTRICTED AS $$
    SELECT coalesce(ST_Area(rummet.dissolved(pieces)), 0)
$$;
