#!/usr/bin/env bash
# Society API load benchmark (issue 6): 'ecba serve' (release) on a database of ENGINEERS
# engineers (default 10,000) with COMPLETIONS awards (default 200,000); wrk with 100 connections
# for DURATION seconds (default 10) against, in the same run: /health (a trivial Hummingbird
# route, the baseline), /v1/report of a 1,000-member society (CSV), and the changes feed (100
# changes a page). Needs wrk (Debian: wrk; installed here if missing and apt-get is allowed).
set -euo pipefail
cd "$(dirname "$0")/.."
engineers="${1:-10000}"
completions="${2:-200000}"
duration="${3:-10}"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }; }
swift build -c release --product ecba >&2
swift build -c release --product ecba-bench >&2
work="$(mktemp -d)"
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/bench.sqlite"
.build/release/ecba-bench report-data "$db" "$engineers" "$completions"
small=$(.build/release/ecba society token issue small --database "$db" 2>/dev/null)
cces=$(.build/release/ecba society token issue cces --database "$db" 2>/dev/null)
port=18181
.build/release/ecba serve --database "$db" --port "$port" --rate 1000000 2>"$work/serve.log" &
server=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
echo "ecba serve on a database of $engineers engineers, $completions awards; wrk -t2 -c100 -d${duration}s"
printf '%-44s %12s %10s %10s %10s\n' "route" "requests/s" "p50" "p99" "errors"
run() {
  local label="$1"; shift
  local out
  out=$(wrk -t2 -c100 -d"${duration}s" --latency "$@")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<<"$out")
  printf '%-44s %12s %10s %10s %10s\n' "$label" "$rps" "$p50" "$p99" "${errors:-0}"
}
run "GET /health (trivial route, baseline)" "http://127.0.0.1:$port/health"
run "GET /v1/report (1,000 members, CSV)" -H "Authorization: Bearer $small" -H "Accept: text/csv" "http://127.0.0.1:$port/v1/report?period=2026"
run "GET /v1/transcripts/changes?limit=100" -H "Authorization: Bearer $cces" "http://127.0.0.1:$port/v1/transcripts/changes?limit=100"
run "GET /health again (baseline after)" "http://127.0.0.1:$port/health"
