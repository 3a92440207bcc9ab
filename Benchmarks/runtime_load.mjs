#!/usr/bin/env node
// The SCORM run-time under load: LEARNERS simulated learners, CONCURRENCY at a time, each opening
// its attempt, committing COMMITS times and terminating, against a running `ecba serve`.
//
//     node Benchmarks/runtime_load.mjs BASE_URL SOCIETY_TOKEN COURSE LEARNER_PREFIX LEARNERS CONCURRENCY COMMITS
//
// Learners are LEARNER_PREFIX0001 ... (enrolled beforehand). Launch URLs come from the society API
// (POST /v1/engineers/{id}/launches), sessions from opening them, before the clock starts. The
// baseline in the same run is the same client, connections and request count against GET /health
// (a route that touches nothing). Prints one JSON object: latencies in milliseconds (p50, p90,
// p99, max) of commits and of the baseline, and requests per second.
//
// Node's event loop is the client (one thread, keep-alive connections): a Python client with a
// thread per connection measured its own scheduling as much as the server (/health p99 of 30 ms
// at 32 connections).
import http from "node:http";

const [base, token, course, prefix] = process.argv.slice(2, 6);
const [learners, concurrency, commits] = process.argv.slice(6, 9).map(Number);
const port = Number(new URL(base).port || 80);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode, location: res.headers.location, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function check(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: ${response.status} ${response.body.slice(0, 200)}`);
  return response;
}

function percentile(sorted, fraction) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] : 0;
}

function summary(latencies, seconds) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const ms = (v) => Math.round(v * 100) / 100;
  return {
    requests: latencies.length, seconds: ms(seconds), per_second: Math.round((latencies.length / seconds) * 10) / 10,
    p50_ms: ms(percentile(sorted, 0.5)), p90_ms: ms(percentile(sorted, 0.9)), p99_ms: ms(percentile(sorted, 0.99)),
    max_ms: ms(sorted[sorted.length - 1] ?? 0),
  };
}

// Runs job(item) for every item, CONCURRENCY at a time; returns all latencies and the wall time.
async function work(items, job) {
  const queue = [...items];
  const latencies = [];
  const started = performance.now();
  async function worker() {
    while (queue.length) latencies.push(...(await job(queue.pop())));
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return [latencies, (performance.now() - started) / 1000];
}

async function timed(method, path, options, status, what) {
  const started = performance.now();
  const response = await request(method, path, options);
  const elapsed = performance.now() - started;
  check(response, status, what);
  return [elapsed, response];
}

async function sessions() {
  const hosts = [];
  for (let index = 1; index <= learners; index++) {
    const engineer = prefix + String(index).padStart(4, "0");
    const launch = check(await request("POST", `/v1/engineers/${engineer}/launches`, {
      body: JSON.stringify({ course }), headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    }), 201, "launch");
    const opened = check(await request("GET", new URL(JSON.parse(launch.body).url).pathname), 303, "open launch URL");
    hosts.push(new URL(opened.location).host);
  }
  return hosts;
}

async function learner(host) {
  const headers = { Host: host, "Content-Type": "application/json" };
  const opened = check(await request("POST", "/player/runtime/open", { body: JSON.stringify({ activity: "sco" }), headers }), 200, "open");
  const attemptID = JSON.parse(opened.body).attemptID;
  const measured = [];
  for (let number = 0; number < commits; number++) {
    const sets = [["cmi.core.lesson_location", String(number)], ["cmi.suspend_data", `page=${number};`.repeat(20)],
      ["cmi.core.lesson_status", "incomplete"]];
    const terminate = number === commits - 1;
    if (terminate) sets.push(["cmi.core.score.raw", "90"], ["cmi.core.lesson_status", "passed"], ["cmi.core.session_time", "00:05:00"]);
    const [elapsed] = await timed("POST", "/player/runtime/commit", { body: JSON.stringify({ attemptID, sets, terminate }), headers }, 200, "commit");
    measured.push(elapsed);
    if (terminate) terminating.push(elapsed);
  }
  return measured;
}

// The last commit of each learner terminates: it also records the results (statements,
// completion, credits), so it is reported on its own as well.
const terminating = [];

async function health() {
  const measured = [];
  for (let number = 0; number < commits; number++) measured.push((await timed("GET", "/health", {}, 200, "health"))[0]);
  return measured;
}

const hosts = await sessions();
const [baseline, baselineSeconds] = await work(Array.from({ length: learners }), health);
const [latencies, seconds] = await work(hosts, learner);
console.log(JSON.stringify({
  learners, concurrency, commits_each: commits, client: "node",
  commit: summary(latencies, seconds), terminating_commit: summary(terminating, seconds), baseline_health: summary(baseline, baselineSeconds),
}));
agent.destroy();
