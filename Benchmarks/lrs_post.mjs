#!/usr/bin/env node
// Statements POSTed to the LRS as activity providers send them: FILE's statements (one per
// line) in batches of BATCH, from CLIENTS clients at once, each with its own HTTP Basic
// credential and keep-alive connection, against a running server.
//
//     node Benchmarks/lrs_post.mjs BASE_URL FILE CLIENTS BATCH KEY:SECRET[,KEY:SECRET…] [READ_EVERY_MS KEY:SECRET]
//
// With READ_EVERY_MS, one more client (its own credential, allowed to read) GETs the newest
// statement that often while the POSTs run, as a dashboard or a report would.
//
// Prints one JSON object: statements, seconds, statements per second, and each POST's latency
// in milliseconds (p50, p99, max); with a reader, the GETs made and their latency. Every answer
// must be 200 (a POST's with the batch's ids).
import http from "node:http";
import { readFileSync } from "node:fs";

const [base, file] = process.argv.slice(2, 4);
const [clients, batchSize] = process.argv.slice(4, 6).map(Number);
const credentials = process.argv[6].split(",");
const readEvery = Number(process.argv[7] || 0);
const readCredential = process.argv[8];
const port = Number(new URL(base).port || 80);
const lines = readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0);
const batches = [];
for (let at = 0; at < lines.length; at += batchSize) batches.push("[" + lines.slice(at, at + batchSize).join(",") + "]");

function post(agent, auth, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({
      host: "127.0.0.1", port, method: "POST", path: "/xapi/statements", agent,
      headers: { "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3", Authorization: auth,
                 "Content-Length": Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`POST: ${res.statusCode} ${text.slice(0, 300)}`));
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const latencies = [];
let next = 0;
async function client(index) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const auth = "Basic " + Buffer.from(credentials[index % credentials.length]).toString("base64");
  while (next < batches.length) {
    const body = batches[next++];
    latencies.push(await post(agent, auth, body));
  }
}

function get(agent, auth, path) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ host: "127.0.0.1", port, method: "GET", path, agent,
                               headers: { "X-Experience-API-Version": "1.0.3", Authorization: auth } }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => {
        if (res.statusCode !== 200) return reject(new Error(`GET: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`));
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

let posting = true;
const reads = [];
async function reader() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const auth = "Basic " + Buffer.from(readCredential).toString("base64");
  while (posting) {
    await new Promise((resolve) => setTimeout(resolve, readEvery));
    if (posting) reads.push(await get(agent, auth, "/xapi/statements?limit=1"));
  }
}

const percentiles = (values) => {
  values.sort((a, b) => a - b);
  const at = (q) => values[Math.min(values.length - 1, Math.floor(values.length * q))];
  return { p50: at(0.5), p99: at(0.99), max: values[values.length - 1] };
};
const reading = readEvery > 0 ? reader() : Promise.resolve();
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: clients }, (_, index) => client(index)));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
posting = false;
await reading;
console.log(JSON.stringify({ statements: lines.length, seconds, perSecond: lines.length / seconds, postMs: percentiles(latencies),
                             ...(readEvery > 0 ? { gets: reads.length, getMs: percentiles(reads) } : {}) }));
