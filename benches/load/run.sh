#!/usr/bin/env bash
# Load benchmark: Rummet's pipeline against `ogr2ogr -f PostgreSQL` (PG_USE_COPY=YES) on the
# same generated national-scale files, into the same PostGIS, one after the other. Prints
# features/s and peak RSS for both, and their ratio, as a Markdown table.
#
#   benches/load/run.sh            # scale 1: 1M points, 200k polygons, 1M lines
#   SCALE=0.1 benches/load/run.sh  # a quicker run
#
# Needs gdal-bin (ogr2ogr) and GNU time; installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v ogr2ogr >/dev/null 2>&1 || { as_root apt-get update -q; as_root apt-get install -y -q --no-install-recommends gdal-bin; } >&2
[ -x /usr/bin/time ] || { as_root apt-get update -q; as_root apt-get install -y -q time; } >&2

SCALE=${SCALE:-1}
bench_start loadbench
$R load kommun --data-dir "$WORK/db" >/dev/null
# GDAL wants libpq key=value settings, not a URL.
if [[ $URL =~ ^postgres://([^:]+):([^@]+)@([^:]+):([0-9]+)/(.+)$ ]]; then
  PG="PG:host=${BASH_REMATCH[3]} port=${BASH_REMATCH[4]} user=${BASH_REMATCH[1]} password=${BASH_REMATCH[2]} dbname=${BASH_REMATCH[5]}"
else
  echo "unexpected database URL" >&2; exit 1
fi
target/release/generate "$URL" "$WORK/files" "$SCALE" >&2

echo "| dataset | file | features | Rummet s | Rummet features/s | Rummet peak RSS MB | ogr2ogr s | ogr2ogr features/s | ogr2ogr peak RSS MB | Rummet / ogr2ogr features/s |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for ds in lamningar naturreservat nvdb_vagnat; do
  for file in "$ds.gpkg" "${ds}_shp.zip"; do
    path="$WORK/files/$file"
    src=$path
    [[ $file == *.zip ]] && src="/vsizip/$path"
    # Rummet: the whole process, wall time and peak RSS.
    out=$( { /usr/bin/time -f "TIME %e %M" target/release/loadbench "$URL" "$ds" "$path"; } 2>&1 )
    read -r r_s r_kb < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
    n=$(grep -o '"read":[0-9]*' <<<"$out" | cut -d: -f2)
    # ogr2ogr: same file, same database, reprojected to 3857 as Rummet stores it, with its
    # default spatial index.
    out=$( { PG_USE_COPY=YES /usr/bin/time -f "TIME %e %M" ogr2ogr -f PostgreSQL "$PG" "$src" \
        -nln "ogr_${ds}" -overwrite -t_srs EPSG:3857 -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom; } 2>&1 )
    read -r o_s o_kb < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
    awk -v ds="$ds" -v f="$file" -v n="$n" -v rs="$r_s" -v rk="$r_kb" -v os="$o_s" -v ok="$o_kb" 'BEGIN {
      printf "| %s | %s | %d | %.1f | %.0f | %.0f | %.1f | %.0f | %.0f | %.2f |\n", ds, f, n, rs, n/rs, rk/1024, os, n/os, ok/1024, (n/rs)/(n/os) }'
  done
done
