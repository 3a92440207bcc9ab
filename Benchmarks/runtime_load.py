#!/usr/bin/env python3
"""The SCORM run-time under load: LEARNERS simulated learners, CONCURRENCY at a time, each opening
its attempt, committing COMMITS times and terminating, against a running `ecba serve`.

    runtime_load.py BASE_URL SOCIETY_TOKEN COURSE LEARNER_PREFIX LEARNERS CONCURRENCY COMMITS

Learners are LEARNER_PREFIX0001 ... (enrolled beforehand). Launch URLs come from the society API
(POST /v1/engineers/{id}/launches), sessions from opening them. The baseline in the same run is the
same client, connections and request count against GET /health (a route that touches nothing).
Prints one JSON object: latencies in milliseconds (p50, p90, p99, max) of commits and of the
baseline, and requests per second.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, token, course, prefix = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
learners, concurrency, commits = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
url = urllib.parse.urlparse(base)
host, port = "127.0.0.1", url.port or 80


def connection():
    return http.client.HTTPConnection(host, port, timeout=30)


def request(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response.status, response.getheader("location"), data


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def summary(latencies, seconds):
    return {"requests": len(latencies), "seconds": round(seconds, 2), "per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "max_ms": round(max(latencies) * 1000, 2)}


def sessions():
    """A session (token, host header) and its attempt for every learner, made before the clock starts."""
    conn = connection()
    made = []
    for index in range(1, learners + 1):
        engineer = "%s%04d" % (prefix, index)
        status, _, data = request(conn, "POST", "/v1/engineers/%s/launches" % engineer, json.dumps({"course": course}),
                                  {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        assert status == 201, (status, data)
        launch = urllib.parse.urlparse(json.loads(data)["url"])
        status, location, _ = request(conn, "GET", launch.path)
        assert status == 303, status
        session_host = urllib.parse.urlparse(location).netloc
        made.append(session_host)
    return made


def work(items, job):
    """Runs job(connection, item) for each item on CONCURRENCY threads; returns all latencies."""
    latencies, lock, queue = [], threading.Lock(), list(items)

    def worker():
        conn = connection()
        while True:
            with lock:
                if not queue:
                    return
                item = queue.pop()
            measured = job(conn, item)
            with lock:
                latencies.extend(measured)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def learner(conn, session_host):
    headers = {"Host": session_host, "Content-Type": "application/json"}
    status, _, data = request(conn, "POST", "/player/runtime/open", json.dumps({"activity": "sco"}), headers)
    assert status == 200, (status, data)
    attempt = json.loads(data)["attemptID"]
    measured = []
    for number in range(commits):
        sets = [["cmi.core.lesson_location", str(number)], ["cmi.suspend_data", "page=%d;" % number * 20],
                ["cmi.core.lesson_status", "incomplete"]]
        terminate = number == commits - 1
        if terminate:
            sets += [["cmi.core.score.raw", "90"], ["cmi.core.lesson_status", "passed"], ["cmi.core.session_time", "00:05:00"]]
        body = json.dumps({"attemptID": attempt, "sets": sets, "terminate": terminate})
        started = time.perf_counter()
        status, _, data = request(conn, "POST", "/player/runtime/commit", body, headers)
        measured.append(time.perf_counter() - started)
        assert status == 200, (status, data)
    return measured


def health(conn, _):
    measured = []
    for _ in range(commits):
        started = time.perf_counter()
        status, _, _ = request(conn, "GET", "/health")
        measured.append(time.perf_counter() - started)
        assert status == 200
    return measured


hosts = sessions()
baseline, baseline_seconds = work(range(learners), health)
latencies, seconds = work(hosts, learner)
print(json.dumps({"learners": learners, "concurrency": concurrency, "commits_each": commits,
                  "commit": summary(latencies, seconds), "baseline_health": summary(baseline, baseline_seconds)}))
