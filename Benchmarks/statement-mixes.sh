#!/usr/bin/env bash
# xAPI ingest across what content sends (issue 14): for each shape (platform IRIs or the
# package's own ids; with or without registration; account or mbox actors; 50 or 10,000
# statements per engineer), COUNT statements (default 1,000,000) imported through
# StatementService (the path of 'ecba progress import' and the LRS), next to the sqlite3
# command line importing the same rows from CSV, in the same run; then 500 statement queries by
# agent, verb and since over the first shape's store, next to the bare SQL of the same rows.
# Each shape runs in a process of its own, as 'ecba progress import' runs one process per file
# (and the baseline one sqlite3 per shape); 'ecba-bench statement-mixes COUNT 1,2,3,4,5,6' runs
# them one after the other in one process instead, as a long-lived 'ecba serve' would meet them.
# Needs /usr/bin/sqlite3 (Debian: sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command line (apt-get install sqlite3)" >&2; exit 1; }
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench statement-mixes "$count"
