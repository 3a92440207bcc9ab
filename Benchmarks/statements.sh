#!/usr/bin/env bash
# xAPI ingest benchmark (issue 4): COUNT statements (default 1,000,000) for ENGINEERS engineers
# (default 20,000) enrolled in one course, as one statement per line, imported through
# StatementService (the code path of 'ecba progress import'), next to the sqlite3 command line
# importing the same rows from CSV into a table of the same columns, in the same run; then the
# same file again (every statement unchanged). Needs /usr/bin/sqlite3 (Debian: sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
engineers="${2:-20000}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command line (apt-get install sqlite3)" >&2; exit 1; }
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench statements "$count" "$engineers"
