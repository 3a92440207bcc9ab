#!/usr/bin/env bash
# Society report benchmark (issue 5): ENGINEERS engineers (default 100,000) in one society with
# COMPLETIONS awards (default 2,000,000) in 2026; 'ecba report society' (the release binary, as a
# user runs it) writes the CSV report, summary and --detail, next to the sqlite3 command line
# running the equivalent query to CSV in the same run. Needs /usr/bin/sqlite3 (Debian: sqlite3).
# With ECBA_BENCH_POSTGRESQL=URL (a user who may create databases, e.g. the one .ci/run starts),
# the platform is then copied into a new database there ('ecba database copy') and the same reports
# run on PostgreSQL next to psql running the equivalent query (needs /usr/bin/psql).
set -euo pipefail
cd "$(dirname "$0")/.."
engineers="${1:-100000}"
completions="${2:-2000000}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command line (apt-get install sqlite3)" >&2; exit 1; }
swift build -c release --product ecba >&2
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench report "$engineers" "$completions"
