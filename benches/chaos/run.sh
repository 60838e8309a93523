#!/usr/bin/env bash
# Chaos under a request loop (issue 12): `rummet serve` on its managed cluster with the demo
# divisions (kommun, län, FA), a small tile cache and no L2, so requests reach PostgreSQL. A
# steady loop of CONC keep-alive connections mixes distinct uncached composite tiles,
# filtered statistics, OGC items pages and /ready, while faults follow one another with quiet
# gaps between: `pg_ctl restart -m fast`, kill -9 of the postmaster (the server restarts it),
# SIGSTOP of the postmaster and its children for STOP seconds, and a flood (oha, installed
# with cargo when missing) of FLOOD_CONC more connections of distinct tiles for FLOOD
# seconds. Per phase: requests sent, statuses (503 by error code, other 5xx, connection
# errors), whether every 503 carried Retry-After and a JSON body, the recovery (from the
# fault until /ready and a fresh tile answer again, probed every 100 ms), max latency and the
# server's RSS; then whether the server is the same process and a reload still reaches it
# (NOTIFY). Prints Markdown: any non-503 5xx is listed with its body below the table, and the
# server log's warnings by shape. About two minutes after the build; the driver is
# benches/chaos/chaos.py.
#
#   benches/chaos/run.sh
#   STOP=20 FLOOD=30 QUIET=15 benches/chaos/run.sh
#   PHASES="kill kill" KEEP_LOGS=/tmp/chaos-logs benches/chaos/run.sh   # keep rummet.log and server.log
#
# Knobs (defaults): CONC (8) loop connections, BASELINE (10) s before the first fault, QUIET
# (10) s after each recovery, STOP (10) s, FLOOD (15) s, FLOOD_CONC (64), RECOVERY_MAX (60) s
# to wait for a recovery, PHASES ("restart kill stop flood"), CACHE (4) MiB tile cache,
# PORT (3004).
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh >&2
command -v oha >/dev/null 2>&1 || cargo install oha --locked >&2

export CONC=${CONC:-8} BASELINE=${BASELINE:-10} QUIET=${QUIET:-10} STOP=${STOP:-10} \
  FLOOD=${FLOOD:-15} FLOOD_CONC=${FLOOD_CONC:-64} RECOVERY_MAX=${RECOVERY_MAX:-60} \
  PHASES=${PHASES:-restart kill stop flood} PORT=${PORT:-3004}
CACHE=${CACHE:-4}
bench_start chaosbench >&2
keep_logs() {
  if [ -n "${KEEP_LOGS:-}" ]; then
    mkdir -p "$KEEP_LOGS"
    cp "$WORK/rummet.log" "$WORK/db/postgres/server.log" "$KEEP_LOGS/" 2>/dev/null || true
  fi
}
trap 'keep_logs; bench_cleanup' EXIT
for d in kommun lan fa; do $R load "$d" --no-seed --data-dir "$WORK/db" >/dev/null; done
RUMMET__CACHE__SIZE_MB=$CACHE RUMMET__TILES__PRERENDERED=false \
  $R serve --no-demo --listen "127.0.0.1:$PORT" --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  kill -0 "$RPID" 2>/dev/null || { cat "$WORK/rummet.log" >&2; exit 1; }
  sleep 0.2
done
echo "Measured with CONC=$CONC BASELINE=$BASELINE QUIET=$QUIET STOP=$STOP FLOOD=$FLOOD FLOOD_CONC=$FLOOD_CONC CACHE=$CACHE MiB, $(nproc) cores, PostgreSQL $(cat "$WORK/db/postgres/data/PG_VERSION")."
echo
RPID=$RPID PGDATA="$WORK/db/postgres/data" python3 benches/chaos/chaos.py
# After the faults, a reload must still reach the server: its NOTIFY listener reconnected.
lan_version() {
  curl -sf "http://127.0.0.1:$PORT/catalog" | python3 -c \
    'import json, sys; print(next(d["version"] for d in json.load(sys.stdin)["datasets"] if d["id"] == "lan"))'
}
before=$(lan_version)
$R load lan --no-seed --data-dir "$WORK/db" >"$WORK/reload.log" 2>&1 || { cat "$WORK/reload.log" >&2; exit 1; }
loaded=$(date +%s%N); after=$before
for _ in $(seq 100); do after=$(lan_version || echo "$before"); [ "$after" != "$before" ] && break; sleep 0.1; done
echo
if [ "$after" != "$before" ]; then
  echo "After the faults, a reload of lan (version $before → $after) reached the server in $(( ($(date +%s%N) - loaded) / 1000000 )) ms: its NOTIFY listener had reconnected."
else
  echo "**Finding:** after the faults, a reload of lan did not reach the server within 10 s (its /catalog still names version $before)."
fi
# What the server logged at WARN and above, by message shape (numbers folded).
echo
echo "Server log, WARN and above (count × message):"
echo
shapes=$(sed -E 's/\x1b\[[0-9;]*m//g' "$WORK/rummet.log" | grep -E ' (WARN|ERROR) |panicked' |
  sed -E 's/^[^ ]+ +//; s/[0-9]+/N/g' | cut -c1-240 | sort | uniq -c | sort -rn || true)
if [ -z "$shapes" ]; then echo "- none"; else
  echo "$shapes" | head -n 15 | sed -E 's/^ *([0-9]+) (.*)$/- \1 × `\2`/'
fi
