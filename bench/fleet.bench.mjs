// Fleet benchmark: N machines exporting as Claude Code does by default, against TWO
// `takt serve` replicas on one PostgreSQL, all on this machine (loopback only).
//
//   npm run bench -- fleet          (builds first; needs PostgreSQL's server binaries:
//                                    apt-get install -y postgresql, or TAKT_BENCH_PG_BIN=…/bin)
//
// Each simulated machine runs 2 Claude Code sessions (a third in one machine of four) and
// exports, like Claude Code's defaults (OTEL_LOGS_EXPORT_INTERVAL=5000,
// OTEL_METRIC_EXPORT_INTERVAL=60000, delta temporality, OTLP/HTTP protobuf):
//   - every 5 s a logs export: per session one api_request, one tool_result and, one time in
//     three, a user_prompt (4–9 records);
//   - every 60 s a metrics export: per session and model the four claude_code.token.usage
//     types and claude_code.cost.usage, plus active_time and lines_of_code (about 26 points).
// Machines start at random phases, so the request rate is N/5 + N/60 exports/s, open loop
// (an export is sent when due, whether or not earlier ones were answered). Machine i talks
// to replica i % 2, each over keep-alive connections, as a load balancer would spread them.
//
// Steps of N (BENCH_FLEET_STEPS, default 100,250,500,1000,2000,3000,4000,5000,6000,8000,10000) run for
// BENCH_FLEET_SECONDS each (default 20, after 5 s at the same rate to warm up); the run stops
// at the first step whose p99 exceeds 200 ms or that has an error, then halves the gap once.
// The baseline, in the same run: the same two replicas with storage switched off
// (TAKT_INGEST_DRY_RUN=1) at the first failing N (or the last N), to tell takt's cost from
// the machine's. Then the database's size per machine-day: two machines' full day of exports
// (timestamps spread over yesterday, written as fast as the replicas take them) and the growth
// of pg_database_size, divided by two. Everything stops by itself.
// Each step also prints the CPU each process used (bench/process-cpu.mjs: the load generator,
// each replica, PostgreSQL's postmaster and backends), in cores and in ms per export, and the
// load average: on a shared machine the figure says whose core it was.
// Options: BENCH_FLEET_MACHINES (one N instead of the steps), BENCH_FLEET_REPLICAS (2),
// BENCH_FLEET_PG_SOCKET=1 (the replicas use PostgreSQL's Unix socket, not TCP on loopback),
// BENCH_FLEET_SKIP=baseline,day, BENCH_FLEET_PG_OPTIONS (extra -c settings),
// BENCH_FLEET_PG_STATEMENTS=1 (PostgreSQL's top statements per step, from pg_stat_statements, or
// from the log's slow statements where that extension is missing), BENCH_SERVER_NODE_ARGS,
// TAKT_BENCH_PG_BIN (docs/benchmarks.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import protobuf from 'protobufjs';
import { createToken, fmt, quantile, root, startTaktServe, timedRequest } from './bench-kit.mjs';
import { cpuBetween, cpuLine, cpuReadable, cpuSnapshot } from './process-cpu.mjs';

const proto = protobuf.loadSync(join(root, 'src/ingest/proto/otlp.proto'));
const MetricsRequest = proto.lookupType('opentelemetry.proto.ExportMetricsServiceRequest');
const LogsRequest = proto.lookupType('opentelemetry.proto.ExportLogsServiceRequest');

// BENCH_FLEET_MACHINES=10000: that one N (no steps, no halving), e.g. to profile it.
const STEPS = (
  process.env.BENCH_FLEET_MACHINES ??
  process.env.BENCH_FLEET_STEPS ??
  '100,250,500,1000,2000,3000,4000,5000,6000,8000,10000'
)
  .split(',')
  .map(Number);
// PostgreSQL's top statements after each step (pg_stat_statements, else the slow-statement log).
const PG_STATEMENTS = process.env.BENCH_FLEET_PG_STATEMENTS === '1';
const SLOW_STATEMENT_MS = 20;
const SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 20);
const WARMUP_SECONDS = 5;
// Hours of the machine-day phase (24; fewer only for a quick try of the bench itself).
const DAY_HOURS = Number(process.env.BENCH_FLEET_DAY_HOURS ?? 24);
const P99_LIMIT_MS = 200;
const USERS = 20;
// Replicas on the one PostgreSQL (2; 1 to see what one replica carries).
const REPLICAS = Number(process.env.BENCH_FLEET_REPLICAS ?? 2);
// BENCH_FLEET_SKIP=baseline,day: leave phases out (a quicker comparison of replica counts).
const SKIP = new Set((process.env.BENCH_FLEET_SKIP ?? '').split(',').filter(Boolean));
const LOG_INTERVAL_MS = 5_000;
const METRIC_INTERVAL_MS = 60_000;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'];
const TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'];

const s = (key, v) => ({ key, value: { stringValue: v } });
const i64 = (key, v) => ({ key, value: { intValue: String(v) } });
const ns = (ms) => String(BigInt(Math.round(ms)) * 1_000_000n);

// ---- the PostgreSQL server (throw-away, like test/global-setup.ts, but durable: fsync on) ----

function findPgBin() {
  if (process.env.TAKT_BENCH_PG_BIN) return process.env.TAKT_BENCH_PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  for (const v of readdirSync(base).sort((a, b) => Number(b) - Number(a))) {
    if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
  }
  return undefined;
}

function startPostgres() {
  const bin = findPgBin();
  if (!bin) {
    console.error('fleet: needs PostgreSQL server binaries: apt-get install -y postgresql, or TAKT_BENCH_PG_BIN=…/bin');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'takt-fleet-pg-'));
  chmodSync(dir, 0o777);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const asPostgres = process.getuid?.() === 0; // initdb refuses root
  const q = (x) => `'${x.replace(/'/g, `'\\''`)}'`;
  const run = (cmd, args, sync = execFileSync) => {
    const full = [join(bin, cmd), ...args];
    return asPostgres
      ? sync('su', ['postgres', '-s', '/bin/sh', '-c', full.map(q).join(' ')])
      : sync(full[0], full.slice(1));
  };
  run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  // pg_stat_statements ships with Debian's server package (lib/ beside bin/); without it the
  // statements slower than SLOW_STATEMENT_MS go to the log and are summed from there.
  const statements = !PG_STATEMENTS
    ? undefined
    : existsSync(join(bin, '..', 'lib', 'pg_stat_statements.so'))
      ? 'extension'
      : 'log';
  const statementOptions =
    statements === 'extension'
      ? '-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all'
      : statements === 'log'
        ? `-c log_min_duration_statement=${SLOW_STATEMENT_MS}`
        : '';
  run('pg_ctl', [
    '-D',
    join(dir, 'data'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200 -c shared_buffers=256MB -c track_wal_io_timing=on ${statementOptions} ${process.env.BENCH_FLEET_PG_OPTIONS ?? ''}`,
    '-l',
    join(dir, 'log'),
    '-w',
    'start',
  ]);
  // The replicas reach PostgreSQL over TCP on loopback, or with BENCH_FLEET_PG_SOCKET=1 through
  // its Unix socket (what an operator uses when PostgreSQL runs on the replicas' machine).
  const replicaUrl = (name) =>
    process.env.BENCH_FLEET_PG_SOCKET === '1'
      ? `postgres://postgres@/${name}?host=${encodeURIComponent(dir)}&port=${port}`
      : `postgres://postgres@127.0.0.1:${port}/${name}`;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    statements,
    logFile: join(dir, 'log'),
    /** The postmaster: its backends are its children (CPU per process). */
    pid: () => Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]),
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: this.url });
      await c.connect();
      await c.query(`create database ${name}`);
      await c.end();
      return replicaUrl(name);
    },
    stop() {
      run('pg_ctl', ['-D', join(dir, 'data'), '-m', 'fast', 'stop'], spawnSync);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- two replicas ----

async function startReplica(databaseUrl, dryRun) {
  const home = mkdtempSync(join(tmpdir(), 'takt-fleet-'));
  const env = {
    ...process.env,
    TAKT_HOME: home,
    TAKT_DATABASE_URL: databaseUrl,
    TAKT_HTTP_PORT: '0',
    TAKT_GRPC: '0',
    TAKT_INGEST_DRY_RUN: dryRun ? '1' : '0',
  };
  return startTaktServe(env, {
    startTimeoutMs: 30_000,
    onStop: () => rmSync(home, { recursive: true, force: true }),
  });
}

async function startFleet(databaseUrl, dryRun) {
  const replicas = [];
  for (let i = 0; i < REPLICAS; i++) replicas.push(await startReplica(databaseUrl, dryRun));
  const tokens = [];
  for (let u = 0; u < USERS; u++) tokens.push(createToken(replicas[0].env, `dev${u}@example.com`));
  // Whose CPU each step measures: this process alone (its children are the replicas), each
  // replica, PostgreSQL's postmaster with its backends.
  const cpuPids = {
    loadgen: { pid: process.pid, tree: false },
    ...Object.fromEntries(replicas.map((r, i) => [`replica${i + 1}`, r.pid])),
    postgres: postgres.pid(),
  };
  return { replicas, tokens, databaseUrl, cpuPids, stop: () => Promise.all(replicas.map((r) => r.stop())) };
}

// ---- PostgreSQL's top statements (BENCH_FLEET_PG_STATEMENTS=1) ----

/**
 * PostgreSQL's own counters: WAL written, commits, row updates and how many of them were HOT
 * (heap-only: no index entry; migration 0017's fillfactor is for these), WAL flushes and the
 * time they took (track_wal_io_timing: what a commit waits for on this disk). Statistics reach
 * these views within a second of a transaction's end.
 */
async function databaseCounters(databaseUrl) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const r = await c.query(
    `select (select wal_bytes from pg_stat_wal)::bigint as wal,
            (select wal_sync from pg_stat_wal)::bigint as syncs,
            (select wal_sync_time from pg_stat_wal)::float8 as sync_ms,
            (select xact_commit from pg_stat_database where datname = current_database())::bigint as commits,
            (select coalesce(sum(n_tup_upd), 0) from pg_stat_user_tables)::bigint as updates,
            (select coalesce(sum(n_tup_hot_upd), 0) from pg_stat_user_tables)::bigint as hot`,
  );
  await c.end();
  return Object.fromEntries(Object.entries(r.rows[0]).map(([k, v]) => [k, Number(v)]));
}

/** One line of what PostgreSQL did per export between two databaseCounters. */
function databaseLine(before, after, exports) {
  const d = (k) => after[k] - before[k];
  return (
    `PostgreSQL per export: ${fmt(d('wal') / exports / 1024, 2)} kB WAL, ${fmt(d('commits') / exports, 3)} commits, ` +
    `${fmt(d('updates') / exports, 2)} row updates (HOT ${fmt((100 * d('hot')) / Math.max(1, d('updates')))}%); ` +
    `${fmt(d('syncs'))} WAL flushes, ${fmt(d('sync_ms') / Math.max(1, d('syncs')), 2)} ms each`
  );
}

/** Forgets the statements seen so far; answers where the next ones start (the log's size). */
async function resetStatements(databaseUrl) {
  if (postgres.statements === 'log') return readFileSync(postgres.logFile).length;
  if (postgres.statements !== 'extension') return 0;
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  await c.query('create extension if not exists pg_stat_statements');
  await c.query('select pg_stat_statements_reset()');
  await c.end();
  return 0;
}

/**
 * A statement's shape: multi-row VALUES lists and IN lists of any length read as one (each
 * length is its own entry in pg_stat_statements), spaces collapsed.
 */
const statementShape = (query) =>
  query
    .replace(/\s+/g, ' ')
    .replace(/\$\d+/g, '$')
    .replace(/in \(\$(?:, \$)*\)/g, 'in (…)')
    .replace(/\(\$(?:, \$)*\)(?:, \(\$(?:, \$)*\))*/g, '(…)…');

/** The statements that took PostgreSQL's time since resetStatements, the largest total first. */
async function topStatements(databaseUrl, since) {
  let rows = [];
  if (postgres.statements === 'extension') {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    const r = await c.query(
      `select calls::int, total_exec_time as total, query
         from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())`,
    );
    await c.end();
    rows = r.rows.map((x) => ({ ...x, query: statementShape(x.query) }));
  } else if (postgres.statements === 'log') {
    // Only statements over SLOW_STATEMENT_MS are logged: the slow tail, not the whole time.
    const text = readFileSync(postgres.logFile).subarray(since).toString();
    for (const m of text.matchAll(/duration: ([\d.]+) ms\s+(?:statement|execute [^:]*): (.*)/g)) {
      rows.push({ query: statementShape(m[2].replace(/'[^']*'|\b\d+\b/g, '$')), calls: 1, total: Number(m[1]) });
    }
  }
  const byShape = new Map();
  for (const r of rows) {
    const key = r.query.slice(0, 150);
    const q = byShape.get(key) ?? { query: key, calls: 0, total: 0 };
    q.calls += r.calls;
    q.total += r.total;
    byShape.set(key, q);
  }
  rows = [...byShape.values()];
  const all = rows.reduce((a, r) => a + r.total, 0) || 1;
  const calls = rows.reduce((a, r) => a + r.calls, 0);
  // By time, then the most frequent of the rest: a cheap statement sent on every export costs
  // a round trip, parsing and planning (not in its exec time) on both sides.
  const byTime = [...rows].sort((a, b) => b.total - a.total).slice(0, 8);
  const byCalls = rows
    .filter((r) => !byTime.includes(r))
    .sort((a, b) => b.calls - a.calls)
    .slice(0, 4);
  const top = [...byTime, ...byCalls].map(
    (r) =>
      `    ${String(Math.round((100 * r.total) / all)).padStart(3)}% ${fmt(r.calls).padStart(7)} calls ${fmt(r.total / Math.max(1, r.calls), 3).padStart(7)} ms  ${r.query}`,
  );
  return { calls, top };
}

// ---- what one machine sends ----

function machine(i) {
  const sessions = i % 4 === 0 ? 3 : 2;
  return {
    host: `dev-${i}.example.internal`,
    sessions: Array.from(
      { length: sessions },
      (_, k) => `${i.toString(16).padStart(8, '0')}-s${k}-4a1b-9c2d-5e6f7a8b9c0d`,
    ),
    account: `acc-${i % 97}`,
    user: i % USERS,
    replica: i % REPLICAS,
    sequence: 0,
  };
}

function resource(m) {
  return {
    attributes: [
      s('service.name', 'claude-code'),
      s('service.version', '2.1.330'),
      s('host.name', m.host),
      s('os.type', 'linux'),
      s('host.arch', 'amd64'),
    ],
  };
}

const common = (m, session) => [
  s('session.id', session),
  s('user.account_uuid', m.account),
  s('organization.id', 'org-bench'),
  s('user.email', `dev${m.user}@example.com`),
  s('terminal.type', 'vscode'),
];

function logsBody(m, atMs) {
  const records = [];
  m.sessions.forEach((session, k) => {
    const t = atMs - 4_000 + k * 500;
    const event = (name, extra, offset) => ({
      timeUnixNano: ns(t + offset),
      observedTimeUnixNano: ns(t + offset),
      body: { stringValue: `claude_code.${name}` },
      attributes: [
        ...common(m, session),
        s('event.name', name),
        s('event.timestamp', new Date(t + offset).toISOString()),
        i64('event.sequence', m.sequence++),
        ...extra,
      ],
    });
    const model = MODELS[(m.sequence + k) % MODELS.length];
    records.push(
      event(
        'api_request',
        [
          s('model', model),
          s('request_id', `req_${m.host}_${m.sequence}_${t}`),
          s('input_tokens', String(3 + (m.sequence % 7))),
          s('output_tokens', String(120 + (m.sequence % 400))),
          s('cache_read_tokens', String(18_000 + (m.sequence % 5000))),
          s('cache_creation_tokens', String(400 + (m.sequence % 900))),
          s('cost_usd', '0.0123'),
          s('duration_ms', '4210'),
        ],
        0,
      ),
    );
    records.push(event('tool_result', [s('tool_name', 'Bash'), s('success', 'true'), s('duration_ms', '812')], 200));
    if ((m.sequence + k) % 3 === 0) records.push(event('user_prompt', [s('prompt_length', '142')], 300));
  });
  const body = {
    resourceLogs: [
      {
        resource: resource(m),
        scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events', version: '2.1.330' }, logRecords: records }],
      },
    ],
  };
  return Buffer.from(LogsRequest.encode(LogsRequest.fromObject(body)).finish());
}

function metricsBody(m, atMs) {
  const start = ns(atMs - METRIC_INTERVAL_MS);
  const end = ns(atMs);
  const dp = (attrs, v) => ({ attributes: attrs, startTimeUnixNano: start, timeUnixNano: end, asDouble: v });
  const tokens = [];
  const costs = [];
  const active = [];
  const lines = [];
  m.sessions.forEach((session, k) => {
    for (const model of MODELS) {
      const a = [...common(m, session), s('model', model)];
      for (const [j, type] of TYPES.entries()) tokens.push(dp([...a, s('type', type)], 100 * (j + 1) + k));
      costs.push(dp(a, 0.04 + k / 100));
    }
    active.push(dp([...common(m, session), s('type', 'cli')], 31.5));
    lines.push(dp([...common(m, session), s('type', 'added')], 12));
  });
  const sum = (name, unit, dataPoints) => ({
    name,
    unit,
    sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints },
  });
  const body = {
    resourceMetrics: [
      {
        resource: resource(m),
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.330' },
            metrics: [
              sum('claude_code.token.usage', 'tokens', tokens),
              sum('claude_code.cost.usage', 'USD', costs),
              sum('claude_code.active_time.total', 's', active),
              sum('claude_code.lines_of_code.count', 'count', lines),
            ],
          },
        ],
      },
    ],
  };
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(body)).finish());
}

/** Every export due in [0, seconds) for n machines at their random phases, in time order. */
function schedule(machines, seconds, startMs) {
  const due = [];
  const endMs = seconds * 1000;
  for (const m of machines) {
    for (let t = m.logPhase; t < endMs; t += LOG_INTERVAL_MS) due.push({ at: t, m, kind: 'logs' });
    for (let t = m.metricPhase; t < endMs; t += METRIC_INTERVAL_MS) due.push({ at: t, m, kind: 'metrics' });
  }
  due.sort((a, b) => a.at - b.at);
  for (const d of due) {
    const when = startMs + d.at;
    d.body = d.kind === 'logs' ? logsBody(d.m, when) : metricsBody(d.m, when);
  }
  return due;
}

// ---- sending ----

let agents = [];
function freshConnections() {
  for (const a of agents) a.destroy();
  // Each replica behind its own pool of keep-alive connections (a load balancer's upstream pool).
  // An idle socket is dropped after 4 s, before the server's 5 s keep-alive timeout closes it:
  // otherwise a request written just as the server closes it fails with ECONNRESET (a race of
  // the load generator, not of takt; real exporters retry it).
  agents = Array.from({ length: REPLICAS }, () => new Agent({ keepAlive: true, maxSockets: 256, timeout: 4_000 }));
}

async function post(fleet, d) {
  const replica = fleet.replicas[d.m.replica];
  try {
    const r = await timedRequest({
      agent: agents[d.m.replica],
      url: replica.url,
      path: d.kind === 'logs' ? '/v1/logs' : '/v1/metrics',
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${fleet.tokens[d.m.user]}` },
      body: d.body,
    });
    return { at: d.at, ms: r.ms, ok: r.status === 200, status: r.status };
  } catch (e) {
    return { at: d.at, ms: e.ms, ok: false, status: e.code };
  }
}

/** Sends the schedule open loop; returns latencies (ms) and errors. */
async function drive(fleet, due, startMs) {
  const results = [];
  const inflight = [];
  for (const d of due) {
    const wait = startMs + d.at - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(post(fleet, d).then((r) => results.push(r)));
  }
  await Promise.all(inflight);
  return results;
}

async function step(fleet, n) {
  const machines = Array.from({ length: n }, (_, i) => ({
    ...machine(i),
    logPhase: Math.random() * LOG_INTERVAL_MS,
    metricPhase: Math.random() * METRIC_INTERVAL_MS,
  }));
  const total = WARMUP_SECONDS + SECONDS;
  // Bodies are built before the clock starts (building them blocks this process for seconds).
  const startMs = Date.now() + 2_000 + n * 3; // room to build
  const due = schedule(machines, total, startMs);
  freshConnections();
  const statementsFrom = PG_STATEMENTS ? await resetStatements(fleet.databaseUrl) : 0;
  const countersBefore = await databaseCounters(fleet.databaseUrl);
  // The clock, the CPU and the rate start with the first export, not while the bodies are built
  // (at 10,000 machines that wait is ~30 s, which halved the cores and exports/s shown).
  const wait = startMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const cpuBefore = cpuReadable ? cpuSnapshot(fleet.cpuPids) : undefined;
  const started = Date.now();
  const results = await drive(fleet, due, started);
  const elapsed = (Date.now() - started) / 1000;
  const cpu = cpuBefore && cpuBetween(cpuBefore, cpuSnapshot(fleet.cpuPids), results.length);
  await new Promise((r) => setTimeout(r, 1_000)); // statistics of the last transactions
  const database = databaseLine(countersBefore, await databaseCounters(fleet.databaseUrl), results.length);
  const statements = PG_STATEMENTS ? await topStatements(fleet.databaseUrl, statementsFrom) : undefined;
  // Only the measured part: the exports due after the warm-up (by when each was due; results
  // arrive in the order they were answered). The warm-up's own p99 is shown beside it.
  const warmupMs = WARMUP_SECONDS * 1000;
  const measured = results.filter((r) => r.at >= warmupMs);
  const warmup = results
    .filter((r) => r.at < warmupMs)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const latencies = measured.map((r) => r.ms).sort((a, b) => a - b);
  const errors = measured.filter((r) => !r.ok);
  return {
    n,
    exports: measured.length,
    rate: results.length / elapsed,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    warmupP99: quantile(warmup, 0.99),
    errors: errors.length,
    errorKinds: [...new Set(errors.map((e) => String(e.status)))].join(','),
    cpu,
    database,
    statements: statements?.top ?? [],
    statementsPerExport: statements ? statements.calls / results.length : undefined,
    load: loadavg()[0],
  };
}

/**
 * Capacity: the fleet's mix (12 logs exports to 1 metrics export) sent closed loop by 64
 * exporters for SECONDS; exports/s, and the machines that rate serves (N/5 + N/60 = rate).
 */
async function capacity(fleet, databaseUrl) {
  // What PostgreSQL's backends are doing meanwhile (sampled every 100 ms): the "why" of a limit.
  const sampler = new pg.Client({ connectionString: databaseUrl });
  await sampler.connect();
  const waits = new Map();
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      const r = await sampler.query(
        `select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as w, count(*)::int as n
           from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid()
          group by 1`,
      );
      for (const row of r.rows) waits.set(row.w, (waits.get(row.w) ?? 0) + row.n);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const machines = Array.from({ length: 2000 }, (_, i) => machine(2_000_000 + i));
  const startMs = Date.now() - 60_000;
  const bodies = [];
  for (let k = 0; bodies.length < 40_000; k++) {
    const m = machines[k % machines.length];
    const kind = k % 13 === 12 ? 'metrics' : 'logs';
    const at = startMs + Math.floor(k / machines.length) * LOG_INTERVAL_MS;
    bodies.push({ m, kind, body: kind === 'logs' ? logsBody(m, at) : metricsBody(m, at) });
  }
  freshConnections();
  let next = 0;
  let done = 0;
  let errors = 0;
  const kinds = new Set();
  const until = Date.now() + SECONDS * 1000;
  const countersBefore = await databaseCounters(databaseUrl);
  const cpuBefore = cpuReadable ? cpuSnapshot(fleet.cpuPids) : undefined;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (Date.now() < until && next < bodies.length) {
        const r = await post(fleet, bodies[next++]);
        if (r.ok) done++;
        else {
          errors++;
          kinds.add(String(r.status));
        }
      }
    }),
  );
  const rate = done / ((Date.now() - started) / 1000);
  const cpu = cpuBefore && cpuBetween(cpuBefore, cpuSnapshot(fleet.cpuPids), done + errors);
  await new Promise((r) => setTimeout(r, 1_000));
  const database = databaseLine(countersBefore, await databaseCounters(databaseUrl), done + errors);
  sampling = false;
  await sampled;
  await sampler.end();
  const all = [...waits.values()].reduce((a, b) => a + b, 0) || 1;
  const top = [...waits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([w, n]) => `${w} ${Math.round((100 * n) / all)}%`)
    .join(', ');
  return {
    waits: top,
    cpu,
    database,
    load: loadavg()[0],
    rate,
    errors: errors ? `${errors} (${[...kinds].join(',')})` : 0,
    machines: rate / (1 / 5 + 1 / 60),
  };
}

const passes = (r) => r.errors === 0 && r.p99 <= P99_LIMIT_MS;
function show(label, r) {
  console.log(
    `${label.padEnd(9)} N=${String(r.n).padStart(5)}  ${fmt(r.rate).padStart(5)} exports/s  p50 ${fmt(r.p50, 1).padStart(7)} ms  p95 ${fmt(r.p95, 1).padStart(7)} ms  p99 ${fmt(r.p99, 1).padStart(7)} ms  max ${fmt(r.max, 0).padStart(6)} ms  (warm-up p99 ${fmt(r.warmupP99, 0)} ms)  errors ${r.errors}${r.errorKinds ? ` (${r.errorKinds})` : ''}  ${passes(r) ? 'holds' : 'FAILS'}  load ${r.load.toFixed(2)}`,
  );
  if (r.cpu) console.log(`  cpu: ${cpuLine(r.cpu)}`);
  if (r.database) console.log(`  ${r.database}`);
  if (PG_STATEMENTS && postgres.statements === 'log' && r.statements.length === 0)
    console.log(
      `  PostgreSQL: no statement over ${SLOW_STATEMENT_MS} ms (pg_stat_statements is not installed: its log)`,
    );
  if (r.statements.length > 0)
    console.log(
      `  PostgreSQL's top statements (share of statement time; ${fmt(r.statementsPerExport, 2)} statements per export):\n${r.statements.join('\n')}`,
    );
}

// ---- the run ----

const postgres = startPostgres();
let exitCode = 0;
try {
  console.log(
    `fleet: ${REPLICAS} replica(s) on one PostgreSQL, ${SECONDS} s per step after ${WARMUP_SECONDS} s warm-up; target p99 <= ${P99_LIMIT_MS} ms, no error`,
  );
  const fleet = await startFleet(await postgres.createDatabase('takt_fleet'), false);
  let best;
  let firstFail;
  let cap;
  try {
    for (const n of STEPS) {
      const r = await step(fleet, n);
      show('takt', r);
      if (!passes(r)) {
        firstFail = r;
        break;
      }
      best = r;
    }
    if (best && firstFail && firstFail.n - best.n > 250) {
      const r = await step(fleet, Math.round((best.n + firstFail.n) / 2 / 50) * 50);
      show('takt', r);
      if (passes(r)) best = r;
    }
    cap = await capacity(fleet, fleet.databaseUrl);
    console.log(
      `capacity: ${fmt(cap.rate)} exports/s closed loop (64 exporters, the fleet's mix), ${cap.errors} errors: the rate of ${fmt(cap.machines)} machines`,
    );
    console.log(`  active PostgreSQL backends meanwhile: ${cap.waits || 'none seen'}`);
    if (cap.cpu) console.log(`  cpu (load ${cap.load.toFixed(2)}): ${cpuLine(cap.cpu)}`);
    console.log(`  ${cap.database}`);
  } finally {
    await fleet.stop();
  }

  const baseN = firstFail?.n ?? STEPS.at(-1);
  let baseline;
  let dryCap;
  const dry = SKIP.has('baseline')
    ? undefined
    : await startFleet(await postgres.createDatabase('takt_fleet_dry'), true);
  if (dry)
    try {
      baseline = await step(dry, baseN);
      show('baseline', baseline);
      dryCap = await capacity(dry, dry.databaseUrl);
      console.log(
        `baseline capacity: ${fmt(dryCap.rate)} exports/s, ${dryCap.errors} errors: the rate of ${fmt(dryCap.machines)} machines`,
      );
      if (dryCap.cpu) console.log(`  cpu (load ${dryCap.load.toFixed(2)}): ${cpuLine(dryCap.cpu)}`);
    } finally {
      await dry.stop();
    }

  // Database size per machine-day: two machines' whole day, as fast as the replicas take it.
  let perMachineDay = 0;
  const dayUrl = SKIP.has('day') ? undefined : await postgres.createDatabase('takt_fleet_day');
  const day = dayUrl ? await startFleet(dayUrl, false) : undefined;
  if (day)
    try {
      const size = async () => {
        const c = new pg.Client({ connectionString: dayUrl });
        await c.connect();
        await c.query('vacuum analyze');
        const r = await c.query('select pg_database_size(current_database())::bigint as b');
        await c.end();
        return Number(r.rows[0].b);
      };
      const before = await size();
      const DAY_MACHINES = 2;
      const dayStart = Date.now() - 26 * 3_600_000;
      freshConnections();
      for (let i = 0; i < DAY_MACHINES; i++) {
        const m = { ...machine(1_000_000 + i), replica: i % REPLICAS };
        const due = [];
        for (let t = 0; t < DAY_HOURS * 3_600_000; t += LOG_INTERVAL_MS) due.push({ at: t, m, kind: 'logs' });
        for (let t = 0; t < DAY_HOURS * 3_600_000; t += METRIC_INTERVAL_MS) due.push({ at: t, m, kind: 'metrics' });
        due.sort((a, b) => a.at - b.at);
        // 32 concurrent exporters, closed loop; bodies built as they go (memory).
        let next = 0;
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            while (next < due.length) {
              const d = due[next++];
              d.body = d.kind === 'logs' ? logsBody(m, dayStart + d.at) : metricsBody(m, dayStart + d.at);
              const r = await post(day, d);
              if (!r.ok) throw new Error(`a machine-day export answered ${r.status}`);
            }
          }),
        );
      }
      perMachineDay = (((await size()) - before) / DAY_MACHINES) * (24 / DAY_HOURS);
    } finally {
      await day.stop();
    }

  console.log('');
  console.log(
    `largest N holding p99 <= ${P99_LIMIT_MS} ms with no error: ${best ? fmt(best.n) : 'none of the steps'} machines` +
      (best ? ` (${fmt(best.rate)} exports/s, p99 ${fmt(best.p99, 1)} ms)` : ''),
  );
  if (firstFail && baseline) {
    console.log(
      `first failing step: N=${fmt(firstFail.n)}: p99 ${fmt(firstFail.p99, 1)} ms, ${firstFail.errors} errors; ` +
        `baseline (storage off) at the same N: p99 ${fmt(baseline.p99, 1)} ms, ${baseline.errors} errors ` +
        `(ratio ${fmt(firstFail.p99 / Math.max(0.1, baseline.p99), 1)})`,
    );
  }
  console.log(
    `capacity of ${REPLICAS} replica(s) on one PostgreSQL (throughput, latency aside): ${fmt(cap.machines)} machines` +
      (dryCap ? ` (baseline with storage off: ${fmt(dryCap.machines)})` : ''),
  );
  if (day)
    console.log(
      `database size per machine-day (24 h of 5 s log exports and 60 s metrics, 2–3 busy sessions): ${fmt(perMachineDay / 1024 / 1024, 2)} MiB`,
    );
  // Issue 24 point 4: 10,000 machines on two replicas and PostgreSQL, p99 <= 200 ms, no error.
  const target = best && best.n >= 10_000;
  console.log(`target (N >= 10,000): ${target ? 'met' : 'NOT met'}`);
} catch (error) {
  console.error(`fleet: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  postgres.stop();
}
process.exit(exitCode);
