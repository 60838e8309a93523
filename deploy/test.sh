#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: formatting, clippy with warnings
# denied, and every test (the integration tests start their own PostGIS cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/setup.sh
. deploy/setup.sh
setup
install_test_tools
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# One closing line over every test binary and doc-test run, so the total is in one place.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
