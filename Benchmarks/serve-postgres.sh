#!/usr/bin/env bash
# 'ecba serve' x2 on one PostgreSQL (issue 15): the society API's data (ENGINEERS engineers,
# default 10,000, with COMPLETIONS awards, default 200,000) copied into a new PostgreSQL
# database; nginx on loopback balancing over one 'ecba serve' (the baseline) and over two, each
# instance with its own pool of connections to the same database; wrk with 64 connections for
# DURATION seconds (default 10) per route, one instance then two, in the same run. Needs
# ECBA_BENCH_POSTGRESQL=URL (a user who may create databases), psql, wrk and nginx (Debian: wrk,
# nginx; installed here if missing and apt-get is allowed).
set -euo pipefail
cd "$(dirname "$0")/.."
engineers="${1:-10000}"
completions="${2:-200000}"
duration="${3:-10}"
: "${ECBA_BENCH_POSTGRESQL:?set ECBA_BENCH_POSTGRESQL to a postgresql:// URL of a user who may create databases}"
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || apt-get install -y -qq "$tool" >/dev/null 2>&1 || { echo "needs $tool (apt-get install $tool)" >&2; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
swift build -c release --product ecba >&2
swift build -c release --product ecba-bench >&2
ecba=.build/release/ecba
work="$(mktemp -d)"
name="ecba_bench_serve_$$"
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  psql -X -q -d "$ECBA_BENCH_POSTGRESQL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
.build/release/ecba-bench report-data "$work/bench.sqlite" "$engineers" "$completions"
psql -X -q -v ON_ERROR_STOP=1 -d "$ECBA_BENCH_POSTGRESQL" -c "CREATE DATABASE $name"
url=$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$ECBA_BENCH_POSTGRESQL" "$name")
"$ecba" database copy --database "$work/bench.sqlite" --to "$url" >/dev/null
small=$("$ecba" society token issue small --database "$url" 2>/dev/null)
cces=$("$ecba" society token issue cces --database "$url" 2>/dev/null)
mkdir -p "$work/keys" "$work/content"
"$ecba" keys generate --database "$url" --keys "$work/keys" >/dev/null
start_server() {
  "$ecba" serve --database "$url" --content "$work/content" --keys "$work/keys" --port "$1" --rate 1000000 2>"$work/serve-$1.log" &
  servers+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "ecba serve on port $1 did not start" >&2; exit 1
}
start_server 18201
start_server 18202
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/nginx-error.log;
worker_processes 1;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  proxy_temp_path $work/nginx-proxy;
  upstream one { server 127.0.0.1:18201; keepalive 64; }
  upstream two { server 127.0.0.1:18201; server 127.0.0.1:18202; keepalive 64; }
  server { listen 127.0.0.1:18211; location / { proxy_pass http://one; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:18212; location / { proxy_pass http://two; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
"$nginx_bin" -c "$work/nginx.conf" -p "$work"
sleep 0.5
echo "ecba serve on PostgreSQL ($engineers engineers, $completions awards), behind nginx; wrk -t2 -c64 -d${duration}s"
printf '%-40s %10s %12s %10s %10s %s\n' "route" "instances" "requests/s" "p50" "p99" "errors"
run() {
  local label="$1" port="$2" instances="$3"; shift 3
  local out rps p50 p99 errors
  out=$(wrk -t2 -c64 -d"${duration}s" --latency "${@/PORT/$port}")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' <<<"$out")
  printf '%-40s %10s %12s %10s %10s %s\n' "$label" "$instances" "$rps" "$p50" "$p99" "${errors:-0}"
}
for instances in 1 2; do
  port=$((18210 + instances))
  run "GET /v1/catalog" "$port" "$instances" -H "Authorization: Bearer $cces" "http://127.0.0.1:PORT/v1/catalog"
  run "GET /v1/report (1,000 members, CSV)" "$port" "$instances" -H "Authorization: Bearer $small" -H "Accept: text/csv" "http://127.0.0.1:PORT/v1/report?period=2026"
  run "GET /v1/transcripts/changes?limit=100" "$port" "$instances" -H "Authorization: Bearer $cces" "http://127.0.0.1:PORT/v1/transcripts/changes?limit=100"
done
