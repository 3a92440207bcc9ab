#!/usr/bin/env bash
# Player benchmarks, each against a baseline in the same run:
#   1. serving package files: `ecba serve` (a session origin) against Debian's nginx serving the same
#      folder, with wrk: one small page, 200 small pages in turn, 64 KiB images in turn (requests/s),
#      a large video (throughput) and ranges of it;
#   2. the SCORM run-time: LEARNERS learners each opening an attempt, committing 20 times and
#      terminating (Benchmarks/runtime_load.mjs, a Node client), 8, 16 and 32 at a time (RUNTIME_CONCURRENCY),
#      p99 commit latency, beside GET /health;
#   3. import with the content store against `cp -r` plus `sha256sum` of the same files.
#
#   Benchmarks/player.sh [LEARNERS] [VIDEO_MIB]      defaults: 1000 and 512
#
# Needs: wrk, nginx (nginx-light), python3, node, sha256sum, /usr/bin/time. Builds ecba in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx python3 node sha256sum; do
  command -v "$tool" >/dev/null || { echo "needs $tool (Debian: wrk, nginx-light, python3, nodejs, coreutils)" >&2; exit 1; }
done
LEARNERS=${1:-1000}
MIB=${2:-512}
WORK=$(mktemp -d /tmp/ecba-player-bench.XXXXXX)
chmod 755 "$WORK"   # nginx's workers (nobody) read the package from here
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

swift build -c release --product ecba >/dev/null
ECBA=$(swift build -c release --show-bin-path)/ecba
export ECBA_DATABASE="$WORK/db.sqlite" ECBA_ACTOR=bench

# A SCORM 1.2 package: one SCO, 200 pages of 4 KiB, 50 images of 64 KiB, a MIB-MiB video of random bytes.
PKG="$WORK/package"
python3 - "$PKG" "$MIB" <<'PY'
import os, sys
root, mib = sys.argv[1], int(sys.argv[2])
os.makedirs(root + "/pages")
open(root + "/imsmanifest.xml", "w").write("""<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.player" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
 <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
 <organizations default="o"><organization identifier="o"><title>Bench</title>
  <item identifier="sco" identifierref="r"><title>Bench</title></item></organization></organizations>
 <resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html"/></resources>
</manifest>""")
open(root + "/index.html", "w").write("<html><body>bench</body></html>")
page = ("<html><body>" + "x" * 4000 + "</body></html>")
for i in range(200):
    open(root + "/pages/page-%03d.html" % i, "w").write(page)
os.makedirs(root + "/images")
for i in range(50):
    open(root + "/images/figure-%02d.png" % i, "wb").write(os.urandom(64 << 10))
with open(root + "/video.mp4", "wb") as out:
    for _ in range(mib):
        out.write(os.urandom(1 << 20))
PY
chmod -R a+rX "$PKG"
echo "package: $(find "$PKG" -type f | wc -l) files, $(du -sh "$PKG" | cut -f1)"

# 3. Import with the store against cp -r + sha256sum, fresh store each time (best of 3).
seconds() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
best_of_3() { local best=999999 line t; for _ in 1 2 3; do line=$("$@"); t=${line%% *}; if awk "BEGIN{exit !($t < $best)}"; then best=$t; fi; done; echo "$best"; }
copy_and_hash() { rm -rf "$WORK/copy"; seconds bash -c "cp -r '$PKG' '$WORK/copy' && find '$WORK/copy' -type f -exec sha256sum {} + >/dev/null"; }
fresh_import() {
  rm -rf "$WORK/db.sqlite"* "$WORK/imp.sqlite"*
  "$ECBA" society add bench --name Bench --kind national --database "$WORK/imp.sqlite" >/dev/null
  "$ECBA" society authorize bench --database "$WORK/imp.sqlite" >/dev/null 2>&1
  seconds "$ECBA" import "$PKG" --society bench --database "$WORK/imp.sqlite"
}
BASE_COPY=$(best_of_3 copy_and_hash)
IMPORT=$(best_of_3 fresh_import)
echo "import with the store: ${IMPORT}s; cp -r + sha256sum: ${BASE_COPY}s ($(awk "BEGIN{printf \"%.2f\", $IMPORT/$BASE_COPY}")x)"
rm -rf "$WORK/imp.sqlite"* "$WORK/copy"

# The platform: a society, a committee, the course published, LEARNERS engineers enrolled.
"$ECBA" society add cces --name CCES --kind national >/dev/null
"$ECBA" society authorize cces >/dev/null 2>&1
"$ECBA" import "$PKG" --society cces --credit-hours 1 --category professional >/dev/null
for m in a b c; do "$ECBA" committee add-member "$m" --name "$m" >/dev/null 2>&1; done
for m in a b c; do "$ECBA" review vote 1 approve --member "$m" --comment bench >/dev/null 2>&1 || true; done
{ echo "member_number,name,email"; for i in $(seq -f "%04g" 1 "$LEARNERS"); do echo "M$i,Learner $i,l$i@example.cn"; done; } > "$WORK/roster.csv"
"$ECBA" engineer import "$WORK/roster.csv" --society cces >/dev/null
for i in $(seq -f "%04g" 1 "$LEARNERS"); do echo "cces-M$i"; done > "$WORK/ids.txt"
while read -r id; do "$ECBA" enroll "$id" cces/bench.player >/dev/null; done < "$WORK/ids.txt"
TOKEN=$("$ECBA" society token issue cces 2>/dev/null)

PORT=18431
"$ECBA" serve --port "$PORT" --public-url "http://localhost:$PORT" --rate 100000 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
LAUNCH=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"course":"cces/bench.player"}' "http://127.0.0.1:$PORT/v1/engineers/cces-M0001/launches" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
SESSION=$(curl -s -o /dev/null -w '%{redirect_url}' "${LAUNCH/localhost/127.0.0.1}" | sed -E 's#^http://([^/]+)/$#\1#')
echo "session origin: $SESSION"

NGINX_PORT=18432
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { text/html html; video/mp4 mp4; image/png png; }
  server { listen 127.0.0.1:$NGINX_PORT; root $PKG; location / { etag on; } }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK"

# Every figure only from runs whose every answer was a success.
ok() { local out; out=$(cat); if grep -q "Non-2xx" <<<"$out"; then echo "error: failed requests: $(grep Non-2xx <<<"$out")" >&2; exit 1; fi; echo "$out"; }
rps() { ok | awk '/Requests\/sec/ {print $2}'; }
tps() { ok | awk '/Transfer\/sec/ {v=$2; if (v ~ /GB/) {sub("GB","",v); v*=1024} else if (v ~ /MB/) {sub("MB","",v)} else if (v ~ /KB/) {sub("KB","",v); v/=1024}; print v}'; }
echo "== 1. small pages (4 KiB), wrk -t2 -c64 -d10s"
NGINX_SMALL=$(wrk -t2 -c64 -d10s "http://127.0.0.1:$NGINX_PORT/pages/page-042.html" | rps)
ECBA_SMALL=$(wrk -t2 -c64 -d10s -H "Host: $SESSION" "http://127.0.0.1:$PORT/content/pages/page-042.html" | rps)
echo "nginx ${NGINX_SMALL} req/s; ecba serve ${ECBA_SMALL} req/s ($(awk "BEGIN{printf \"%.2f\", $ECBA_SMALL/$NGINX_SMALL}")x)"
# wrk scripts that ask for each of a set of files in turn, as a page's assets are asked for.
cat > "$WORK/pages.lua" <<'LUA'
local i = 0
request = function() i = (i + 1) % 200; return wrk.format("GET", string.format("%spages/page-%03d.html", prefix, i)) end
LUA
cat > "$WORK/images.lua" <<'LUA'
local i = 0
request = function() i = (i + 1) % 50; return wrk.format("GET", string.format("%simages/figure-%02d.png", prefix, i)) end
LUA
for shape in pages images; do
  sed "1i prefix = '/'" "$WORK/$shape.lua" > "$WORK/nginx-$shape.lua"
  sed "1i prefix = '/content/'" "$WORK/$shape.lua" > "$WORK/ecba-$shape.lua"
done
echo "== 1. 200 small pages (4 KiB) in turn, wrk -t2 -c64 -d10s"
NGINX_PAGES=$(wrk -t2 -c64 -d10s -s "$WORK/nginx-pages.lua" "http://127.0.0.1:$NGINX_PORT/" | rps)
ECBA_PAGES=$(wrk -t2 -c64 -d10s -s "$WORK/ecba-pages.lua" -H "Host: $SESSION" "http://127.0.0.1:$PORT/" | rps)
echo "nginx ${NGINX_PAGES} req/s; ecba serve ${ECBA_PAGES} req/s ($(awk "BEGIN{printf \"%.2f\", $ECBA_PAGES/$NGINX_PAGES}")x)"
echo "== 1. 50 images (64 KiB) in turn, wrk -t2 -c64 -d10s"
NGINX_IMAGES=$(wrk -t2 -c64 -d10s -s "$WORK/nginx-images.lua" "http://127.0.0.1:$NGINX_PORT/" | rps)
ECBA_IMAGES=$(wrk -t2 -c64 -d10s -s "$WORK/ecba-images.lua" -H "Host: $SESSION" "http://127.0.0.1:$PORT/" | rps)
echo "nginx ${NGINX_IMAGES} req/s; ecba serve ${ECBA_IMAGES} req/s ($(awk "BEGIN{printf \"%.2f\", $ECBA_IMAGES/$NGINX_IMAGES}")x)"
echo "== 1. the ${MIB} MiB video, wrk -t2 -c8 -d15s"
NGINX_LARGE=$(wrk -t2 -c8 -d15s --timeout 30s "http://127.0.0.1:$NGINX_PORT/video.mp4" | tps)
ECBA_LARGE=$(wrk -t2 -c8 -d15s --timeout 30s -H "Host: $SESSION" "http://127.0.0.1:$PORT/content/video.mp4" | tps)
echo "nginx ${NGINX_LARGE} MB/s; ecba serve ${ECBA_LARGE} MB/s ($(awk "BEGIN{printf \"%.2f\", $ECBA_LARGE/$NGINX_LARGE}")x)"
echo "== 1. 1 MiB ranges of the video (seeking), wrk -t2 -c16 -d10s"
NGINX_RANGE=$(wrk -t2 -c16 -d10s -H 'Range: bytes=104857600-105906175' "http://127.0.0.1:$NGINX_PORT/video.mp4" | rps)
ECBA_RANGE=$(wrk -t2 -c16 -d10s -H "Host: $SESSION" -H 'Range: bytes=104857600-105906175' "http://127.0.0.1:$PORT/content/video.mp4" | rps)
echo "nginx ${NGINX_RANGE} req/s; ecba serve ${ECBA_RANGE} req/s ($(awk "BEGIN{printf \"%.2f\", $ECBA_RANGE/$NGINX_RANGE}")x)"

# How many learners commit at once is the load's shape: each level is reported.
for AT_ONCE in ${RUNTIME_CONCURRENCY:-8 16 32}; do
  echo "== 2. the run-time: $LEARNERS learners, $AT_ONCE at a time, 20 commits each"
  node Benchmarks/runtime_load.mjs "http://localhost:$PORT" "$TOKEN" cces/bench.player cces-M "$LEARNERS" "$AT_ONCE" 20
done
echo "peak server memory: $(grep VmHWM /proc/$SERVER/status | awk '{print $2, $3}')"
