#!/usr/bin/env bash
# Memory under a flood of distinct tiles: `rummet serve` on the demo data with a small tile
# cache and no L2, 64 connections over 20,000 distinct composite tiles (kommun,lan,fa at
# zooms 9-13) with oha; RSS sampled every second. RSS must level off at the cache size plus
# a fixed margin, however long the flood runs. Prints Markdown.
#
#   benches/memory/run.sh                    # 16 MiB cache, 60 s
#   CACHE=256 DURATION=30s benches/memory/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked >&2

CACHE=${CACHE:-16}
DURATION=${DURATION:-60s}
bench_start memorybench
for d in kommun lan fa; do $R load "$d" --no-seed --data-dir "$WORK/db" >/dev/null; done
python3 - > "$WORK/urls.txt" <<'PY'
import random
random.seed(7)
seen = set()
while len(seen) < 20000:
    z = random.choice([9, 10, 11, 12, 13])
    n = 2 ** z
    x = int(n * random.uniform(0.53, 0.57)); y = int(n * random.uniform(0.27, 0.32))
    seen.add(f"http://127.0.0.1:3002/tiles/kommun,lan,fa/{z}/{x}/{y}.mvt")
print("\n".join(sorted(seen)))
PY
RUMMET__CACHE__SIZE_MB=$CACHE RUMMET__TILES__PRERENDERED=false \
  $R serve --no-demo --listen 127.0.0.1:3002 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
until curl -sf http://127.0.0.1:3002/ready >/dev/null; do sleep 0.2; done
rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$RPID/status"; }
start=$(rss)
( while kill -0 "$RPID" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 1; done ) > "$WORK/rss.txt" &
SAMPLER=$!; PIDS+=("$SAMPLER")
oha -z "$DURATION" -c 64 --no-tui --output-format json -H "Accept-Encoding: br" \
  --urls-from-file "$WORK/urls.txt" > "$WORK/oha.json"
kill "$SAMPLER" 2>/dev/null || true
python3 - "$WORK/oha.json" "$WORK/rss.txt" "$start" "$CACHE" "$DURATION" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); rss = [int(l.split()[1]) for l in open(sys.argv[2]) if l.split()[1:]]
start, cache, duration = int(sys.argv[3]), sys.argv[4], sys.argv[5]
n = len(rss); q = lambda f: rss[min(n - 1, int(n * f))]
codes = ",".join(f"{k}:{v}" for k, v in sorted(d["statusCodeDistribution"].items()))
print(f"| cache | duration | requests | req/s | statuses | RSS start | after 25 % | after 50 % | after 75 % | end | max |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
print(f"| {cache} MiB | {duration} | {sum(d['statusCodeDistribution'].values())} | {d['summary']['requestsPerSec']:.0f} | {codes} | {start} MB | {q(.25)} MB | {q(.5)} MB | {q(.75)} MB | {rss[-1]} MB | {max(rss)} MB |")
PY
