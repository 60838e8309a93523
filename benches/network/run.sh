#!/usr/bin/env bash
# The multi-source pass of issue 17 in both engines, on one generated network in one run:
# Rummet's in-process graph (`networkbench`) and pgRouting's `pgr_drivingDistance` with
# `equicost` (each node to its nearest start) in the managed PostGIS, over the same grid of
# roads 250 m apart with the same car times and the same services.
#
#   benches/network/run.sh              # SIDE=710 (about a million links), SERVICES=5000
#   SIDE=300 SERVICES=100 benches/network/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
if ! ls /usr/share/postgresql/*/extension/pgrouting.control >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "postgresql-$(ls /usr/lib/postgresql | sort -n | tail -1)-pgrouting" >&2
fi
SIDE=${SIDE:-710}
SERVICES=${SERVICES:-5000}
bench_start networkbench

echo "## Rummet, in process"
target/release/networkbench "$SIDE" "$SERVICES"

echo "## pgRouting"
psql "$URL" -q -v ON_ERROR_STOP=1 -v side="$SIDE" -v services="$SERVICES" <<'SQL'
CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE;
-- The same grid as networkbench: node (i, j) is i * side + j; links right and up; car
-- seconds = 250 m at the row's limit (30-110 km/h by i % 10) times 0.9.
CREATE TABLE edges AS
WITH n AS (SELECT i, j FROM generate_series(0, :side - 1) i, generate_series(0, :side - 1) j),
     l AS (SELECT i, j, (ARRAY[30,40,50,60,70,80,90,100,110,50])[i % 10 + 1] AS kmh FROM n)
SELECT row_number() OVER () AS id, source, target, cost, cost AS reverse_cost FROM (
  SELECT i * :side + j AS source, (i + 1) * :side + j AS target, 250 / (kmh * 0.9 / 3.6) AS cost
    FROM l WHERE i + 1 < :side
  UNION ALL
  SELECT i * :side + j, i * :side + j + 1, 250 / (kmh * 0.9 / 3.6) FROM l WHERE j + 1 < :side
) e;
SELECT count(*) AS links FROM edges;
-- Services on the same lattice as networkbench.
CREATE TABLE starts AS
WITH p AS (SELECT round(sqrt(:services))::int AS per_side),
     g AS (SELECT greatest(:side / per_side, 1) AS gap, per_side FROM p)
SELECT (a * gap + gap / 2) * :side + (b * gap + gap / 2) AS node
  FROM g, generate_series(0, per_side - 1) a, generate_series(0, per_side - 1) b
 WHERE a * gap + gap / 2 < :side AND b * gap + gap / 2 < :side;
SELECT count(*) AS services FROM starts;
\timing on
SELECT count(*) AS reached, count(*) FILTER (WHERE agg_cost <= 600) AS within_10_min
  FROM pgr_drivingDistance('SELECT id, source, target, cost, reverse_cost FROM edges',
                           (SELECT array_agg(node) FROM starts), 1e9, true, equicost => true);
SQL
