#!/usr/bin/env bash
# Builds Rummet and serves it on http://127.0.0.1:3000 with its embedded default: a PostGIS
# cluster it manages under its data directory, with the demo data (län, kommuner,
# FA-regioner) loaded on first start. Extra arguments go to `rummet serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/setup.sh
. deploy/setup.sh
setup
cargo build --release --locked -p rummet
exec target/release/rummet serve --listen "${RUMMET_LISTEN:-127.0.0.1:3000}" "$@"
