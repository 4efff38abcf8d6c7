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
// Prints: scrapes 250 ms apart after the start while the first refresh computes every user in
// the background (a scrape answers the last complete refresh and never waits: none yet, so no
// account; the same work as when every user's data changed), how long until all 200 accounts are
// in the answer, then warm scrapes (p50/p95/p99, BENCH_SCRAPES, default 50, one every 200 ms; each
// starts a refresh of what is due, nothing here), the answer's size and series, and the machine's
// load average before and after; then every user's data changes (an official reading each) and
// scrapes run while the refresh computes them all again, each answering all 200 accounts (the
// previous complete refresh). The baseline, in the same run: GET /healthz on the same server.
// Scrapes ask for gzip, as Prometheus does, and are timed until the text is decompressed
// (BENCH_METRICS_ENCODING=identity asks for plain text). Target: a scrape under 200 ms, p95, in
// every phase.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import SqliteDatabase from 'better-sqlite3';
import {
  createToken,
  fmt,
  generateOnce,
  latencySummary,
  machineLine,
  root,
  sleep,
  startTaktServe,
  timedRequest,
} from './bench-kit.mjs';
import { datasetFigures, generateDataset } from './dashboard-data.mjs';

const USERS = 100;
const ACCOUNTS = 200;
const MACHINES = 2_000;
const DAYS = Number(process.env.BENCH_DAYS ?? 40);
const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 50);
const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';
const TARGET_MS = 200;
const DAY_MS = 86_400_000;

const keep = process.env.BENCH_DATA_DIR;
const home = keep ?? mkdtempSync(join(tmpdir(), 'takt-bench-metrics-'));
const env = { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0', TAKT_METRICS_TOKEN: METRICS_TOKEN };
const db = join(home, 'takt.db');

const dataset = generateOnce({
  name: 'metrics',
  home,
  keep,
  version: 1,
  generate() {
    createToken(env, 'bench-0@example.com'); // takt creates and migrates the store
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
    return { now, seconds: generated.seconds, ...datasetFigures(db) };
  },
});
console.log(
  `metrics: data (generated in ${Math.round(dataset.seconds)} s):`,
  JSON.stringify(dataset.tables ?? dataset),
);

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
// As Prometheus asks (gzip), timed until the text is decompressed. BENCH_METRICS_ENCODING=identity: plain.
const ENCODING = process.env.BENCH_METRICS_ENCODING ?? 'gzip';
async function get(server, path) {
  const r = await timedRequest({
    agent,
    url: server.url,
    path,
    headers: { authorization: `Bearer ${METRICS_TOKEN}`, 'accept-encoding': ENCODING },
  });
  const started = performance.now();
  const body = (r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body).toString();
  if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${body}`);
  return { ms: r.ms + (performance.now() - started), body };
}

const f = (n) => fmt(n, 1);
const accountsIn = (body) =>
  new Set(
    body
      .split('\n')
      .filter((l) => l.startsWith('takt_limit_resets_at_seconds{'))
      .map((l) => /account="([^"]*)"/.exec(l)?.[1]),
  ).size;

console.log(`before: ${machineLine()}`);
const server = await startTaktServe(env);
try {
  // Phase 1, after a start: every user is due; scrapes (250 ms apart) answer while the first
  // refresh works through them in the worker thread — the same work as when every user's data
  // changed between two scrapes. Until it completes there is no account to serve.
  const started = performance.now();
  const filling = [];
  let last;
  for (;;) {
    last = await get(server, '/metrics');
    filling.push({ ms: last.ms, accounts: accountsIn(last.body) });
    if (accountsIn(last.body) >= ACCOUNTS) break;
    await sleep(250);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  const fm = latencySummary(filling.map((x) => x.ms));
  console.log(
    `while every user is computed (${filling.length} scrapes, 250 ms apart, all ${ACCOUNTS} accounts after ${fillSeconds.toFixed(1)} s): ` +
      `p50 ${f(fm.p50)} / p95 ${f(fm.p95)} / p99 ${f(fm.p99)} / max ${f(fm.max)} ms; accounts seen: ${[...new Set(filling.map((x) => x.accounts))].join(' ')}`,
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
  const w = latencySummary(warm);
  const b = latencySummary(baseline);
  console.log(`warm scrapes (${SCRAPES}): p50 ${f(w.p50)} / p95 ${f(w.p95)} / p99 ${f(w.p99)} / max ${f(w.max)} ms`);
  console.log(`baseline GET /healthz: p50 ${f(b.p50)} / p95 ${f(b.p95)} ms`);

  // Phase 3, steady state: every user's data changes (an official reading each, through the
  // API, with a token issued for the bench), so the next refresh computes all of them again
  // while scrapes (250 ms apart) answer the previous complete text — until a scrape shows a
  // refresh that began after the changes.
  const { openStore } = await import(join(root, 'dist/store/open-store.js'));
  const { issueApiToken } = await import(join(root, 'dist/auth/api-token.js'));
  const side = await openStore(`sqlite:${db}`, { migrate: false });
  const owners = new Map();
  for (const a of await side.db
    .selectFrom('accounts')
    .select(['user_id', 'account_uuid'])
    .where('account_uuid', 'is not', null)
    .orderBy('account_uuid')
    .execute())
    if (!owners.has(a.user_id)) owners.set(a.user_id, { uuid: a.account_uuid });
  for (const [userId, o] of owners) o.token = (await issueApiToken(side.db, userId, 'bench')).token;
  await side.close();
  const changedAt = Date.now();
  for (const o of owners.values()) {
    const r = await timedRequest({
      agent,
      url: server.url,
      path: '/api/official-usage',
      method: 'POST',
      headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
      body: Buffer.from(
        JSON.stringify({
          source: 'statusline',
          captured_at: new Date(changedAt).toISOString(),
          account_uuid: o.uuid,
          rate_limits: { five_hour: { used_percentage: 12, resets_at: Math.floor(changedAt / 1000) + 3_600 } },
        }),
      ),
    });
    if (r.status !== 201) throw new Error(`POST /api/official-usage answered ${r.status}: ${r.body}`);
  }
  // Done when a scrape shows every reading (or, for a server that says so, a refresh begun after them).
  const refreshedAt = (body) => Number(/^takt_limits_refreshed_at_seconds (\S+)$/m.exec(body)?.[1] ?? 0) * 1000;
  const readingsIn = (body) =>
    new Set(
      body
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('takt_limit_utilization_percent{') && l.endsWith('window="five_hour",source="official"} 12'),
        )
        .map((l) => /account="([^"]*)"/.exec(l)?.[1]),
    ).size;
  const steady = [];
  const steadyStarted = performance.now();
  // A server that does not say when it refreshed: until the readings shown stop growing for 10 s.
  let seen = 0;
  let stableSince = performance.now();
  while (performance.now() - steadyStarted < 300_000) {
    const r = await get(server, '/metrics');
    if (accountsIn(r.body) !== ACCOUNTS)
      throw new Error(`a scrape during the refresh had ${accountsIn(r.body)} accounts`);
    steady.push(r.ms);
    const shown = readingsIn(r.body);
    if (shown !== seen) stableSince = performance.now();
    seen = shown;
    if (refreshedAt(r.body) >= changedAt || (seen > 0 && performance.now() - stableSince > 10_000)) break;
    await sleep(250);
  }
  const st = latencySummary(steady);
  console.log(
    `while all ${owners.size} users are computed again after their data changed (${steady.length} scrapes, 250 ms apart, ` +
      `every one with all ${ACCOUNTS} accounts; all changes shown after ${((performance.now() - steadyStarted) / 1000).toFixed(1)} s, ${seen} readings seen): ` +
      `p50 ${f(st.p50)} / p95 ${f(st.p95)} / p99 ${f(st.p99)} / max ${f(st.max)} ms`,
  );
  const worst = Math.max(w.p95, fm.p95, st.p95);
  console.log(
    `target < ${TARGET_MS} ms per scrape: warm p95 ${f(w.p95)} ms, p95 while computing ${f(fm.p95)} ms after the start, ` +
      `${f(st.p95)} ms after every user changed → ${worst < TARGET_MS ? 'met' : 'MISSED'}`,
  );
  console.log(`after: ${machineLine()}`);
} finally {
  agent.destroy();
  await server.stop();
  if (!keep) rmSync(home, { recursive: true, force: true });
}
