-- Checks the staged features as a whole before anything is built from them.
-- $1: source SRID; $2: the dimension of the catalog's geometry family (0 point, 1 line, 2 polygon).
-- Invalid geometries were listed in pg_temp.rummet_invalid just before, in one validity pass.
-- zm_flags ORs ST_Zmflag over the features (1 M, 2 Z, 3 both): what building drops to 2D.
WITH s AS (
    SELECT fid, ST_GeomFromWKB(wkb, $1) AS g FROM pg_temp.rummet_staging
), agg AS (
    SELECT
        count(*)::bigint AS total,
        count(*) FILTER (WHERE g IS NULL OR ST_IsEmpty(g))::bigint AS empty,
        min(fid) FILTER (WHERE ST_Dimension(g) <> $2) AS wrong_type_fid,
        (array_agg(GeometryType(g) ORDER BY fid) FILTER (WHERE ST_Dimension(g) <> $2))[1] AS wrong_type,
        ST_Extent(g) AS extent,
        count(*) FILTER (WHERE ST_Zmflag(g) > 0)::bigint AS flattened,
        coalesce(bit_or(ST_Zmflag(g)::int), 0) AS zm_flags
    FROM s
)
SELECT total, empty,
    (SELECT count(*) FROM pg_temp.rummet_invalid)::bigint AS invalid,
    coalesce((SELECT (array_agg(fid ORDER BY fid))[1:10] FROM pg_temp.rummet_invalid), '{}') AS invalid_fids,
    wrong_type_fid, wrong_type, flattened, zm_flags,
    (SELECT ARRAY[ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)]
       FROM ST_Transform(ST_SetSRID(extent::geometry, $1), 4326) AS b) AS bounds
FROM agg
