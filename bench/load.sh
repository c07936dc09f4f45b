#!/usr/bin/env bash
# Load benchmark of the REST hot path: core_webservice_get_site_info over REST JSON with a valid
# token, against a bare axum handler returning a body of the same size, in the same run, at 1
# and 32 connections. Reports requests/s, p50 and p99 for both, their ratio, and the servers'
# peak memory (VmHWM). Uses wrk (Debian package `wrk`, installed if missing).
#
# Usage: bench/load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p portico --bin portico --example bare_server
bin=target/release/portico
bare=target/release/examples/bare_server

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# A fresh site on SQLite.
export PORTICO_ADMIN_PASSWORD='Bench!pass1'
"$bin" serve --data-dir "$work/data" --listen 127.0.0.1:18080 --public-url http://127.0.0.1:18080 \
  >"$work/portico.log" 2>&1 &
pids+=($!); portico_pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:18080/login/token.php && break; sleep 0.1; done
token=$(curl -sf -d "username=admin&password=$PORTICO_ADMIN_PASSWORD&service=moodle_mobile_app" \
  http://127.0.0.1:18080/login/token.php | sed -E 's/.*"token":"([0-9a-f]+)".*/\1/')
[ ${#token} -eq 32 ] || { echo "no token: $(cat "$work/portico.log")"; exit 1; }
path="/webservice/rest/server.php?wstoken=$token&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json"
curl -sf "http://127.0.0.1:18080$path" >"$work/body.json"
grep -q '"sitename"' "$work/body.json" || { echo "unexpected body: $(cat "$work/body.json")"; exit 1; }

"$bare" 127.0.0.1:18081 "$work/body.json" >"$work/bare.log" 2>&1 &
pids+=($!); bare_pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:18081/ && break; sleep 0.1; done

# wrk's "Requests/sec" and latency percentiles, in milliseconds.
measure() { # url connections
  local out; out=$(wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${duration}s" --latency "$1")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /[^m]s$/) n*=1000; printf "%.3f", n }'; }
peak_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

echo "body: $(wc -c <"$work/body.json") bytes; ${duration}s per run; $(nproc) cores"
printf '%-12s %5s %12s %10s %10s\n' server conns 'requests/s' 'p50 ms' 'p99 ms'
for conns in 1 32; do
  read -r b_rps b_p50 b_p99 < <(measure "http://127.0.0.1:18081$path" "$conns")
  read -r p_rps p_p50 p_p99 < <(measure "http://127.0.0.1:18080$path" "$conns")
  printf '%-12s %5s %12s %10s %10s\n' bare-axum "$conns" "$b_rps" "$b_p50" "$b_p99"
  printf '%-12s %5s %12s %10s %10s\n' portico "$conns" "$p_rps" "$p_p50" "$p_p99"
  awk -v p="$p_rps" -v b="$b_rps" -v c="$conns" 'BEGIN { printf "ratio at %s connections: portico/bare = %.2f\n", c, p/b }'
done
echo "peak memory: portico $(peak_kib "$portico_pid") KiB, bare-axum $(peak_kib "$bare_pid") KiB"
