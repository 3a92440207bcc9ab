#!/usr/bin/env bash
# Catalog search benchmark (issue 3): builds a catalog of VERSIONS published course versions
# (default 50,000) through the importer's storage path and the approval's publish step, then
# times each query of a fixed set REPEATS times (default 30) through CatalogService.search,
# next to a LIKE scan over the same texts (the baseline the FTS indexes replace), in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
versions="${1:-50000}"
repeats="${2:-30}"
swift build -c release --product ecba-bench >&2
.build/release/ecba-bench search "$versions" "$repeats"
