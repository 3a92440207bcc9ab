#!/usr/bin/env bash
# Import benchmark: ecba against `xmllint --noout` over the same manifests, in the same run,
# and peak memory for a package with 1 GiB of content (folder and zip).
#
#   Benchmarks/import.sh [N_PACKAGES] [LARGE_MIB]     defaults: 2000 and 1024
#
# Needs: xmllint (libxml2-utils), /usr/bin/time. Builds ecba in release mode first.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
MIB=${2:-1024}
WORK=$(mktemp -d /tmp/ecba-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

swift build -c release --product ecba >/dev/null
ECBA=$(swift build -c release --show-bin-path)/ecba

python3 Benchmarks/gen_corpus.py manifests "$WORK/corpus" "$N"
mapfile -t PACKAGES < <(find "$WORK/corpus" -mindepth 1 -maxdepth 1 -type d | sort)
mapfile -t MANIFESTS < <(find "$WORK/corpus" -name 'ecba-course.xml' -o -name 'imsmanifest.xml' | sort)
printf '%s\n' "${PACKAGES[@]}" > "$WORK/packages.txt"   # --paths-from: 2,000 PATH arguments cost the parser 0.24 s
echo "corpus: ${#PACKAGES[@]} packages, ${#MANIFESTS[@]} manifests, $(du -sh "$WORK/corpus" | cut -f1)"

seconds() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
best() { # best of 3 runs: "seconds peak_kib"
  local best_line="" best_time=999999
  for _ in 1 2 3; do
    local line; line=$(seconds "$@")
    local t=${line%% *}
    if awk "BEGIN{exit !($t < $best_time)}"; then best_time=$t; best_line=$line; fi
  done
  echo "$best_line"
}

XMLLINT=$(best xmllint --noout "${MANIFESTS[@]}")
CHECK=$(best "$ECBA" package check --paths-from "$WORK/packages.txt")
fresh_import() { # a first import into a new database: "seconds peak_kib"
  rm -f "$WORK/db.sqlite"*
  "$ECBA" society add bench --name Bench --kind national --database "$WORK/db.sqlite" >/dev/null
  "$ECBA" society authorize bench --database "$WORK/db.sqlite" >/dev/null
  seconds "$ECBA" import --paths-from "$WORK/packages.txt" --society bench --database "$WORK/db.sqlite"
}
IMPORT=""; for _ in 1 2 3; do  # best of three, each on a fresh database
  line=$(fresh_import)
  if [ -z "$IMPORT" ] || awk "BEGIN{exit !(${line%% *} < ${IMPORT%% *})}"; then IMPORT=$line; fi
done
REIMPORT=$(best "$ECBA" import --paths-from "$WORK/packages.txt" --society bench --database "$WORK/db.sqlite")
ARGS=$(best "$ECBA" package check "${PACKAGES[@]}")   # the same check with every path as an argument

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
x=${XMLLINT%% *}
printf '\n%-44s %8s %10s %8s\n' "command (${#PACKAGES[@]} packages)" "seconds" "peak MiB" "x xmllint"
printf '%-44s %8s %10.1f %8s\n' "xmllint --noout (baseline, parse only)" "$x" "$(awk "BEGIN{print ${XMLLINT##* }/1024}")" "1.00"
printf '%-44s %8s %10.1f %8s\n' "ecba package check (parse+XSD+map+hash)" "${CHECK%% *}" "$(awk "BEGIN{print ${CHECK##* }/1024}")" "$(ratio "${CHECK%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba import (same + SQLite, first time)" "${IMPORT%% *}" "$(awk "BEGIN{print ${IMPORT##* }/1024}")" "$(ratio "${IMPORT%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba package check, paths as arguments" "${ARGS%% *}" "$(awk "BEGIN{print ${ARGS##* }/1024}")" "$(ratio "${ARGS%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba import (re-import, all unchanged)" "${REIMPORT%% *}" "$(awk "BEGIN{print ${REIMPORT##* }/1024}")" "$(ratio "${REIMPORT%% *}" "$x")"

python3 Benchmarks/gen_corpus.py large "$WORK/large" "$MIB"
FOLDER=$(seconds "$ECBA" package check "$WORK/large/large-course")
ZIP=$(seconds "$ECBA" package check "$WORK/large/large-course.zip")
printf '\n%-44s %8s %10s\n' "package with ${MIB} MiB of content" "seconds" "peak MiB"
printf '%-44s %8s %10.1f\n' "folder: ecba package check" "${FOLDER%% *}" "$(awk "BEGIN{print ${FOLDER##* }/1024}")"
printf '%-44s %8s %10.1f\n' "zip (stored): ecba package check" "${ZIP%% *}" "$(awk "BEGIN{print ${ZIP##* }/1024}")"
