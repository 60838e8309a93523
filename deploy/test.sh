#!/usr/bin/env bash
# Installs what is missing, then runs every check CI runs: formatting, clippy with warnings
# denied, and every test (the integration tests start their own PostGIS cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=deploy/setup.sh
. deploy/setup.sh
setup
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
