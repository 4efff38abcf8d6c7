// Dashboard read benchmark: the answers the main page asks for, over a year of data for
// 50 users and 200 machines on SQLite (bench/dashboard-data.mjs generates it straight into
// the store), measured over HTTP against `takt serve` with keep-alive, warm.
//
//   npm run bench -- dashboard          (after npm run build)
//   npm run bench -- dashboard --check  fails when a ratio passes its bench/budgets.json budget
//   BENCH_DATA_DIR=/tmp/takt-dash npm run bench -- dashboard   keeps the generated data there
//                                        and reuses it on the next run (today's session then ends
//                                        at the generation time, not at now)
//   BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" BENCH_ONLY=me/usage …   profiles one endpoint
//
// Prints the data set (rows per table, file size) and p50/p95/p99 per endpoint beside the
// baseline measured in the same run on the same server and database: GET /api/accounts, an
// authenticated indexed lookup of the caller's accounts through the same HTTP stack. The
// target (issue 12, item 9): p95 <= 50 ms for /api/me/usage and the daily chart's calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createToken,
  fmt,
  generateOnce,
  latencySummary,
  machineLine,
  printTable,
  startTaktServe,
  timedRequest,
} from './bench-kit.mjs';
import { reportRatios } from './budget-check.mjs';
import { datasetFigures, generateDataset } from './dashboard-data.mjs';

const USERS = Number(process.env.BENCH_USERS ?? 50);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
/** The users the requests are made as: 1, 2 and 3 accounts each (user n has 1 + n % 3). */
const MEASURED = 6;

const keep = process.env.BENCH_DATA_DIR;
const home = keep ?? mkdtempSync(join(tmpdir(), 'takt-bench-dashboard-'));
const env = { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0' };
const db = join(home, 'takt.db');

const dataset = generateOnce({
  name: 'dashboard',
  home,
  keep,
  version: 1,
  generate() {
    // takt creates and migrates the store (and the first user) itself; the generator fills it.
    createToken(env, 'bench-0@example.com');
    const now = Date.now();
    console.log(`dashboard: generating ${DAYS} days for ${USERS} users …`);
    const generated = generateDataset(db, { users: USERS, days: DAYS, now });
    const tokens = [];
    for (let u = 0; u < MEASURED; u++) tokens.push(createToken(env, `bench-${u}@example.com`));
    return { now, seconds: generated.seconds, ...datasetFigures(db), tokens };
  },
});

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
async function get(server, path, token) {
  const r = await timedRequest({
    agent,
    url: server.url,
    path,
    headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'identity' },
  });
  if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${r.body}`);
  return { ms: r.ms, bytes: r.body.length };
}

const DAY = 86_400_000;
const startOfUtcDay = (ms) => Math.floor(ms / DAY) * DAY;
/** The page's daily chart: from local midnight `days - 1` days ago to now (web/src/pages/overview.tsx). */
const chart = (days, groupBy) => () => {
  const now = Date.now();
  const from = new Date(startOfUtcDay(now) - (days - 1) * DAY).toISOString();
  return `/api/usage?from=${from}&to=${new Date(now).toISOString()}&tz=UTC&group_by=${groupBy}`;
};
// [name, path, key of its ratios in bench/budgets.json]
const ALL_ENDPOINTS = [
  ['baseline: GET /api/accounts', () => '/api/accounts', 'baseline'],
  ['GET /api/me/usage', () => '/api/me/usage', 'me_usage'],
  ['GET /api/usage group_by=day, 30 days', chart(30, 'day'), 'usage_day_30d'],
  ['GET /api/usage group_by=model, 30 days', chart(30, 'model'), 'usage_model_30d'],
  ['GET /api/usage group_by=day, 90 days', chart(90, 'day'), 'usage_day_90d'],
];

// BENCH_ONLY=me/usage: the baseline and the endpoints whose name holds it (for profiling one).
const ENDPOINTS = ALL_ENDPOINTS.filter(
  ([name], i) => i === 0 || !process.env.BENCH_ONLY || name.includes(process.env.BENCH_ONLY),
);

async function measure(server, path, n) {
  const latencies = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await get(server, path(), dataset.tokens[i % dataset.tokens.length]);
    latencies.push(r.ms);
    bytes += r.bytes;
  }
  return { ...latencySummary(latencies), bytes: bytes / n };
}

console.log(
  `data set: ${USERS} users, ${USERS * 4} machines, ${DAYS} days (generated in ${fmt(dataset.seconds, 1)} s), ${fmt(dataset.bytes / 2 ** 20)} MiB`,
);
console.log(
  Object.entries(dataset.tables)
    .map(([t, n]) => `  ${t}: ${fmt(n)}`)
    .join('\n'),
);

const server = await startTaktServe(env);
try {
  // Warm: every user's answer once per endpoint (page cache, V8), then the measured rounds.
  for (const [, path] of ENDPOINTS) await measure(server, path, dataset.tokens.length * 3);
  const results = [];
  for (const [name, path, key] of ENDPOINTS) results.push([name, await measure(server, path, REQUESTS), key]);
  const base = results[0][1];
  const rows = [['', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'p95 / baseline', 'answer kB']];
  for (const [name, r] of results)
    rows.push([
      name,
      fmt(r.p50, 2),
      fmt(r.p95, 2),
      fmt(r.p99, 2),
      fmt(r.max, 1),
      fmt(r.p95 / base.p95, 1),
      fmt(r.bytes / 1000, 1),
    ]);
  console.log(
    `\n${REQUESTS} sequential requests per endpoint on one keep-alive connection, round-robin over ${dataset.tokens.length} users (1–3 accounts each), after a warm-up`,
  );
  printTable(rows);
  const targets = results.filter(([name]) => !name.startsWith('baseline') && !name.includes('90 days'));
  const ok = targets.every(([, r]) => r.p95 <= 50);
  console.log(`target (p95 <= 50 ms for /api/me/usage and the daily chart's calls): ${ok ? 'met' : 'NOT met'}`);
  // p50 and p95 over the baseline's: medians are the steadier on a shared machine; p95 is
  // what the target names.
  const ratios = {};
  for (const [, r, key] of results.slice(1)) {
    ratios[`${key}_p50_over_baseline`] = r.p50 / base.p50;
    ratios[`${key}_p95_over_baseline`] = r.p95 / base.p95;
  }
  reportRatios('dashboard', `${USERS}users-${DAYS}days`, ratios);
  console.log(machineLine());
} finally {
  agent.destroy();
  await server.stop();
  if (!keep) rmSync(home, { recursive: true, force: true });
}
