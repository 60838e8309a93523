#!/usr/bin/env bash
# The atlas's first visit, measured in headless Chromium against a release server on loopback
# with the demo divisions and national-scale generated naturreservat, NVDB and lämningar:
# bytes transferred before tiles (gzip as sent), time to interactive and to the map's first
# idle, requests by kind, and a choropleth's first answer and cached switches.
#
#   benches/atlas/run.sh             # SCALE=0.2 of the national files, 5 visits
#   SCALE=1 RUNS=9 benches/atlas/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
[ -d tests/browser/node_modules/playwright-core ] || npm ci --prefix tests/browser --no-audit --no-fund >&2

SCALE=${SCALE:-0.2}
RUNS=${RUNS:-5}
bench_start atlasbench
for d in lan kommun fa; do $R load "$d" --data-dir "$WORK/db" >/dev/null; done
target/release/generate "$URL" "$WORK/files" "$SCALE" >&2
for ds in naturreservat nvdb_vagnat lamningar; do
  file="$WORK/files/$ds.gpkg"; [ "$ds" = naturreservat ] && file="$WORK/files/${ds}_shp.zip"
  $R load "$ds" --file "$file" --data-dir "$WORK/db" | tail -n 1 >&2
done
$R serve --no-demo --listen 127.0.0.1:3000 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
PIDS+=("$!")
until curl -sf http://127.0.0.1:3000/ready >/dev/null; do sleep 0.2; done
node benches/atlas/visit.mjs http://127.0.0.1:3000/ "$RUNS"
