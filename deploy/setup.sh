#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Rummet: PostgreSQL with
# PostGIS, a C toolchain, and Rust. Sourced by quickstart.sh and test.sh; works as root or as
# a user with sudo, and does nothing for what is already there.
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

have_postgis() {
  local dir
  for dir in /usr/share/postgresql/*/extension; do
    [ -f "$dir/postgis.control" ] && return 0
  done
  return 1
}

missing_packages() {
  local pkgs=()
  command -v cc >/dev/null 2>&1 || pkgs+=(build-essential)
  command -v pkg-config >/dev/null 2>&1 || pkgs+=(pkg-config)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl ca-certificates)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || pkgs+=(postgresql)
  # The build renders the atlas's label glyphs from Noto Sans (server/build/glyphs.rs).
  if [ -z "${RUMMET_FONT_DIR:-}" ] && [ ! -f /usr/share/fonts/truetype/noto/NotoSans-Regular.ttf ]; then
    pkgs+=(fonts-noto-core)
  fi
  if ! have_postgis; then
    # PostGIS for the PostgreSQL major that is (or is about to be) installed.
    local major
    major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
    if [ -n "$major" ]; then pkgs+=("postgresql-$major-postgis-3"); else pkgs+=(postgresql-postgis); fi
  fi
  echo "${pkgs[@]:-}"
}

install_system_packages() {
  local pkgs
  pkgs=$(missing_packages)
  if [ -n "$pkgs" ]; then
    echo "setup: installing $pkgs"
    as_root apt-get update -q
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $pkgs
  fi
  # The distribution starts a cluster of its own on install; Rummet manages its own and
  # does not need that one.
}

install_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null 2>&1; then
    for component in rustfmt clippy; do
      rustup component list --installed 2>/dev/null | grep -q "^$component" || rustup component add "$component" || true
    done
  fi
}

# What only the tests need: Chromium for the browser tests and Node.js to drive them with
# playwright-core (installed from the npm registry into tests/browser/node_modules); GDAL's
# command-line tools (ogrinfo, ogr2ogr) for the OGC API client tests; and, for python3,
# OWSLib and openapi-spec-validator (from PyPI) for the OWSLib and OpenAPI tests, and pyogrio,
# whose bundled GDAL (newer than Debian 12's 3.6, which lacks the OGCAPI vector-tile code) reads
# Rummet's OGC API tiles; nginx for the replica test; PyYAML and kubernetes-validate for the
# deployment files.
install_test_tools() {
  local pkgs=()
  command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
  command -v ogr2ogr >/dev/null 2>&1 || pkgs+=(gdal-bin)
  # nginx in front of two servers, for the replica topology test.
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || pkgs+=(nginx-light)
  command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
  if ! python3 -m pip --version >/dev/null 2>&1; then pkgs+=(python3-pip); fi
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "setup: installing ${pkgs[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
  fi
  if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/@maplibre/maplibre-gl-style-spec ]; then
    npm ci --prefix tests/browser --no-audit --no-fund
  fi
  local py=(OWSLib openapi-spec-validator pyogrio PyYAML kubernetes-validate)
  if ! python3 -c 'import owslib, openapi_spec_validator, pyogrio, yaml, kubernetes_validate' >/dev/null 2>&1; then
    echo "setup: installing ${py[*]} for python3"
    # Debian 12's own Python is externally managed (PEP 668) and refuses a plain install.
    python3 -m pip install --quiet "${py[@]}" ||
      python3 -m pip install --quiet --break-system-packages "${py[@]}"
  fi
}

setup() {
  install_system_packages
  install_rust
}
