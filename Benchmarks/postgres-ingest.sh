#!/usr/bin/env bash
# xAPI ingest on PostgreSQL (issue 15): for each shape of statement-mixes.sh, COUNT statements
# (default 200,000) imported by 'ecba progress import --database postgresql://...' from one
# connection and from four processes at once, next to psql COPYing the same rows into the same
# tables (one connection, four), each into a fresh copy of the enrolled platform. Needs
# ECBA_BENCH_POSTGRESQL=URL (a user who may create databases) and /usr/bin/psql.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200000}"
: "${ECBA_BENCH_POSTGRESQL:?set ECBA_BENCH_POSTGRESQL to a postgresql:// URL of a user who may create databases}"
swift build -c release --product ecba >&2
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench postgres-ingest "$count" ${2:+"$2"}
