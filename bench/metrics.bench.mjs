// Prometheus scrape benchmark (issue 23.1): GET /metrics with every account's limits, forecasts,
// tokens and costs and every machine's last data time, for 200 accounts and 2,000 machines on
// SQLite, measured over HTTP against `takt serve` (keep-alive, one connection, sequential).
//
//   npm run bench -- metrics            (after npm run build)
//   BENCH_DATA_DIR=/tmp/takt-metrics npm run bench -- metrics   keeps the data and reuses it
//
// The data: bench/dashboard-data.mjs' generator (workdays, sessions on 4 machines per user, both
// api_request events and metrics rows per minute, official figures every 3 minutes for half the
// accounts, limit events), for 100 users (199 accounts) over BENCH_DAYS days (default 40: the
// limits read model looks 36 days back; token and cost counters read the whole history), plus
// one more account and idle machines up to 2,000.
//
// Prints: scrapes 1 s apart after the start while every user is computed in the background (each
// scrape waits at most 100 ms for the refresher and answers with what is computed; the same work
// as when every user's data changed), how long until all 200 accounts are in the answer, then warm
// scrapes (p50/p95/p99, BENCH_SCRAPES, default 50, one every 200 ms), the answer's size and series. The baseline, in the same
// run: GET /healthz on the same server. Target: a scrape under 200 ms.
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { datasetFigures, generateDataset } from './dashboard-data.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/main.js');
const USERS = 100;
const ACCOUNTS = 200;
const MACHINES = 2_000;
const DAYS = Number(process.env.BENCH_DAYS ?? 40);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 50);
const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';
const TARGET_MS = 200;
const DATA_VERSION = 1;
const DAY_MS = 86_400_000;

const keep = process.env.BENCH_DATA_DIR;
const home = keep ?? mkdtempSync(join(tmpdir(), 'takt-bench-metrics-'));
const env = { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0', TAKT_METRICS_TOKEN: METRICS_TOKEN };
const db = join(home, 'takt.db');
const marker = join(home, 'bench-dataset.json');

let dataset;
if (keep && existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).version === DATA_VERSION) {
  dataset = JSON.parse(readFileSync(marker, 'utf8'));
  console.log(`metrics: reusing the data generated at ${new Date(dataset.now).toISOString()} in ${home}`);
} else {
  mkdirSync(home, { recursive: true });
  rmSync(db, { force: true });
  execFileSync(process.execPath, [main, 'token', 'create', '--email', 'bench-0@example.com', '--json'], { env });
  const now = Date.now();
  console.log(`metrics: generating ${DAYS} days for ${USERS} users …`);
  const generated = generateDataset(db, { users: USERS, days: DAYS, now });
  // Up to 200 accounts and 2,000 machines: the rest are idle (an account seen once, machines
  // that sent data at some point of the period), spread over the users.
  const raw = new SqliteDatabase(db);
  const users = raw.prepare('select id from users order by email').all();
  const accounts = raw.prepare('select count(*) as n from accounts').get().n;
  const machines = raw.prepare('select count(*) as n from machines').get().n;
  raw.transaction(() => {
    const account = raw.prepare(
      `insert into accounts (id, user_id, account_key, account_uuid, organization_id, email, first_seen_at, last_seen_at,
         label, plan, unit, limits, weekly_reset, month_start_day, team_seat, per_seat_cap)
       values (?, ?, ?, ?, null, null, ?, ?, 'Spare', 'pro', 'usd', null, null, 1, 0, null)`,
    );
    for (let i = accounts; i < ACCOUNTS; i++) {
      const uuid = randomUUID();
      account.run(randomUUID(), users[i % users.length].id, uuid, uuid, now - DAY_MS, now - DAY_MS);
    }
    const machine = raw.prepare(
      'insert into machines (id, user_id, host_name, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)',
    );
    for (let i = machines; i < MACHINES; i++) {
      const seen = now - Math.floor((i * 7_919) % (DAYS * 24)) * 3_600_000;
      machine.run(randomUUID(), users[i % users.length].id, `host-${i}`, seen - DAY_MS, seen);
    }
  })();
  raw.close();
  dataset = { version: DATA_VERSION, now, seconds: generated.seconds, ...datasetFigures(db) };
  if (keep) writeFileSync(marker, JSON.stringify(dataset));
}
console.log(
  `metrics: data (generated in ${Math.round(dataset.seconds)} s):`,
  JSON.stringify(dataset.tables ?? dataset),
);

async function startServer() {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /HTTP (http:\/\/[^\s,]+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`takt serve exited with ${code}`)));
    setTimeout(() => reject(new Error('takt serve did not start in 60 s')), 60_000).unref();
  });
  return {
    url: new URL(url),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(server, path) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: server.url.hostname,
        port: server.url.port,
        path,
        agent,
        headers: { authorization: `Bearer ${METRICS_TOKEN}`, 'accept-encoding': 'identity' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const body = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) reject(new Error(`GET ${path} answered ${res.statusCode}: ${body}`));
          else resolve({ ms, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] };
};
const f = (n) => n.toFixed(1);

const accountsIn = (body) =>
  new Set(
    body
      .split('\n')
      .filter((l) => l.startsWith('takt_limit_resets_at_seconds{'))
      .map((l) => /account="([^"]*)"/.exec(l)?.[1]),
  ).size;

const server = await startServer();
try {
  // Phase 1, after a start: every user is due; scrapes (1 s apart) answer while the refresher
  // works through them — the same work as when every user's data changed between two scrapes.
  const started = performance.now();
  const filling = [];
  let last;
  for (;;) {
    last = await get(server, '/metrics');
    filling.push({ ms: last.ms, accounts: accountsIn(last.body) });
    if (accountsIn(last.body) >= ACCOUNTS) break;
    await sleep(1_000);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const fm = summary(filling.map((x) => x.ms));
  console.log(
    `while every user is computed (${filling.length} scrapes, 1 s apart, all ${ACCOUNTS} accounts after ${fillSeconds.toFixed(1)} s): ` +
      `p50 ${f(fm.p50)} / p95 ${f(fm.p95)} / max ${f(fm.max)} ms; accounts seen: ${filling.map((x) => x.accounts).join(' ')}`,
  );
  const series = last.body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  const count = (name) => last.body.split('\n').filter((l) => l.startsWith(`${name}{`)).length;
  console.log(
    `the full answer: ${(last.body.length / 1024).toFixed(0)} KiB, ${series} series; accounts ${accountsIn(last.body)}, ` +
      `machines ${count('takt_machine_last_seen_seconds')}, token series ${count('takt_usage_tokens_total')}`,
  );
  const warm = [];
  const baseline = [];
  for (let i = 0; i < SCRAPES; i++) {
    warm.push((await get(server, '/metrics')).ms);
    baseline.push((await get(server, '/healthz')).ms);
    await sleep(200);
  }
  const w = summary(warm);
  const b = summary(baseline);
  console.log(`warm scrapes (${SCRAPES}): p50 ${f(w.p50)} / p95 ${f(w.p95)} / p99 ${f(w.p99)} / max ${f(w.max)} ms`);
  console.log(`baseline GET /healthz: p50 ${f(b.p50)} / p95 ${f(b.p95)} ms`);
  const worst = Math.max(w.p95, fm.p95);
  console.log(
    `target < ${TARGET_MS} ms per scrape: warm p95 ${f(w.p95)} ms, p95 while computing ${f(fm.p95)} ms → ${
      worst < TARGET_MS ? 'met' : 'MISSED'
    }`,
  );
} finally {
  await server.stop();
  if (!keep) rmSync(home, { recursive: true, force: true });
}
