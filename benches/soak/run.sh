#!/usr/bin/env bash
# Capacity soak: one release server under a bounded, mixed load — tiles (most of the traffic),
# statistics questions and OGC API items pages, each from its own oha at once — for DURATION,
# over generated national-scale data. Prints each stream's req/s, p50/p99 and status codes,
# the server's RSS every 10 s, and what the sizing model needs (database size, load time).
#
#   benches/soak/run.sh                      # SCALE=0.5, 10 minutes
#   SCALE=0.1 DURATION=2m benches/soak/run.sh
#   STREAMS="items:1" SCALE=0.1 DURATION=3m benches/soak/run.sh   # one stream alone
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v oha >/dev/null 2>&1 || cargo install oha --locked

SCALE=${SCALE:-0.5}
DURATION=${DURATION:-10m}
bench_start soakbench
for d in lan kommun fa; do $R load "$d" --data-dir "$WORK/db" >/dev/null; done
target/release/generate "$URL" "$WORK/files" "$SCALE" >&2
for ds in naturreservat nvdb_vagnat lamningar; do
  file="$WORK/files/$ds.gpkg"; [ "$ds" = naturreservat ] && file="$WORK/files/${ds}_shp.zip"
  start=$(date +%s.%N)
  $R load "$ds" --file "$file" --data-dir "$WORK/db" | tail -n 1 >&2
  echo "load $ds $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s" >&2
done
psql "$URL" -Atc "SELECT d.id, d.rows_loaded, pg_total_relation_size(format('rummet_data.%I', d.table_name)),
                         (SELECT coalesce(sum(pg_total_relation_size(format('rummet_data.%I', o.table_name))), 0)
                            FROM rummet.overlays o WHERE o.dataset = d.id)
                    FROM rummet.datasets d ORDER BY d.id" |
  awk -F'|' '{printf "size %s features=%s table_mb=%.1f overlay_mb=%.1f\n", $1, $2, $3/1048576, $4/1048576}' >&2
psql "$URL" -Atc "SELECT 'size database_mb=' || round(pg_database_size(current_database()) / 1048576.0, 1)" >&2

$R serve --no-demo --listen 127.0.0.1:3000 --data-dir "$WORK/db" >"$WORK/rummet.log" 2>&1 &
SPID=$!; PIDS+=("$SPID")
until curl -sf http://127.0.0.1:3000/ready >/dev/null; do sleep 0.2; done

B=http://127.0.0.1:3000
python3 benches/serve/tiles.py 3000 4 14 | sed "s|^|$B/tiles/nvdb_vagnat,naturreservat,lamningar/|; s|\$|.mvt|" > "$WORK/tiles.txt"
: > "$WORK/stats.txt"
for ds in naturreservat nvdb_vagnat lamningar; do
  for by in kommun lan fa; do echo "$B/api/stats/$ds?by=$by" >> "$WORK/stats.txt"; done
done
for lan in 01 06 08 12 14 25; do
  echo "$B/api/stats/naturreservat?by=kommun&measure=share&in=lan:$lan" >> "$WORK/stats.txt"
  echo "$B/api/stats/nvdb_vagnat?by=kommun&measure=length&in=lan:$lan&group=funkvagklass" >> "$WORK/stats.txt"
done
: > "$WORK/items.txt"
python3 - "$B" >> "$WORK/items.txt" <<'PY'
import random, sys
random.seed(7)
for _ in range(300):
    lon, lat = random.uniform(12, 20), random.uniform(55.5, 64)
    ds = random.choice(["naturreservat", "nvdb_vagnat", "lamningar"])
    print(f"{sys.argv[1]}/collections/{ds}/items?limit=100&bbox={lon:.3f},{lat:.3f},{lon+0.3:.3f},{lat+0.2:.3f}")
PY

stream() { # name conns file
  oha -z "$DURATION" -c "$2" --no-tui --output-format json -H "Accept-Encoding: gzip, deflate, br" \
      --urls-from-file "$3" > "$WORK/$1.json" 2>/dev/null
}
: > "$WORK/rss.txt"
( while kill -0 "$SPID" 2>/dev/null; do
    echo "$(date +%s) $(awk '/VmRSS/ {print $2}' /proc/$SPID/status)" >> "$WORK/rss.txt"; sleep 10
  done ) &
RSSPID=$!; PIDS+=("$RSSPID")
# STREAMS picks which run (all three by default), to tell apart what a finding comes from.
STREAMS=${STREAMS:-tiles:6 stats:1 items:1}
WAIT=()
for s in $STREAMS; do
  stream "${s%%:*}" "${s##*:}" "$WORK/${s%%:*}.txt" &
  WAIT+=("$!")
done
wait "${WAIT[@]}"
kill "$RSSPID" 2>/dev/null || true

echo "| stream | connections | requests | req/s | p50 ms | p99 ms | statuses |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
for s in $STREAMS; do
  name=${s%%:*}; conns=${s##*:}
  python3 - "$WORK/$name.json" "$name" "$conns" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p, c = d["summary"], d["latencyPercentiles"], d["statusCodeDistribution"]
total = sum(int(v) for v in c.values())
print(f"| {sys.argv[2]} | {sys.argv[3]} | {total} | {s['requestsPerSec']:.1f} | {(p['p50'] or 0)*1e3:.1f} | {(p['p99'] or 0)*1e3:.1f} | {', '.join(f'{k}: {v}' for k, v in sorted(c.items()))} |")
PY
done
echo
python3 - "$WORK/rss.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 2]
t0 = int(rows[0][0])
mb = [(int(t) - t0, int(k) / 1024) for t, k in rows]
print("RSS MB over time (s: MB): " + ", ".join(f"{t}: {m:.0f}" for t, m in mb[:: max(1, len(mb) // 12)]))
print(f"RSS MB: first {mb[0][1]:.0f}, peak {max(m for _, m in mb):.0f}, last {mb[-1][1]:.0f}")
PY
curl -s "$B/metrics" | grep -E "^rummet_tiles_total|^rummet_stats_cache_total" | sort >&2 || true
