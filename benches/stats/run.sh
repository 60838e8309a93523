#!/usr/bin/env bash
# Statistics benchmark on national-scale generated data (200k NVR-like polygons and 1M
# NVDB-like lines at SCALE=1, scattered in the real kommuner): the overlay cost at load,
# all-kommun questions cold (fresh server, each question asked once) and warm (oha), a
# län-sized drawn area, and the naive hand-written SQL an analyst would run, in one run.
# Prints Markdown.
#
#   benches/stats/run.sh
#   SCALE=0.1 DURATION=10s benches/stats/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

SCALE=${SCALE:-1}
DURATION=${DURATION:-20s}
CONNS=${CONNS:-8}
bench_start statsbench
for d in lan kommun fa; do $R load $d --no-seed --data-dir "$WORK/db" >/dev/null; done
target/release/generate "$URL" "$WORK/files" "$SCALE" naturreservat,nvdb_vagnat >&2

echo "## Overlay at load (SCALE=$SCALE)"
echo
echo "| dataset | features | load total s | overlay s (kommun + län + FA) | overlay s per 100k features |"
echo "|---|---:|---:|---:|---:|"
for spec in "naturreservat:naturreservat_shp.zip" "nvdb_vagnat:nvdb_vagnat.gpkg"; do
  id=${spec%%:*}; file=${spec#*:}
  $R load "$id" --no-seed --json --file "$WORK/files/$file" --data-dir "$WORK/db" > "$WORK/$id.json"
  python3 - "$WORK/$id.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))[0]
ov = sum(o["elapsed"]["secs"] + o["elapsed"]["nanos"] / 1e9 for o in r["overlays"])
total = r["elapsed"]["secs"] + r["elapsed"]["nanos"] / 1e9
n = r["rows_loaded"]
print(f"| {r['id']} | {n:,} | {total:.1f} | {ov:.1f} | {ov / n * 1e5:.2f} |")
PY
done
echo

start() {
  $R serve --no-demo --listen 127.0.0.1:3000 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
  RPID=$!; PIDS+=("$RPID")
  until curl -sf http://127.0.0.1:3000/ready >/dev/null; do sleep 0.2; done
}
stop() { kill "$RPID"; wait "$RPID" 2>/dev/null || true; }

B=http://127.0.0.1:3000/api/stats
cat > "$WORK/questions.txt" <<Q
$B/naturreservat?by=kommun
$B/naturreservat?by=kommun&measure=area
$B/naturreservat?by=kommun&measure=share
$B/naturreservat?by=kommun&measure=share&format=geojson
$B/naturreservat?by=kommun&measure=share&format=csv
$B/naturreservat?by=kommun&measure=sum:area_ha
$B/naturreservat?by=kommun&measure=max:area_ha
$B/naturreservat?by=kommun&measure=share&where=iucnkat%20%3D%20'IV'
$B/naturreservat?by=kommun&group=iucnkat
$B/naturreservat?by=kommun&measure=count&where=area_ha%20%3E%205
$B/nvdb_vagnat?by=kommun
$B/nvdb_vagnat?by=kommun&measure=length
$B/nvdb_vagnat?by=kommun&measure=length&format=csv
$B/nvdb_vagnat?by=kommun&measure=length&group=funkvagklass
$B/nvdb_vagnat?by=kommun&measure=length&where=funkvagklass%20in%20(0,1,2)
$B/nvdb_vagnat?by=kommun&measure=avg:hastighet_f
$B/nvdb_vagnat?by=fa&measure=length&group=vaghallare
$B/nvdb_vagnat?by=lan&measure=sum:adt_fordon
Q

# Cold: a fresh server (empty cache), each question once.
start
echo "## All-kommun questions, cold (fresh server, each asked once)"
echo
echo "| question | ms | bytes |"
echo "|---|---:|---:|"
while read -r u; do
  curl -s -o /dev/null -w "%{time_total} %{size_download} %{http_code}\n" "$u" | {
    read -r t s code
    if [ "$code" = 200 ]; then
      printf '| `%s` | %.1f | %s |\n' "${u#$B}" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')" "$s"
      echo "$t" >> "$WORK/cold.txt"
      echo "$u" >> "$WORK/ok.txt"
    else
      printf '| `%s` | HTTP %s after %.1f | |\n' "${u#$B}" "$code" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')"
    fi
  }
done < "$WORK/questions.txt"
sort -n "$WORK/cold.txt" | python3 -c 'import sys; v=[float(x)*1e3 for x in sys.stdin]; v.sort(); print(f"\ncold p50 {v[len(v)//2]:.1f} ms, p95 {v[min(len(v)-1, int(round(0.95*(len(v)-1))))]:.1f} ms, max {v[-1]:.1f} ms over {len(v)} questions\n")'

echo "## Warm (oha, $CONNS connections, $DURATION, the questions answered above)"
echo
oha -z "$DURATION" -c "$CONNS" --no-tui --output-format json --urls-from-file "$WORK/ok.txt" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["summary"]; p=d["latencyPercentiles"]; c=d["statusCodeDistribution"]
print("req/s %.0f, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, status %s" % (s["requestsPerSec"], p["p50"]*1e3, p["p95"]*1e3, p["p99"]*1e3, c))'
echo

# A län-sized drawn area: Jönköpings län (10,500 km²), simplified to 500 m, in WGS 84;
# shifted a few metres per request so each one is a cache miss.
echo "## Drawn area: Jönköpings län outline (cold, 10 requests)"
echo
for i in $(seq 1 10); do
  psql "$URL" -Atc "SELECT ST_AsGeoJSON(ST_Transform(ST_Translate(ST_SimplifyPreserveTopology(geom, 500), $i, 0), 4326), 7)
                    FROM rummet.division_units WHERE division = 'lan' AND code = '06'" > "$WORK/area$i.json"
done
for m in "measure=share" "measure=length"; do
  ds=naturreservat; [ "$m" = "measure=length" ] && ds=nvdb_vagnat
  for i in $(seq 1 10); do
    curl -s -o "$WORK/area.out" -w "%{time_total}\n" -X POST -H 'content-type: application/geo+json' \
      --data-binary "@$WORK/area$i.json" "$B/$ds/area?$m"
  done | python3 -c "import sys; v=sorted(float(x)*1e3 for x in sys.stdin); print(f'- {sys.argv[1]} {sys.argv[2]}: p50 {v[len(v)//2]:.0f} ms, max {v[-1]:.0f} ms')" "$ds" "$m"
  grep -q '"rows"' "$WORK/area.out" || { cat "$WORK/area.out" >&2; exit 1; }
done
echo
stop

# The naive hand-written SQL, straight from the tables, as an analyst writes it.
K=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'kommun'")
N=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'naturreservat'")
V=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'nvdb_vagnat'")
naive() { # label sql
  local s e
  s=$(date +%s.%N)
  psql "$URL" -q -o /dev/null -c "SET statement_timeout = '30min'" -c "$2"
  e=$(date +%s.%N)
  printf -- '- %s: %.1f s\n' "$1" "$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')"
}
echo "## Naive SQL (what an analyst writes by hand)"
echo
naive "share protected per kommun" "SELECT k.kommun_kod, 100 * ST_Area(ST_Union(ST_Intersection(kg, ST_Transform(r.geom, 3006)))) / ST_Area(kg)
  FROM rummet_data.\"$K\" k CROSS JOIN LATERAL (SELECT ST_Transform(k.geom, 3006) AS kg) t
  JOIN rummet_data.\"$N\" r ON ST_Intersects(k.geom, r.geom) GROUP BY k.kommun_kod, kg"
naive "road length per kommun" "SELECT k.kommun_kod, sum(ST_Length(ST_Intersection(ST_Transform(k.geom, 3006), ST_Transform(r.geom, 3006))))
  FROM rummet_data.\"$K\" k JOIN rummet_data.\"$V\" r ON ST_Intersects(k.geom, r.geom) GROUP BY k.kommun_kod"
