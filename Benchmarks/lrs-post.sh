#!/usr/bin/env bash
# Statements over HTTP (issue 14): COUNT statements (default 1,000,000) POSTed to
# /xapi/statements in batches of 100 by 10 clients at once (Node, Benchmarks/lrs_post.mjs, one
# LRS credential each), against the platform's server running in ecba-bench, next to the same
# statements imported from the file into a fresh copy of the same platform, in the same run.
# With READ_EVERY_MS (e.g. 250), one more client GETs the newest statement that often meanwhile.
# Needs node (20+) and /usr/bin/sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000000}"
command -v node >/dev/null || { echo "needs node 20 or later" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command line (apt-get install sqlite3)" >&2; exit 1; }
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench lrs-post "$count" "${2:-0}"
