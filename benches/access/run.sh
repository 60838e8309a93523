#!/usr/bin/env bash
# Issue 17's national job, end to end through `rummet load`, and the same computation done
# by hand with pgRouting, in one run. Generated over Sweden's real kommuner:
#   - a road lattice SPACING metres apart (about a million NVDB links at 950 m), limits and
#     classes varying by row and column, as NVDB's homogenised GeoPackage names them;
#   - SCB's 1 km population grid in SCB's published shape, every land cell populated
#     (about half a million cells);
#   - Pipos service points of seven types on road nodes, 100 m off the road.
# Measured: the population load (people per unit), the Pipos load that computes the
# accessibility (read NVDB from PostGIS, build the graph, snap every cell and service, one
# pass per type and profile, write, sum per unit and minute), the all-kommun answer warm
# (oha), and pgRouting's version of one type and profile. Prints Markdown.
#
#   benches/access/run.sh
#   SPACING=5000 CELL=5000 DURATION=5s benches/access/run.sh     # a quick run
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked
if ! ls /usr/share/postgresql/*/extension/pgrouting.control >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "postgresql-$(ls /usr/lib/postgresql | sort -n | tail -1)-pgrouting" >&2
fi
command -v ogr2ogr >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends gdal-bin >&2
SPACING=${SPACING:-950}
CELL=${CELL:-1000}
DURATION=${DURATION:-20s}
CONNS=${CONNS:-8}
bench_start accessbench
for d in lan kommun fa; do $R load $d --no-seed --data-dir "$WORK/db" >/dev/null; done
F="$WORK/files"; mkdir -p "$F"

psql "$URL" -q -v ON_ERROR_STOP=1 -v spacing="$SPACING" -v cell="$CELL" <<'SQL'
CREATE SCHEMA gen;
-- Land as small pieces, so a point-in-land test is quick.
CREATE TABLE gen.land AS
  SELECT ST_Subdivide(geom, 64) AS geom FROM rummet.division_units WHERE division = 'kommun';
CREATE INDEX ON gen.land USING gist (geom);
CREATE TABLE gen.box AS
  SELECT floor(ST_XMin(e) / 1000) * 1000 AS x0, floor(ST_YMin(e) / 1000) * 1000 AS y0,
         ST_XMax(e) AS x1, ST_YMax(e) AS y1
  FROM (SELECT ST_Extent(geom) AS e FROM gen.land) s;
-- Road nodes on land.
CREATE TABLE gen.nodes AS
  SELECT i, j, x0 + i * :spacing AS x, y0 + j * :spacing AS y
  FROM gen.box, generate_series(0, ((x1 - x0) / :spacing)::int) i,
       generate_series(0, ((y1 - y0) / :spacing)::int) j
  WHERE EXISTS (SELECT 1 FROM gen.land l
                WHERE ST_Intersects(l.geom, ST_SetSRID(ST_MakePoint(x0 + i * :spacing, y0 + j * :spacing), 3006)));
CREATE UNIQUE INDEX ON gen.nodes (i, j);
-- Links east and north between land nodes.
CREATE TABLE gen.links AS
  SELECT (a.i + a.j) % 10 AS klass, (ARRAY[30,40,50,60,70,80,90,100,110,50])[a.i % 10 + 1] AS kmh,
         ST_MakeLine(ST_SetSRID(ST_MakePoint(a.x, a.y), 3006), ST_SetSRID(ST_MakePoint(b.x, b.y), 3006)) AS geom
  FROM gen.nodes a JOIN gen.nodes b ON (b.i, b.j) IN ((a.i + 1, a.j), (a.i, a.j + 1));
-- Cells (1 km) whose centre is on land, SCB's way: id = east and north of the south-west corner.
CREATE TABLE gen.cells AS
  SELECT x, y, ((i * 7 + j * 13) % 300) + 1 AS people,
         ST_MakeEnvelope(x, y, x + :cell, y + :cell, 3006) AS geom
  FROM (SELECT i, j, x0 + i * :cell AS x, y0 + j * :cell AS y
        FROM gen.box, generate_series(0, ((x1 - x0) / :cell)::int) i,
             generate_series(0, ((y1 - y0) / :cell)::int) j) c
  WHERE EXISTS (SELECT 1 FROM gen.land l
                WHERE ST_Intersects(l.geom, ST_SetSRID(ST_MakePoint(x + :cell / 2, y + :cell / 2), 3006)));
-- Services on nodes (100 m east of them), spread by type.
CREATE TABLE gen.services AS
  SELECT t.typ, n.x + 100 AS x, n.y AS y
  FROM gen.nodes n
  JOIN (VALUES ('Dagligvaror', 100), ('Drivmedel', 200), ('Apoteksvaror', 350), ('Post', 250),
               ('Uttagsautomat', 200), ('Betalningsförmedling', 500), ('Dagkasse', 1000)) t(typ, every)
    ON (n.i * 31 + n.j * 17) % t.every = 0;
SQL
psql "$URL" -At -c "SELECT 'generated: ' || (SELECT count(*) FROM gen.links) || ' links, ' ||
                    (SELECT count(*) FROM gen.cells) || ' cells, ' || (SELECT count(*) FROM gen.services) || ' services'" >&2

# GDAL appends its application_name to a URI and breaks it: give libpq key=value pairs.
PG="PG:$(python3 -c 'import sys, urllib.parse as u; p = u.urlparse(sys.argv[1])
print(f"host={p.hostname} port={p.port} dbname={p.path[1:]} user={p.username} password={u.unquote(p.password or chr(32))}")' "$URL")"
ogr2ogr -f GPKG "$F/Sverigepaket_TP.gpkg" "$PG" -nln nvdb_vagnat -a_srs EPSG:3006 -sql \
  'SELECT klass AS "FunkVagklass_Klass", 1 AS "Vaghallare_Vaghallartyp",
          kmh AS "Hastighetsgrans_HogstaTillatnaHastighet_F", kmh AS "Hastighetsgrans_HogstaTillatnaHastighet_B",
          NULL::int AS "Vagnummer_Huvudnummer_Vard", NULL::int AS "Trafik_ADT_fordon",
          NULL::float8 AS "Vagbredd_Bredd", geom FROM gen.links'
ogr2ogr -f GPKG "$F/befolkning_1km_2024.gpkg" "$PG" -nln befolkning_1km_2024 -a_srs EPSG:3006 \
  -lco GEOMETRY_NAME=sp_geometry -nlt MULTIPOLYGON -sql \
  "SELECT 'SE_CRS3006RES1000mN' || y::bigint || 'E' || x::bigint AS rutid_inspire,
          x::bigint::text || y::bigint::text AS rutid_scb, $CELL AS rutstorl, people AS beftotalt,
          people / 2 AS man, people - people / 2 AS kvinna, '20241231' AS referenstid, geom FROM gen.cells"
psql "$URL" -q -v ON_ERROR_STOP=1 -c "\copy (SELECT typ AS \"Typ\", 'Butik ' || row_number() OVER () AS \"Namn\", '' AS \"Kommun\", '' AS \"Ort\", x AS \"X\", y AS \"Y\" FROM gen.services) TO '$F/serviceanalys.csv' WITH (FORMAT csv, HEADER, DELIMITER ';', ENCODING 'WIN1252')"

echo "## National accessibility job (SPACING=$SPACING m)"
echo
load() { # id file
  $R load "$1" --no-seed --json --file "$F/$2" --data-dir "$WORK/db" > "$WORK/$1.json"
}
load befolkning_1km befolkning_1km_2024.gpkg
load nvdb_vagnat Sverigepaket_TP.gpkg
load pipos_service serviceanalys.csv
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
s = float  # the report gives seconds
pop = json.load(open(f"{w}/befolkning_1km.json"))[0]
net = json.load(open(f"{w}/nvdb_vagnat.json"))[0]
svc = json.load(open(f"{w}/pipos_service.json"))[0]
a = svc["access"][0]
print("| step | rows | seconds |")
print("|---|---:|---:|")
print(f"| population grid load (people per kommun, län, FA at load: {s(pop['population']['elapsed']):.1f} s) | {pop['rows_loaded']:,} cells | {s(pop['elapsed']):.1f} |")
print(f"| NVDB load (overlays with kommun, län, FA) | {net['rows_loaded']:,} links | {s(net['elapsed']):.1f} |")
print(f"| Pipos load, whole | {svc['rows_loaded']:,} services | {s(svc['elapsed']):.1f} |")
types = ", ".join(f"{k} {v:,}" for k, v in a["service_types"].items())
print(f"| of which accessibility: {len(a['service_types'])} types × car and walk ({types}) | {a['cells']:,} cells ({a['cells_without_road']:,} without road), {a['links']:,} links | {s(a['elapsed']):.1f} |")
PY
echo

echo "## The same by hand with pgRouting (Dagligvaror, car)"
echo
V=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'nvdb_vagnat'")
C=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'befolkning_1km'")
S=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'pipos_service'")
psql "$URL" -q -v ON_ERROR_STOP=1 <<SQL | grep -v '^$' | sed 's/^/    /'
CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE;
\timing on
\echo topology
-- Topology: a vertex per distinct link end, edges with car seconds each way.
CREATE TABLE h_v AS SELECT row_number() OVER () AS id, p AS geom
  FROM (SELECT DISTINCT p FROM (SELECT ST_StartPoint((ST_Dump(geom_3006)).geom) AS p FROM rummet_data."$V"
                                UNION ALL SELECT ST_EndPoint((ST_Dump(geom_3006)).geom) FROM rummet_data."$V") e) d;
CREATE INDEX ON h_v USING gist (geom);
CREATE TABLE h_e AS
  SELECT row_number() OVER () AS id, a.id AS source, b.id AS target,
         ST_Length(l.g) / (coalesce(l.hastighet_f, 30) * 0.9 / 3.6) AS cost,
         ST_Length(l.g) / (coalesce(l.hastighet_b, 30) * 0.9 / 3.6) AS reverse_cost
  FROM (SELECT (ST_Dump(geom_3006)).geom AS g, hastighet_f, hastighet_b FROM rummet_data."$V") l
  JOIN h_v a ON a.geom = ST_StartPoint(l.g) JOIN h_v b ON b.geom = ST_EndPoint(l.g);
\echo snapping cells and stores
-- Snap: each cell centre and each store to its nearest vertex (KNN), connectors at 30 km/h.
CREATE TABLE h_cells AS
  SELECT c.fid, c.beftotalt AS people, v.id AS vertex, v.d / (30 / 3.6) AS connector
  FROM rummet_data."$C" c
  CROSS JOIN LATERAL (SELECT id, ST_Distance(geom, ST_Centroid(c.geom_3006)) AS d FROM h_v
                      ORDER BY geom <-> ST_Centroid(c.geom_3006) LIMIT 1) v
  WHERE v.d <= greatest(1000, $CELL);
CREATE TABLE h_starts AS
  SELECT DISTINCT v.id FROM rummet_data."$S" s
  CROSS JOIN LATERAL (SELECT id FROM h_v ORDER BY geom <-> s.geom_3006 LIMIT 1) v
  WHERE s.typ = 'Dagligvaror';
\echo the pass
-- The pass: every vertex's time from its nearest store.
CREATE TABLE h_dd AS
  SELECT node, agg_cost FROM pgr_drivingDistance('SELECT id, source, target, cost, reverse_cost FROM h_e',
                                                 (SELECT array_agg(id) FROM h_starts), 1e9, true, equicost => true);
CREATE INDEX ON h_dd (node);
-- People within 10 minutes (store connectors ignored: they are 12 s here), nationally.
\timing off
SELECT round(sum(c.people) FILTER (WHERE d.agg_cost + c.connector <= 600)) AS within_10_min,
       sum(c.people) AS people
FROM h_cells c LEFT JOIN h_dd d ON d.node = c.vertex;
SQL

$R serve --no-demo --listen 127.0.0.1:3000 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
until curl -sf http://127.0.0.1:3000/ready >/dev/null; do sleep 0.2; done
A="http://127.0.0.1:3000/api/access/pipos_service?service=dagligvaror&within=10min&by=kommun"
curl -sf "$A" > "$WORK/answer.json"
python3 - "$WORK/answer.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = d["totals"]
print(f"Rummet, Dagligvaror by car within 10 min: {t['within']:,.0f} of {t['people']:,.0f} people ({t['share']:.2f} %), {len(d['rows'])} kommuner")
PY
echo
echo "## All-kommun answer, warm (oha, $DURATION each)"
echo
for run in "1 service=dagligvaror&within=10min&by=kommun" "$CONNS service=dagligvaror&within=10min&by=kommun" \
           "$CONNS service=apoteksvaror&within=20min&by=kommun&format=csv" "$CONNS service=dagligvaror&within=30min&by=lan&profile=walk" \
           "$CONNS service=dagligvaror&within=10min&by=kommun&format=geojson"; do
  c=${run%% *}; q=${run#* }
  oha -z "$DURATION" -c "$c" --no-tui --output-format json "http://127.0.0.1:3000/api/access/pipos_service?$q" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["summary"]; p=d["latencyPercentiles"]; c=d["statusCodeDistribution"]
print("- `%s`, %s connection(s): req/s %.0f, p50 %.2f ms, p99 %.2f ms, status %s" % (sys.argv[1], sys.argv[2], s["requestsPerSec"], p["p50"]*1e3, p["p99"]*1e3, c))' "$q" "$c"
done
kill "$RPID"; wait "$RPID" 2>/dev/null || true
echo
