-- The units of one division for a map's region picker: code, name, area, the box and a point
-- inside in WGS 84, and the codes of the units it touches (its neighbours across a border),
-- found through the geometry index. $1: the division's id.
SELECT u.code,
       u.name,
       u.area_m2,
       ARRAY[ST_XMin(b.box), ST_YMin(b.box), ST_XMax(b.box), ST_YMax(b.box)] AS bbox,
       ARRAY[ST_X(b.p), ST_Y(b.p)] AS point,
       coalesce((SELECT array_agg(n.code ORDER BY n.code)
                   FROM rummet.division_units n
                  WHERE n.division = u.division AND n.code <> u.code
                    AND ST_Intersects(n.geom, u.geom)), '{}') AS neighbours
  FROM rummet.division_units u,
       LATERAL (SELECT ST_Transform(ST_Envelope(u.geom), 4326) AS box,
                       ST_Transform(u.point, 4326) AS p) b
 WHERE u.division = $1
 ORDER BY u.code
