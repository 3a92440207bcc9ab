#!/usr/bin/env bash
# Import benchmark: ecba against `xmllint --noout` over the same manifests, in the same run,
# and peak memory for a package with 1 GiB of content (folder and zip).
#
#   Benchmarks/import.sh [N_PACKAGES] [LARGE_MIB]     defaults: 2000 and 1024
#
# Next to them, floors measured in the same run, each a tool doing one part of what an import
# must do and nothing else: libxml2 parsing every manifest and validating the ECBA ones against
# the platform's XSD (xmllint); reading every file (tar piped to cat: the kernel's part of
# hashing them; sha256sum, which also hashes, is shown too); and SQLite writing the rows the
# import wrote (the sqlite3 CLI, set-based, one transaction). The sum of parse, read and SQLite
# over two cores is a lower bound for any two-core import.
#
# Needs: xmllint (libxml2-utils), sqlite3, sha256sum, /usr/bin/time. Builds ecba in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in xmllint sqlite3 sha256sum tar; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: libxml2-utils, sqlite3, coreutils, tar)" >&2; exit 1; }
done
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

# Floors. ECBA manifests are validated against the XSD, the others only parsed.
mapfile -t ECBA_MANIFESTS < <(printf '%s\n' "${MANIFESTS[@]}" | grep '/ecba-course.xml$')
mapfile -t OTHER_MANIFESTS < <(printf '%s\n' "${MANIFESTS[@]}" | grep -v '/ecba-course.xml$')
parse_floor() {
  xmllint --noout "${OTHER_MANIFESTS[@]}" && xmllint --noout --schema importers/ecba/ecba-course-1.0.xsd "${ECBA_MANIFESTS[@]}" 2>/dev/null
}
PARSE=$(best bash -c "$(declare -p OTHER_MANIFESTS ECBA_MANIFESTS); $(declare -f parse_floor); parse_floor")
HASH=$(best bash -c "find '$WORK/corpus' -type f -print0 | xargs -0 sha256sum")
READ=$(best bash -c "tar -C '$WORK' -cf - corpus | cat")
store_floor() { # the same rows into a new database of the same schema: "seconds peak_kib"
  rm -f "$WORK/floor.sqlite"*
  "$ECBA" society add bench --name Bench --kind national --database "$WORK/floor.sqlite" >/dev/null
  seconds sqlite3 "$WORK/floor.sqlite" "PRAGMA foreign_keys = ON; ATTACH '$WORK/db.sqlite' AS src; BEGIN;
    INSERT INTO course SELECT * FROM src.course; INSERT INTO submission SELECT * FROM src.submission;
    INSERT INTO submission_text SELECT * FROM src.submission_text; INSERT INTO activity SELECT * FROM src.activity;
    INSERT INTO submission_diagnostic SELECT * FROM src.submission_diagnostic; COMMIT;"
}
STORE=""; for _ in 1 2 3; do
  line=$(store_floor)
  if [ -z "$STORE" ] || awk "BEGIN{exit !(${line%% *} < ${STORE%% *})}"; then STORE=$line; fi
done
ROWS=$(sqlite3 "$WORK/floor.sqlite" "SELECT (SELECT count(*) FROM submission) + (SELECT count(*) FROM submission_text) + (SELECT count(*) FROM activity) + (SELECT count(*) FROM submission_diagnostic) + (SELECT count(*) FROM course)")
ARGS=$(best "$ECBA" package check "${PACKAGES[@]}")   # the same check with every path as an argument

ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
x=${XMLLINT%% *}
printf '\n%-44s %8s %10s %8s\n' "command (${#PACKAGES[@]} packages)" "seconds" "peak MiB" "x xmllint"
printf '%-44s %8s %10.1f %8s\n' "xmllint --noout (baseline, parse only)" "$x" "$(awk "BEGIN{print ${XMLLINT##* }/1024}")" "1.00"
printf '%-44s %8s %10.1f %8s\n' "ecba package check (parse+XSD+map+hash)" "${CHECK%% *}" "$(awk "BEGIN{print ${CHECK##* }/1024}")" "$(ratio "${CHECK%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba import (same + SQLite, first time)" "${IMPORT%% *}" "$(awk "BEGIN{print ${IMPORT##* }/1024}")" "$(ratio "${IMPORT%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba package check, paths as arguments" "${ARGS%% *}" "$(awk "BEGIN{print ${ARGS##* }/1024}")" "$(ratio "${ARGS%% *}" "$x")"
printf '%-44s %8s %10.1f %8s\n' "ecba import (re-import, all unchanged)" "${REIMPORT%% *}" "$(awk "BEGIN{print ${REIMPORT##* }/1024}")" "$(ratio "${REIMPORT%% *}" "$x")"

p=${PARSE%% *}; h=${HASH%% *}; r=${READ%% *}; st=${STORE%% *}
both=$(awk "BEGIN{printf \"%.2f\", ($p + $r + $st) / 2}")
printf '\n%-44s %8s %10s %8s\n' "floors (same corpus, same run)" "seconds" "" "x xmllint"
printf '%-44s %8s %10s %8s\n' "xmllint parse + XSD for the ECBA manifests" "$p" "" "$(ratio "$p" "$x")"
printf '%-44s %8s %10s %8s\n' "reading every file (tar | cat)" "$r" "" "$(ratio "$r" "$x")"
printf '%-44s %8s %10s %8s\n' "sha256sum of every file (for comparison)" "$h" "" "$(ratio "$h" "$x")"
printf '%-44s %8s %10s %8s\n' "sqlite3 writing the import's $ROWS rows" "$st" "" "$(ratio "$st" "$x")"
printf '%-44s %8s %10s %8s\n' "parse + read + SQLite, on two cores" "$both" "" "$(ratio "$both" "$x")"

python3 Benchmarks/gen_corpus.py large "$WORK/large" "$MIB"
FOLDER=$(seconds "$ECBA" package check "$WORK/large/large-course")
ZIP=$(seconds "$ECBA" package check "$WORK/large/large-course.zip")
printf '\n%-44s %8s %10s\n' "package with ${MIB} MiB of content" "seconds" "peak MiB"
printf '%-44s %8s %10.1f\n' "folder: ecba package check" "${FOLDER%% *}" "$(awk "BEGIN{print ${FOLDER##* }/1024}")"
printf '%-44s %8s %10.1f\n' "zip (stored): ecba package check" "${ZIP%% *}" "$(awk "BEGIN{print ${ZIP##* }/1024}")"
# Import keeps every file in the content store: the same package imported, folder then zip, each
# into a new database and store.
large_import() { # PATH: "seconds peak_kib" of a first import
  rm -rf "$WORK/large-db.sqlite"*
  "$ECBA" society add bench --name Bench --kind national --database "$WORK/large-db.sqlite" >/dev/null
  "$ECBA" society authorize bench --database "$WORK/large-db.sqlite" >/dev/null 2>&1
  seconds "$ECBA" import "$1" --society bench --database "$WORK/large-db.sqlite"
}
IMPORT_FOLDER=$(large_import "$WORK/large/large-course")
IMPORT_ZIP=$(large_import "$WORK/large/large-course.zip")
printf '%-44s %8s %10.1f\n' "folder: ecba import (into the store)" "${IMPORT_FOLDER%% *}" "$(awk "BEGIN{print ${IMPORT_FOLDER##* }/1024}")"
printf '%-44s %8s %10.1f\n' "zip (stored): ecba import (into the store)" "${IMPORT_ZIP%% *}" "$(awk "BEGIN{print ${IMPORT_ZIP##* }/1024}")"
