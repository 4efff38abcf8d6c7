// Transcript benchmark: takt's offline reports and status line against ccusage (its native
// release, @ccusage/ccusage-linux-x64) on the same generated history, in the same run.
//
//   npm run bench -- transcripts        (after npm run build)
//
// BENCH_TRANSCRIPTS_MB (default 1024) sets the history's size; BENCH_TRANSCRIPTS_DIR keeps
// the generated data between runs (it is regenerated when its expected.json is missing or
// of another size). Every command runs as its own process, as a user would run it; the
// figure is the median wall time of several runs and the largest peak RSS (GNU time's %M).
//
// Measured:
//   node_bare            node -e ''                       (the floor for every Node CLI)
//   takt cold            takt report daily --json, no index in TAKT_HOME
//   takt warm            the same again, nothing changed
//   takt statusline      Claude Code's stdin, warm index
//   ccusage daily        ccusage daily --json --offline
//   ccusage statusline   ccusage statusline --offline --no-cache (its cache would skip the work)
// and checks that takt's totals equal the generator's ground truth to the token.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'dist/takt.cjs'); // the package's bin
const generator = join(root, 'test/support/gen-transcripts.mjs');
const ccusage = join(root, 'node_modules/@ccusage/ccusage-linux-x64/bin/ccusage');
const sizeMb = Number(process.env.BENCH_TRANSCRIPTS_MB ?? 1024);
const dataDir = process.env.BENCH_TRANSCRIPTS_DIR ?? join(tmpdir(), `takt-bench-transcripts-${sizeMb}`);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3);
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function ensureData() {
  const expectedFile = join(dataDir, 'expected.json');
  if (existsSync(expectedFile)) {
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
    if (expected.generator?.sizeMb === sizeMb) return expected;
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  console.log(`generating a ${sizeMb} MB history in ${dataDir} …`);
  execFileSync(
    process.execPath,
    [generator, '--out', join(dataDir, 'claude'), '--size-mb', String(sizeMb), '--seed', '1', '--quiet'],
    {
      stdio: 'inherit',
    },
  );
  return JSON.parse(readFileSync(expectedFile, 'utf8'));
}

/** One run: wall time in ms (from spawn to exit) and peak RSS in MB (GNU time), stdout. */
function runOnce(command, args, { env, input }) {
  const argv = gnuTime ? ['-f', '%M', command, ...args] : args;
  const start = process.hrtime.bigint();
  const result = spawnSync(gnuTime ?? command, argv, { env, input, maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(-2000)}`);
  }
  let rssMb = Number.NaN;
  if (gnuTime) {
    const lines = result.stderr.toString().trim().split('\n');
    rssMb = Number(lines[lines.length - 1]) / 1024;
  }
  return { ms, rssMb, stdout: result.stdout.toString() };
}

function measure(label, runs, command, args, options, before) {
  const times = [];
  let rss = 0;
  let stdout = '';
  for (let i = 0; i < runs; i++) {
    before?.();
    const r = runOnce(command, args, options);
    times.push(r.ms);
    rss = Math.max(rss, r.rssMb);
    stdout = r.stdout;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `  ${label.padEnd(20)} ${median.toFixed(1).padStart(8)} ms  ${rss.toFixed(0).padStart(5)} MB  (${runs} runs, min ${times[0].toFixed(1)})`,
  );
  return { median, rss, stdout };
}

const expected = ensureData();
const claudeDir = join(dataDir, 'claude');
const statusInput = readFileSync(join(dataDir, 'statusline-input.json'));
chmodSync(ccusage, 0o755);

const scratch = mkdtempSync(join(tmpdir(), 'takt-bench-home-'));
const takthome = join(scratch, 'takt');
const env = {
  PATH: process.env.PATH,
  HOME: scratch,
  TAKT_HOME: takthome,
  CLAUDE_CONFIG_DIR: claudeDir,
  TZ: 'UTC',
  LANG: 'C.UTF-8',
};
const bytes = expected.dataset.bytes;
console.log(
  `transcripts: ${(bytes / 1e9).toFixed(2)} GB, ${expected.dataset.files} files, ${expected.dataset.lines} lines; ` +
    `median wall time and peak RSS per command`,
);

try {
  measure('node_bare', RUNS, process.execPath, ['-e', ''], { env });
  const ccDaily = measure('ccusage daily', Math.min(RUNS, 5), ccusage, ['daily', '--json', '--offline'], { env });
  const ccStatus = measure(
    'ccusage statusline',
    Math.min(RUNS, 5),
    ccusage,
    ['statusline', '--offline', '--no-cache'],
    {
      env,
      input: statusInput,
    },
  );
  const report = [main, 'report', 'daily', '--json'];
  const cold = measure('takt cold', COLD_RUNS, process.execPath, report, { env }, () =>
    rmSync(takthome, { recursive: true, force: true }),
  );
  const warm = measure('takt warm', RUNS, process.execPath, report, { env });
  // The status line refreshes the rest of the history in the background at most once a
  // minute; the steady state measured here is between two such refreshes.
  writeFileSync(join(takthome, 'index-refresh.at'), '');
  // "now" is the end of the generated history, where its current session is active.
  const now = ['--now', expected.generator.end];
  const status = measure('takt statusline', RUNS, process.execPath, [main, 'statusline', ...now], {
    env,
    input: statusInput,
  });
  // The machine's speed drifts between phases: the status line's cost over Node's own start
  // is taken from runs side by side (bare, status line, bare, …), median of the differences.
  const deltas = [];
  for (let i = 0; i < Math.max(RUNS, 11); i++) {
    const bare = runOnce(process.execPath, ['-e', ''], { env }).ms;
    const line = runOnce(process.execPath, [main, 'statusline', ...now], { env, input: statusInput }).ms;
    deltas.push(line - bare);
  }
  deltas.sort((a, b) => a - b);
  const statusOverNode = deltas[Math.floor(deltas.length / 2)];

  const totals = JSON.parse(warm.stdout).totals;
  const truth = expected.totals;
  const exact =
    totals.input_tokens === truth.inputTokens &&
    totals.output_tokens === truth.outputTokens &&
    totals.cache_creation_tokens === truth.cacheCreationTokens &&
    totals.cache_read_tokens === truth.cacheReadTokens;
  const ratio = (a, b) => (a / b).toFixed(3);
  console.log('');
  console.log(`  takt cold / ccusage daily         ${ratio(cold.median, ccDaily.median)}  (target <= 1.0)`);
  console.log(`  takt warm / ccusage daily         ${ratio(warm.median, ccDaily.median)}  (target <= 0.05)`);
  console.log(
    `  takt statusline - node_bare       ${statusOverNode.toFixed(1)} ms paired (target <= 25 ms); ` +
      `vs ccusage statusline ${ratio(status.median, ccStatus.median)}`,
  );
  const peak = Math.max(cold.rss, warm.rss, status.rss);
  console.log(`  takt peak RSS / ccusage daily     ${ratio(peak, ccDaily.rss)}  (target <= 1.0)`);
  console.log(`  status line: ${status.stdout.trim()}`);
  console.log(
    `  totals equal the ground truth to the token: ${exact ? 'yes' : `NO (takt ${JSON.stringify(totals)})`}; ` +
      `index ${(statSync(join(takthome, readIndexName(takthome))).size / 1e6).toFixed(1)} MB`,
  );
  if (!exact) process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function readIndexName(dir) {
  return readdirSync(dir).find((n) => n.startsWith('transcripts-') && n.endsWith('.idx'));
}
