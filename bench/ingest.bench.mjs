// Ingest benchmark: OTLP/HTTP protobuf exports shaped like Claude Code's, against
// `takt serve` (durable SQLite: WAL + synchronous=FULL) and, as the baseline in the
// same run, the same server with storage switched off (TAKT_INGEST_DRY_RUN=1).
//
//   npm run bench -- ingest          (after npm run build)
//   npm run bench -- ingest --check  fails when a ratio passes its bench/budgets.json budget
//
// Prints throughput (data points per second, closed loop, 16 concurrent exporters,
// 100-point batches) and latency (open loop at 1,000 exports/s, 10-point batches:
// p50/p99), and the ratios to the baseline. Every export carries new points, so
// nothing is skipped as a duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { createToken, fmt, latencySummary, printTable, root, startTaktServe, timedRequest } from './bench-kit.mjs';
import { reportRatios } from './budget-check.mjs';

const proto = protobuf.loadSync(join(root, 'src/ingest/proto/otlp.proto'));
const MetricsRequest = proto.lookupType('opentelemetry.proto.ExportMetricsServiceRequest');

const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const LATENCY_SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const RATE = 1000;
const MODELS = ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805'];
const TYPES = ['input', 'output', 'cacheRead', 'cacheCreation'];

const s = (key, v) => ({ key, value: { stringValue: v } });

/**
 * One export as Claude Code sends it (delta temporality): for each (session, model)
 * in the batch, claude_code.token.usage points of the four types and one
 * claude_code.cost.usage point. `points` is a multiple of 5. Export n is new data
 * (its own time window), so nothing is a duplicate.
 */
function exportBody(n, points) {
  const t = BigInt(Date.UTC(2026, 10, 1)) * 1_000_000n + BigInt(n) * 1_000_000_000n;
  const tokenPoints = [];
  const costPoints = [];
  for (let g = 0; g < points / 5; g++) {
    const model = MODELS[g % MODELS.length];
    const attrs = [
      s('session.id', `bench-${(n * 7 + g) % 5000}`),
      s('user.account_uuid', `acc-${g % 3}`),
      s('organization.id', 'org-1'),
      s('terminal.type', 'vscode'),
      s('model', model),
    ];
    const dp = (extra, v) => ({
      attributes: [...attrs, ...extra],
      startTimeUnixNano: String(t - 60_000_000_000n),
      timeUnixNano: String(t),
      asDouble: v,
    });
    for (const [i, type] of TYPES.entries()) tokenPoints.push(dp([s('type', type)], 100 + i + g));
    costPoints.push(dp([], 0.001 * (g + 1)));
  }
  const body = {
    resourceMetrics: [
      {
        resource: {
          attributes: [
            s('service.name', 'claude-code'),
            s('service.version', '2.1.330'),
            s('host.name', `bench-host-${n % 4}`),
          ],
        },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.330' },
            metrics: [
              {
                name: 'claude_code.token.usage',
                unit: 'tokens',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: tokenPoints },
              },
              {
                name: 'claude_code.cost.usage',
                unit: 'USD',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: costPoints },
              },
            ],
          },
        ],
      },
    ],
  };
  return Buffer.from(MetricsRequest.encode(MetricsRequest.fromObject(body)).finish());
}

async function startServer(dryRun) {
  const home = mkdtempSync(join(tmpdir(), 'takt-bench-'));
  const env = {
    ...process.env,
    TAKT_HOME: home,
    TAKT_HTTP_PORT: '0',
    TAKT_GRPC: '0',
    TAKT_INGEST_DRY_RUN: dryRun ? '1' : '0',
  };
  const token = createToken(env, 'bench@example.com');
  const server = await startTaktServe(env, {
    startTimeoutMs: 20_000,
    onStop: () => rmSync(home, { recursive: true, force: true }),
  });
  return { ...server, token };
}

// Keep-alive connections, fresh for each phase: building a phase's bodies blocks this
// process for seconds, long enough for the server to close idle connections (5 s), and a
// request written to one the client has not yet seen closed fails with "socket hang up".
let agent = new Agent({ keepAlive: true, maxSockets: 64 });
function freshConnections() {
  agent.destroy();
  agent = new Agent({ keepAlive: true, maxSockets: 64 });
}

async function post(server, body) {
  const r = await timedRequest({
    agent,
    url: server.url,
    path: '/v1/metrics',
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${server.token}` },
    body,
  });
  if (r.status !== 200) throw new Error(`export answered ${r.status}`);
  return r.ms;
}

let sequence = 0;
async function throughput(server, seconds) {
  const POINTS = 100;
  const bodies = Array.from({ length: 600 * seconds }, () => exportBody(sequence++, POINTS));
  freshConnections();
  let next = 0;
  let done = 0;
  const until = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < until && next < bodies.length) {
        await post(server, bodies[next++]);
        done++;
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { pointsPerSecond: (done * POINTS) / elapsed, exports: done };
}

async function latency(server) {
  const POINTS = 10;
  const total = RATE * LATENCY_SECONDS;
  const bodies = Array.from({ length: total }, () => exportBody(sequence++, POINTS));
  freshConnections();
  const latencies = [];
  const started = Date.now();
  const inflight = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(post(server, bodies[i]).then((ms) => latencies.push(ms)));
  }
  await Promise.all(inflight);
  const achieved = total / ((Date.now() - started) / 1000);
  const { p50, p99, max } = latencySummary(latencies);
  return { p50, p99, max, rate: achieved };
}

async function measure(dryRun) {
  const server = await startServer(dryRun);
  try {
    await throughput(server, 2); // warm-up: let V8 compile the hot paths
    const l = await latency(server);
    const t = await throughput(server, THROUGHPUT_SECONDS);
    return { ...t, ...l };
  } finally {
    await server.stop();
  }
}

console.log(`ingest: OTLP/HTTP protobuf, ${THROUGHPUT_SECONDS}s per phase (after a 2 s warm-up)`);
const baseline = await measure(true);
const durable = await measure(false);
const rows = [
  ['', 'takt (SQLite, synchronous=FULL)', 'baseline (storage off)', 'ratio'],
  [
    'throughput, points/s',
    fmt(durable.pointsPerSecond),
    fmt(baseline.pointsPerSecond),
    fmt(durable.pointsPerSecond / baseline.pointsPerSecond, 2),
  ],
  ['latency p50 @1000/s, ms', fmt(durable.p50, 2), fmt(baseline.p50, 2), fmt(durable.p50 / baseline.p50, 2)],
  ['latency p99 @1000/s, ms', fmt(durable.p99, 2), fmt(baseline.p99, 2), fmt(durable.p99 / baseline.p99, 2)],
  ['latency max, ms', fmt(durable.max, 1), fmt(baseline.max, 1), ''],
  ['achieved rate, exports/s', fmt(durable.rate), fmt(baseline.rate), ''],
];
printTable(rows);
const ok = durable.pointsPerSecond >= 50_000 && durable.p99 < 20;
console.log(`targets (>= 50,000 points/s, p99 < 20 ms at 1,000 exports/s): ${ok ? 'met' : 'NOT met'}`);
// The latency ratios mean something only when the load generator kept its open-loop rate on
// both servers; on a saturated machine it falls behind and the latencies are queueing in this
// process. Then they are not measured (and --check fails: it could not check, not a pass).
const keptRate = Math.min(durable.rate, baseline.rate) >= 0.9 * RATE;
if (!keptRate)
  console.log(
    `latency ratios not measured: the load generator reached only ${fmt(Math.min(durable.rate, baseline.rate))} of ${RATE} exports/s`,
  );
reportRatios('ingest', 'default', {
  throughput_over_baseline: durable.pointsPerSecond / baseline.pointsPerSecond,
  p50_over_baseline: keptRate ? durable.p50 / baseline.p50 : Number.NaN,
  p99_over_baseline: keptRate ? durable.p99 / baseline.p99 : Number.NaN,
});
