#!/usr/bin/env bash
# Tile serving benchmark: Rummet against martin 1.14 on the same PostGIS and the same
# national-scale table (1M NVDB-like lines from `generate`), with oha, in one run. Prints
# req/s, p50/p99 and tile sizes for both, and their ratios, as Markdown.
#
#   benches/serve/run.sh              # 1M lines, 30 s per run
#   SCALE=0.1 DURATION=10s benches/serve/run.sh
#
# Installs martin 1.14 and oha with cargo when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v martin >/dev/null 2>&1 || cargo install martin@1.14.0 --locked --no-default-features --features postgres,mbtiles,pmtiles,metrics
command -v oha >/dev/null 2>&1 || cargo install oha --locked
[ -x /usr/bin/time ] || { as_root apt-get update -q; as_root apt-get install -y -q time; } >&2

SCALE=${SCALE:-1}
DURATION=${DURATION:-30s}
CONNS=${CONNS:-8}
bench_start servebench
$R load kommun --no-seed --data-dir "$WORK/db" >/dev/null
target/release/generate "$URL" "$WORK/files" "$SCALE" nvdb_vagnat >&2

# Rummet's load includes its load-time work: thinning, pre-rendering zooms 0-10 (L2).
load_out=$( { /usr/bin/time -f "TIME %e" $R load nvdb_vagnat --file "$WORK/files/nvdb_vagnat.gpkg" --data-dir "$WORK/db"; } 2>&1 )
echo "$load_out" | grep -E "^(loaded|pre-rendered|TIME)" >&2
TABLE=$(psql "$URL" -Atc "SELECT table_name FROM rummet.datasets WHERE id = 'nvdb_vagnat'")

python3 benches/serve/tiles.py 3000 4 14 > "$WORK/mix.txt"
python3 benches/serve/tiles.py 1000 0 8 7 > "$WORK/low.txt"
urls() { sed "s|^|$1|; s|\$|$2|" "$3" > "$4"; }

start_rummet() { # cache MB
  RUMMET__CACHE__SIZE_MB=$1 $R serve --no-demo --listen 127.0.0.1:3000 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
  RPID=$!; PIDS+=("$RPID")
  until curl -sf http://127.0.0.1:3000/ready >/dev/null; do sleep 0.2; done
}
start_martin() { # cache MB
  martin -l 127.0.0.1:3001 -C "$1" --auto-bounds skip "$URL" >"$WORK/martin.log" 2>&1 &
  MPID=$!; PIDS+=("$MPID")
  until curl -sf http://127.0.0.1:3001/health >/dev/null; do sleep 0.2; done
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# oha over a URL list: prints "req/s p50_ms p99_ms success".
load() {
  oha -z "$DURATION" -c "$CONNS" -w --no-tui --output-format json \
      -H "Accept-Encoding: gzip, deflate, br" --urls-from-file "$1" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["summary"]; p=d["latencyPercentiles"]
c=d["statusCodeDistribution"]
print("%.1f %.1f %.1f %s" % (s["requestsPerSec"], (p["p50"] or 0)*1e3, (p["p99"] or 0)*1e3, ",".join("%s:%s" % kv for kv in sorted(c.items()))))'
}

# Every tile of a list requested once, in order, so the cache holds them all.
warm_up() {
  xargs -P "$CONNS" -n 1 curl -s -o /dev/null -H "Accept-Encoding: gzip, deflate, br" --max-time 300 < "$1"
}

# Largest and mean uncompressed tile per zoom over the first tiles of the list at that zoom.
sizes() { # base suffix
  for z in $(seq 4 14); do
    grep "^$z/" "$WORK/mix.txt" | head -n 4 | while read -r t; do
      curl -s -o /dev/null -w '%{size_download}\n' --max-time 120 "$1$t$2"
    done | awk -v z="$z" '{s+=$1; if ($1>m) m=$1} END {printf "%d %d %d\n", z, m, s/NR}'
  done
}

# The warm runs replay the first 500 tiles of the mix, which one pass has cached: a pass
# over all of it would take martin, cold, most of an hour.
head -n 500 "$WORK/mix.txt" > "$WORK/warm.txt"
urls "http://127.0.0.1:3000/tiles/nvdb_vagnat/" ".mvt" "$WORK/warm.txt" "$WORK/r-warm.txt"
urls "http://127.0.0.1:3001/$TABLE/" "" "$WORK/warm.txt" "$WORK/m-warm.txt"
urls "http://127.0.0.1:3000/tiles/nvdb_vagnat/" ".mvt" "$WORK/mix.txt" "$WORK/r-mix.txt"
urls "http://127.0.0.1:3000/tiles/nvdb_vagnat/" ".mvt" "$WORK/low.txt" "$WORK/r-low.txt"
urls "http://127.0.0.1:3001/$TABLE/" "" "$WORK/mix.txt" "$WORK/m-mix.txt"
urls "http://127.0.0.1:3001/$TABLE/" "" "$WORK/low.txt" "$WORK/m-low.txt"

# Cold: no in-process cache on either side.
start_martin 0
read -r m_cold m_cold_p50 m_cold_p99 m_cold_ok < <(load "$WORK/m-mix.txt")
read -r m_low m_low_p50 m_low_p99 m_low_ok < <(load "$WORK/m-low.txt")
sizes "http://127.0.0.1:3001/$TABLE/" "" > "$WORK/m-sizes.txt"
stop "$MPID"
start_rummet 0
read -r r_cold r_cold_p50 r_cold_p99 r_cold_ok < <(load "$WORK/r-mix.txt")
read -r r_low r_low_p50 r_low_p99 r_low_ok < <(load "$WORK/r-low.txt")
sizes "http://127.0.0.1:3000/tiles/nvdb_vagnat/" ".mvt" > "$WORK/r-sizes.txt"
stop "$RPID"

# Warm: default caches, filled by one pass over the list first.
start_martin 512
warm_up "$WORK/m-warm.txt"
read -r m_warm m_warm_p50 m_warm_p99 m_warm_ok < <(load "$WORK/m-warm.txt")
m_rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$MPID/status")
stop "$MPID"
start_rummet 256
warm_up "$WORK/r-warm.txt"
read -r r_warm r_warm_p50 r_warm_p99 r_warm_ok < <(load "$WORK/r-warm.txt")
r_rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$RPID/status")
stop "$RPID"

target/release/hello 127.0.0.1:3999 & HPID=$!; PIDS+=("$HPID")
sleep 0.5
sed 's|^|http://127.0.0.1:3999/|' "$WORK/mix.txt" > "$WORK/h-mix.txt"
read -r h_rps _ _ _ < <(load "$WORK/h-mix.txt")
stop "$HPID"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a/b; else print "-" }'; }
echo
echo "$(nproc) cores, $CONNS connections, $DURATION per run, $(wc -l < "$WORK/mix.txt") tiles z4-14 in the mix, $(wc -l < "$WORK/low.txt") z0-8; martin 1.14, $(oha --version)"
echo
echo "| run | martin req/s | martin p50 ms | martin p99 ms | Rummet req/s | Rummet p50 ms | Rummet p99 ms | req/s ratio | p99 ratio (martin / Rummet) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| cold, z4-14 mix | $m_cold | $m_cold_p50 | $m_cold_p99 | $r_cold | $r_cold_p50 | $r_cold_p99 | $(ratio "$r_cold" "$m_cold") | $(ratio "$m_cold_p99" "$r_cold_p99") |"
echo "| cold, z0-8 | $m_low | $m_low_p50 | $m_low_p99 | $r_low | $r_low_p50 | $r_low_p99 | $(ratio "$r_low" "$m_low") | $(ratio "$m_low_p99" "$r_low_p99") |"
echo "| warm, 500 tiles of the mix | $m_warm | $m_warm_p50 | $m_warm_p99 | $r_warm | $r_warm_p50 | $r_warm_p99 | $(ratio "$r_warm" "$m_warm") | $(ratio "$m_warm_p99" "$r_warm_p99") |"
echo
echo "HTTP statuses (cold mix, cold z0-8, warm): martin $m_cold_ok $m_low_ok $m_warm_ok; Rummet $r_cold_ok $r_low_ok $r_warm_ok."
echo "Bare axum hello-world on this machine: $h_rps req/s; Rummet warm is $(ratio "$r_warm" "$h_rps")x of it."
echo "Peak RSS after the warm run: martin $m_rss MB (cache 512 MB), Rummet $r_rss MB (cache 256 MB)."
echo
echo "| zoom | martin largest KB | martin mean KB | Rummet largest KB | Rummet mean KB |"
echo "| ---: | ---: | ---: | ---: | ---: |"
paste -d' ' "$WORK/m-sizes.txt" "$WORK/r-sizes.txt" | awk '{printf "| %d | %.0f | %.0f | %.0f | %.0f |\n", $1, $2/1024, $3/1024, $5/1024, $6/1024}'
