# What every bench script starts with; source it from the repository root. Sets up the
# machine (deploy/setup.sh), then `bench_start NAME` builds the release binaries and starts a
# managed PostGIS cluster in a fresh work directory, setting R (the rummet binary), WORK, URL
# and PIDS (processes to stop on exit); on exit they are stopped and WORK removed.
. deploy/setup.sh
setup
export PATH="$HOME/.cargo/bin:$PATH"

bench_start() { # name
  cargo build --release --locked -p rummet -p rummet-benches --bins
  R=target/release/rummet
  WORK=$(mktemp -d "/tmp/rummet-$1-XXXXXX")
  chmod 755 "$WORK"
  PIDS=()
  trap bench_cleanup EXIT
  $R db start --data-dir "$WORK/db" >/dev/null
  URL=$($R db url --data-dir "$WORK/db")
}

bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  $R db stop --data-dir "$WORK/db" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
