#!/usr/bin/env bash
# OGC API – Features benchmark: Rummet against TiPG 1.x (PyPI) on the same PostGIS and the same
# version table (1M NVDB-like lines from `generate`), with oha, in one run. For each case and
# server: req/s, p50/p95/p99 at a fixed concurrency after one warm-up pass, and a check that
# both answer the same features (numberReturned, first and last id). Then a full national
# paging with ogr2ogr's OAPIF driver against each, sampling the servers' RSS. Prints Markdown;
# installs and logs go to stderr.
#
#   benches/features/run.sh                         # 1M lines, 10 s per case
#   SCALE=0.1 DURATION=5s benches/features/run.sh
#   PAGING=0 benches/features/run.sh                # skip the ogr2ogr national paging
#   RUMMET_PRELOAD=/path/lib.so benches/features/run.sh   # LD_PRELOAD for rummet serve only
#                                                   # (experiments, e.g. a TCP_NODELAY shim)
#
# Installs oha with cargo, TiPG 1.x into a venv under ~/.cache/rummet-bench and gdal-bin from
# apt when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked >&2
command -v ogr2ogr >/dev/null 2>&1 || { as_root apt-get update -q; as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gdal-bin; } >&2
VENV=${TIPG_VENV:-$HOME/.cache/rummet-bench/tipg}
if [ ! -x "$VENV/bin/uvicorn" ] || ! "$VENV/bin/python" -c 'import tipg' 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q 'tipg==1.*' uvicorn >&2
fi
TIPG_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("tipg"))')

SCALE=${SCALE:-1}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-8}
TIPG_WORKERS=${TIPG_WORKERS:-2}
PAGING=${PAGING:-1}
PY="python3 benches/features/bench.py"
bench_start featuresbench
$R load kommun --no-seed --data-dir "$WORK/db" >/dev/null
target/release/generate "$URL" "$WORK/files" "$SCALE" nvdb_vagnat >&2
# No pre-rendering: this bench serves features, not tiles.
$R load nvdb_vagnat --no-seed --file "$WORK/files/nvdb_vagnat.gpkg" --data-dir "$WORK/db" 2>&1 | grep -E "^loaded" >&2
read -r TABLE VERSION < <(psql "$URL" -AtF' ' -c "SELECT table_name, version FROM rummet.datasets WHERE id = 'nvdb_vagnat'")
T="rummet_data.\"$TABLE\""
ROWS=$(psql "$URL" -Atc "SELECT count(*) FROM $T")
# The btree indexes both servers' attribute filters can use, on the same table.
psql "$URL" -q -c "CREATE INDEX IF NOT EXISTS bench_funkvagklass ON $T (funkvagklass)" \
  -c "CREATE INDEX IF NOT EXISTS bench_vagnummer ON $T (vagnummer)" -c "ANALYZE $T" >&2
psql "$URL" -Atc "SELECT indexdef FROM pg_indexes WHERE schemaname = 'rummet_data' AND tablename = '$TABLE'" >&2
# Page 500 of 1,000: the rows after the 499,000th in fid order (Rummet's keyset, TiPG's offset).
PAGE=${PAGE:-500}
SKIP=$(( (PAGE - 1) * 1000 ))
[ "$SKIP" -lt "$ROWS" ] || { PAGE=$(( ROWS / 2000 + 1 )); SKIP=$(( (PAGE - 1) * 1000 )); }
AFTER=$(psql "$URL" -Atc "SELECT fid FROM $T ORDER BY fid OFFSET $(( SKIP - 1 )) LIMIT 1")
PG_VERSIONS=$(psql "$URL" -Atc "SELECT current_setting('server_version') || ', PostGIS ' || postgis_lib_version()")

RP=3000; TP=8081
env ${RUMMET_PRELOAD:+LD_PRELOAD=$RUMMET_PRELOAD} $R --database-url "$URL" serve --no-demo --listen 127.0.0.1:$RP >"$WORK/rummet.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
until curl -sf http://127.0.0.1:$RP/ready >/dev/null; do sleep 0.2; done
DATABASE_URL="$URL" TIPG_DB_SCHEMAS='["rummet_data"]' TIPG_DB_TABLES="[\"rummet_data.$TABLE\"]" \
  "$VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port $TP --workers "$TIPG_WORKERS" \
  --log-level warning >"$WORK/tipg.log" 2>&1 &
TPID=$!; PIDS+=("$TPID")
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$TP/collections >/dev/null && break; sleep 0.5; done
TCOL=$(curl -sf http://127.0.0.1:$TP/collections | python3 -c "import json,sys
print(next(c['id'] for c in json.load(sys.stdin)['collections'] if c['id'].endswith('$TABLE')))")
echo "TiPG collection $TCOL, Rummet collection nvdb_vagnat (version $VERSION), table $T, $ROWS rows" >&2

RB="http://127.0.0.1:$RP/collections/nvdb_vagnat/items"
TB="http://127.0.0.1:$TP/collections/$TCOL/items"
# The same properties on both sides: Rummet's (the catalog's fields); TiPG would otherwise
# also send every other column of the version table. TiPG's geometry from the indexed geom.
FIELDS=$($PY fields "$RB?limit=1")
TX="geom-column=geom&properties=$FIELDS"
# Rummet's own next link has the shape the page-500 URL is built in.
NEXT=$(curl -sf -H 'Accept: application/geo+json' "$RB?limit=1000" | python3 -c "import json,sys
print(next(l['href'] for l in json.load(sys.stdin)['links'] if l['rel'] == 'next'))")
echo "Rummet's next link from page 1: $NEXT" >&2
BBOX=17.8,59.2,18.3,59.45
CASES=(page1 page$PAGE bbox queryable cql2 cql2_selective)
declare -A RU TU LABEL
LABEL[page1]="page 1 (limit=1000)"
RU[page1]="$RB?limit=1000";                TU[page1]="$TB?limit=1000&$TX"
LABEL[page$PAGE]="page $PAGE (Rummet after=$AFTER, TiPG offset=$SKIP)"
RU[page$PAGE]="$RB?limit=1000&after=$AFTER&version=$VERSION"; TU[page$PAGE]="$TB?limit=1000&offset=$SKIP&$TX"
LABEL[bbox]="bbox=$BBOX (Stockholm), limit=1000"
RU[bbox]="$RB?limit=1000&bbox=$BBOX";      TU[bbox]="$TB?limit=1000&bbox=$BBOX&$TX"
LABEL[queryable]="queryable funkvagklass=3 (10 %), limit=1000"
RU[queryable]="$RB?limit=1000&funkvagklass=3"; TU[queryable]="$TB?limit=1000&funkvagklass=3&$TX"
LABEL[cql2]="CQL2 filter=funkvagklass=3 (10 %), limit=1000"
RU[cql2]="$RB?limit=1000&filter=funkvagklass%3D3&filter-lang=cql2-text"
TU[cql2]="$TB?limit=1000&filter=funkvagklass%3D3&filter-lang=cql2-text&$TX"
LABEL[cql2_selective]="CQL2 filter=vagnummer=42 (0.1 %), limit=1000"
RU[cql2_selective]="$RB?limit=1000&filter=vagnummer%3D42&filter-lang=cql2-text"
TU[cql2_selective]="$TB?limit=1000&filter=vagnummer%3D42&filter-lang=cql2-text&$TX"

# oha over one URL: warm-up pass (CONNS x 2 requests), then DURATION at CONNS connections;
# then DURATION at one connection, for the latency of a request that waits for no other.
measure() { # url json-out
  oha -n $(( CONNS * 2 )) -c "$CONNS" --no-tui -H 'Accept: application/geo+json' "$1" >/dev/null 2>&1 || true
  oha -z "$DURATION" -c "$CONNS" -w --no-tui --output-format json -H 'Accept: application/geo+json' "$1" > "$2"
  oha -z "$DURATION" -c 1 -w --no-tui --output-format json -H 'Accept: application/geo+json' "$1" > "$2.c1"
  echo "$($PY oha "$2") $($PY oha "$2.c1")"
}

declare -A RES CHK
for c in "${CASES[@]}"; do
  read -r rs rret rmat rfirst rlast rbytes rdec < <($PY page "${RU[$c]}")
  read -r ts tret tmat tfirst tlast tbytes tdec < <($PY page "${TU[$c]}")
  same=yes; [ "$rret $rfirst $rlast" = "$tret $tfirst $tlast" ] || same=NO
  CHK[$c]="| ${LABEL[$c]} | $rret / $tret | $rmat / $tmat | $rfirst–$rlast / $tfirst–$tlast | $(( rbytes / 1024 )) / $(( tbytes / 1024 )) | $rdec / $tdec | $same |"
  if [ "$rs" = 200 ]; then RES[r$c]=$(measure "${RU[$c]}" "$WORK/r-$c.json"); else RES[r$c]="- - - - HTTP:$rs - - - - -"; fi
  if [ "$ts" = 200 ]; then RES[t$c]=$(measure "${TU[$c]}" "$WORK/t-$c.json"); else RES[t$c]="- - - - HTTP:$ts - - - - -"; fi
  echo "$c: Rummet ${RES[r$c]}; TiPG ${RES[t$c]}" >&2
done

# Full national paging with GDAL's OAPIF client, 10,000 a page, RSS sampled every 0.1 s.
rss() { # pid... -> kB summed
  local s=0 p v
  for p in "$@"; do v=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0); s=$(( s + ${v:-0} )); done
  echo "$s"
}
page_all() { # label collection-url pids...
  local label=$1 url=$2; shift 2
  local before max=0 v s e n
  before=$(rss "$@")
  ( while :; do rss "$@"; sleep 0.1; done ) > "$WORK/rss-$label.txt" &
  local sampler=$!
  s=$(date +%s.%N)
  n=$(ogr2ogr -f GeoJSONSeq /vsistdout/ "OAPIF:$url" -oo PAGE_SIZE=10000 2>"$WORK/ogr-$label.log" | wc -l)
  e=$(date +%s.%N)
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  max=$(sort -n "$WORK/rss-$label.txt" | tail -n 1)
  printf '| %s | %s | %.1f | %.0f | %.0f | %.0f |\n' "$label" "$n" "$(awk -v s="$s" -v e="$e" 'BEGIN { print e - s }')" \
    "$(( before / 1024 ))" "$(( max / 1024 ))" "$(( $(rss "$@") / 1024 ))"
  tail -n 3 "$WORK/ogr-$label.log" >&2
}
if [ "$PAGING" = 1 ]; then
  page_all Rummet "http://127.0.0.1:$RP/collections/nvdb_vagnat" "$RPID" > "$WORK/paging.md"
  # TiPG: the uvicorn supervisor and its workers together.
  page_all TiPG "http://127.0.0.1:$TP/collections/$TCOL" "$TPID" $(pgrep -P "$TPID" | tr '\n' ' ') >> "$WORK/paging.md"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.1f", a/b; else print "-" }'; }
echo
echo "$(nproc) cores shared by PostgreSQL, both servers and oha; $CONNS connections, $DURATION per case after a warm-up pass of $(( CONNS * 2 )) requests; $ROWS NVDB-like lines (SCALE=$SCALE); TiPG $TIPG_VERSION ($TIPG_WORKERS uvicorn workers), PostgreSQL $PG_VERSIONS, $(oha --version)"
echo
echo "| case | Rummet req/s | Rummet p50 ms | Rummet p95 ms | Rummet p99 ms | TiPG req/s | TiPG p50 ms | TiPG p95 ms | TiPG p99 ms | req/s ratio | p95 ratio (TiPG / Rummet) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in "${CASES[@]}"; do
  read -r ar a50 a95 a99 _ <<<"${RES[r$c]}"
  read -r br b50 b95 b99 _ <<<"${RES[t$c]}"
  echo "| ${LABEL[$c]} | $ar | $a50 | $a95 | $a99 | $br | $b50 | $b95 | $b99 | $(ratio "$ar" "$br") | $(ratio "$b95" "$a95") |"
done
echo
echo "One connection, same cases, $DURATION each:"
echo
echo "| case | Rummet req/s | Rummet p50 ms | Rummet p95 ms | Rummet p99 ms | TiPG req/s | TiPG p50 ms | TiPG p95 ms | TiPG p99 ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for c in "${CASES[@]}"; do
  read -r _ _ _ _ _ ar a50 a95 a99 _ <<<"${RES[r$c]}"
  read -r _ _ _ _ _ br b50 b95 b99 _ <<<"${RES[t$c]}"
  echo "| ${LABEL[$c]} | $ar | $a50 | $a95 | $a99 | $br | $b50 | $b95 | $b99 |"
done
echo
echo "HTTP statuses under load, $CONNS connections then one (Rummet; TiPG):"
for c in "${CASES[@]}"; do echo "- $c: $(echo "${RES[r$c]}" | awk '{print $5, $10}'); $(echo "${RES[t$c]}" | awk '{print $5, $10}')"; done
echo
echo "Same features on both sides (each value Rummet / TiPG; decimals: most digits after the point in the first feature's coordinates, both CRS84):"
echo
echo "| case | numberReturned | numberMatched | ids | KB | decimals | same |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
for c in "${CASES[@]}"; do echo "${CHK[$c]}"; done
if [ "$PAGING" = 1 ]; then
  echo
  echo "Full national paging: \`ogr2ogr -f GeoJSONSeq /vsistdout/ OAPIF:<collection> -oo PAGE_SIZE=10000 | wc -l\`, server RSS sampled every 0.1 s (TiPG: supervisor + workers):"
  echo
  echo "| server | features | s | RSS before MB | max RSS during MB | RSS after MB |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  cat "$WORK/paging.md"
fi
