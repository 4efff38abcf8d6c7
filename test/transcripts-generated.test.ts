import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTranscriptIndex } from '../src/transcripts/load-transcript-index.ts';

/**
 * A realistic generated history (test/support/gen-transcripts.mjs: streaming snapshots,
 * resumed sessions, subagent files and their progress copies, sidechains, cut-off and
 * garbage lines, API errors) read by the built CLI: every day and model equals the
 * generator's ground truth to the token, cold and warm.
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs'); // the package's bin
const generator = join(import.meta.dirname, 'support', 'gen-transcripts.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-generated-'));
const root = join(scratch, 'claude');

interface Sums {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  totalTokens: number;
  entries: number;
}
interface Expected {
  totals: Sums;
  models: Record<string, Sums>;
  daily: Array<Sums & { date: string; models: Record<string, Sums> }>;
  dataset: { syntheticErrorLines: number; truncatedUsageLines: number };
}
let expected: Expected;

beforeAll(() => {
  execFileSync(process.execPath, [generator, '--out', root, '--size-mb', '24', '--seed', '7', '--quiet']);
  expected = JSON.parse(readFileSync(join(scratch, 'expected.json'), 'utf8'));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(home: string, args: string[], threads = '2', bin = main) {
  const r = spawnSync(process.execPath, [bin, 'report', ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TAKT_HOME: join(home, 'takt'),
      CLAUDE_CONFIG_DIR: root,
      TZ: 'UTC',
      TAKT_INDEX_THREADS: threads,
    },
  });
  expect(r.status, r.stderr).toBe(0);
  return { json: JSON.parse(r.stdout), stderr: r.stderr };
}
const report = (home: string, args: string[], threads = '2') => run(home, args, threads).json;

/** What `--debug` says of the index's update: files read, and how many of them the worker thread read. */
function filesRead(stderr: string) {
  const m = /^index: (\d+) file\(s\) read \([\d.]+ MB\), (\d+) by a worker thread$/m.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return { files: Number(m?.[1]), byWorker: Number(m?.[2]) };
}

/** Everything a saved index holds, but the time each directory was listed. */
function savedIndex(home: string) {
  const dir = join(home, 'takt');
  const loaded = loadTranscriptIndex(join(dir, readdirSync(dir).find((n) => n.endsWith('.idx')) as string), {
    whole: true,
  });
  const { table } = loaded;
  return {
    count: table.count,
    columns: Object.fromEntries(Object.entries(table.columns).map(([k, v]) => [k, Array.from(v)])),
    keys: Array.from(table.keyIndex.rows),
    strings: [table.models.values, table.sessions.values, table.projects.values],
    files: loaded.files.values().map((f) => ({ ...f, rows: Array.from(f.rows) })),
    // Saved with the time each directory was listed, which differs between runs; `from` is
    // the loaded index's file states (not saved).
    listings: loaded.listings.map(({ listedAt: _, from: _from, ...l }) => l),
  };
}

const ours = (s: Record<string, number>) => ({
  inputTokens: s.input_tokens,
  outputTokens: s.output_tokens,
  cacheCreationTokens: s.cache_creation_tokens,
  cacheReadTokens: s.cache_read_tokens,
  totalTokens: s.total_tokens,
});
const theirs = ({ entries: _entries, ...s }: Sums) => s;
/** Ground truth without the zero-usage `<synthetic>` error records, which takt does not count as responses. */
const real = (models: Record<string, Sums>) =>
  Object.fromEntries(
    Object.entries(models)
      .filter(([m]) => m !== '<synthetic>')
      .map(([m, s]) => [m, theirs(s)]),
  );

describe('a generated history', () => {
  const home = mkdtempSync(join(scratch, 'home-'));

  it('equals the ground truth per day and per model, to the token', () => {
    const daily = report(home, ['daily', '--breakdown']);
    expect(ours(daily.totals)).toEqual(theirs(expected.totals));
    expect(daily.totals.responses).toBe(expected.totals.entries - expected.dataset.syntheticErrorLines);
    expect(daily.rows.map((r: { date: string }) => r.date)).toEqual(expected.daily.map((d) => d.date));
    expect(
      daily.rows.map((r: { breakdown: Array<Record<string, number> & { model: string }> }) =>
        Object.fromEntries(r.breakdown.map((b) => [b.model, ours(b)])),
      ),
    ).toEqual(expected.daily.map((d) => real(d.models)));
    expect(daily.skipped_lines).toBeGreaterThanOrEqual(expected.dataset.truncatedUsageLines);
  });

  it('gives the same answer from the warm index, and per month and session', () => {
    expect(ours(report(home, ['daily']).totals)).toEqual(theirs(expected.totals));
    expect(ours(report(home, ['monthly']).totals)).toEqual(theirs(expected.totals));
    const sessions = report(home, ['session']);
    expect(ours(sessions.totals)).toEqual(theirs(expected.totals));
  });

  it('builds the same index on two threads as on one (24 MB: above the two-thread threshold)', () => {
    const one = mkdtempSync(join(scratch, 'home-'));
    const two = mkdtempSync(join(scratch, 'home-'));
    expect(filesRead(run(one, ['daily', '--debug'], '1').stderr).byWorker).toBe(0);
    const read = filesRead(run(two, ['daily', '--debug'], '2').stderr);
    // Each thread takes the next file from a shared counter: this one takes the first at once;
    // how many the worker takes depends on how soon it has started (on a busy machine this
    // thread may read all 24 MB first), so the index, not the share, is what must not change.
    expect(read.files).toBeGreaterThan(50);
    expect(read.byWorker).toBeLessThan(read.files);
    const a = savedIndex(one);
    expect(a.count).toBeGreaterThan(1000);
    expect(savedIndex(two)).toEqual(a);
  });

  it('reads here what a failed worker thread did not send: the same index', () => {
    const one = mkdtempSync(join(scratch, 'home-'));
    run(one, ['daily'], '1');
    const expectedIndex = savedIndex(one);
    // A copy of the built CLI whose worker script fails: at once, or after sending 3 files
    // (it has then taken a 4th, which it never sends).
    const failing = {
      'at start': "throw new Error('the reader thread fails on purpose');\n",
      'after 3 files': [
        "const { parentPort } = require('node:worker_threads');",
        'const post = parentPort.postMessage.bind(parentPort);',
        'let sent = 0;',
        'parentPort.postMessage = (message, transfer) => {',
        '  if (sent++ === 3) process.exit(3);',
        '  post(message, transfer);',
        '};',
        "require('./scan-worker-real.cjs');",
        '',
      ].join('\n'),
    };
    for (const [when, script] of Object.entries(failing)) {
      const dist = mkdtempSync(join(scratch, 'dist-'));
      cpSync(join(import.meta.dirname, '..', 'dist'), dist, { recursive: true, filter: (f) => !f.includes('/web/') });
      renameSync(join(dist, 'scan-worker.cjs'), join(dist, 'scan-worker-real.cjs'));
      writeFileSync(join(dist, 'scan-worker.cjs'), script);
      const home = mkdtempSync(join(scratch, 'home-'));
      const r = run(home, ['daily', '--debug'], '2', join(dist, 'takt.cjs'));
      expect(ours(r.json.totals), when).toEqual(theirs(expected.totals));
      // It sends three files and stops on taking a fourth, unless this thread has read all but
      // a few files before it started (a busy machine: then it sends 0, 1 or 2 and runs out of
      // files first); never more than three. Nothing is lost or counted twice either way.
      const byWorker = filesRead(r.stderr).byWorker;
      if (when === 'at start') expect(byWorker).toBe(0);
      else expect(byWorker, when).toBeLessThanOrEqual(3);
      expect(savedIndex(home), when).toEqual(expectedIndex);
    }
  });
});
