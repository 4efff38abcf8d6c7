// Export benchmark: GET /api/export of a million requests, streamed by `takt serve` on SQLite,
// with the server's memory watched (VmRSS sampled every 20 ms from /proc, and VmHWM, the peak).
//
//   npm run bench -- export             (BENCH_EXPORT_ROWS=… to change the size; default 1,000,000)
//
// The store is filled straight in SQL (as bench/dashboard-data.mjs does): one user, 4 machines,
// sessions of 200 api_request records, and the hourly rollup the counting rule reads. The
// baseline is the same export of a tenth of the rows in the same run: memory that stays flat
// ("streamed") shows as a ratio near 1, memory that grows with rows as a ratio near 10.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/main.js');
const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const home = mkdtempSync(join(tmpdir(), 'takt-bench-export-'));
const env = { ...process.env, TAKT_HOME: home, TAKT_HTTP_PORT: '0', TAKT_GRPC: '0' };
const MODEL = 'claude-sonnet-4-5-20250929';
const START = Date.parse('2026-01-01T00:00:00Z');
const STEP = 15_000; // a request every 15 s: a million span about 174 days

const { token } = JSON.parse(
  execFileSync(process.execPath, [main, 'token', 'create', '--email', 'bench@example.com', '--json'], {
    env,
  }).toString(),
);
const t0 = performance.now();
const db = new Database(join(home, 'takt.db'));
db.pragma('journal_mode = WAL');
const userId = db.prepare('select id from users where email = ?').get('bench@example.com').id;
const machines = ['m1', 'm2', 'm3', 'm4'];
const addMachine = db.prepare(
  'insert into machines (id, user_id, host_name, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)',
);
for (const m of machines) addMachine.run(m, userId, `host-${m}`, START, START);
const insert = db.prepare(`insert into usage_records (user_id, dedupe_key, source, ts, machine_id, account_id,
  session_id, model, request_id, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
  cache_creation_5m_tokens, cache_creation_1h_tokens, cost_usd, token_id)
  values (?, ?, 'event', ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, '')`);
const fill = db.transaction((from, to) => {
  for (let i = from; i < to; i++) {
    const ts = START + i * STEP;
    const key = `${ts.toString(36).padStart(9, '0')}:e:req_${i}`;
    const session = `sess-${Math.floor(i / 200)}`;
    insert.run(
      userId,
      key,
      ts,
      machines[i % 4],
      session,
      MODEL,
      `req_${i}`,
      100 + (i % 7),
      500,
      20_000,
      300,
      300,
      0.0123,
    );
  }
});
for (let i = 0; i < ROWS; i += 100_000) fill(i, Math.min(ROWS, i + 100_000));
db.exec(`insert into usage_hourly select user_id, (ts / 3600000) * 3600000, session_id, model, source, machine_id,
  account_id, count(*), sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_creation_tokens),
  sum(cache_creation_5m_tokens), sum(cache_creation_1h_tokens), sum(cost_usd)
  from usage_records group by 1, 2, 3, 4, 5, 6, 7`);
db.close();
console.log(
  `export: ${ROWS.toLocaleString('en')} records generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

const child = spawn(process.execPath, [main, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => {
    child.kill('SIGTERM');
    reject(new Error('takt serve did not start in 60 s'));
  }, 60_000);
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /HTTP (http:\/\/[^\s,]+)/.exec(out);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  child.once('exit', (code) => reject(new Error(`takt serve exited with ${code}`)));
});

const memory = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
};

/** Streams one export, discarding it; bytes, rows, seconds and the server's RSS peak while it ran. */
async function exportOnce(rows, format) {
  const to = new Date(START + rows * STEP).toISOString();
  let peak = memory().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memory().rss);
  }, 20);
  const started = performance.now();
  const r = await fetch(`${url}/api/export?format=${format}&from=${new Date(START).toISOString()}&to=${to}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (r.status !== 200) throw new Error(`export answered ${r.status}: ${await r.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of r.body) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  clearInterval(sampler);
  peak = Math.max(peak, memory().rss);
  return { seconds: (performance.now() - started) / 1000, bytes, lines, peak };
}

try {
  await exportOnce(1000, 'csv'); // warm
  const idle = memory().rss;
  const results = [];
  for (const format of ['csv', 'jsonl']) {
    const small = await exportOnce(Math.floor(ROWS / 10), format);
    const large = await exportOnce(ROWS, format);
    results.push({ format, small, large });
  }
  const { hwm } = memory();
  console.log(`server RSS idle after a warm-up: ${idle.toFixed(0)} MiB`);
  console.log('| format | rows | MB sent | seconds | rows/s | server peak RSS, MiB | growth over idle, MiB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { format, small, large } of results) {
    for (const [n, x] of [
      [Math.floor(ROWS / 10), small],
      [ROWS, large],
    ]) {
      console.log(
        `| ${format} | ${n.toLocaleString('en')} | ${(x.bytes / 1e6).toFixed(0)} | ${x.seconds.toFixed(1)} | ${Math.round(n / x.seconds).toLocaleString('en')} | ${x.peak.toFixed(0)} | ${(x.peak - idle).toFixed(0)} |`,
      );
    }
    console.log(
      `${format}: ${large.lines - 1 === ROWS || large.lines === ROWS ? 'all rows arrived' : `ROWS MISSING: ${large.lines} lines`}; peak growth ratio 10× rows / 1× rows = ${((large.peak - idle) / Math.max(1, small.peak - idle)).toFixed(2)}`,
    );
  }
  console.log(`server VmHWM (peak RSS since start): ${hwm.toFixed(0)} MiB`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(home, { recursive: true, force: true });
}
