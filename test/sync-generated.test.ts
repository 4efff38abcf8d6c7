import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../src/agent/sync-transcripts.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * `takt sync` (the built CLI) uploading a generated history (test/support/gen-transcripts.mjs)
 * in pieces — files appearing, and files growing by halves cut anywhere, even mid-line —
 * re-synced, with the server stopped in the middle: the server's totals equal the generator's
 * ground truth to the token, and nothing is counted twice.
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const generator = join(import.meta.dirname, 'support', 'gen-transcripts.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-sync-gen-'));
const generated = join(scratch, 'generated');
const live = join(scratch, 'live');
const home = join(scratch, 'home');

interface Sums {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}
let expected: { totals: Sums };
let takt: TestTakt;
let client: TestClient;

let restarted: RunningServer | undefined;

const env = {
  PATH: process.env.PATH,
  HOME: home,
  TAKT_HOME: join(home, 'takt'),
  TZ: 'UTC',
};

/** The CLI, run without blocking this process (the server under test runs in it). */
function sync(args: string[]): Promise<{ status: number | null; summary: SyncSummary; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [main, 'sync', '--server', takt.directUrl, '--token', takt.token, '--json', ...args],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (status) => resolve({ status, summary: stdout ? JSON.parse(stdout) : null, stderr }));
  });
}

const totals = async () => {
  const u = await client.call('GET', '/api/usage?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z');
  return {
    inputTokens: u.body.totals.input_tokens,
    outputTokens: u.body.totals.output_tokens,
    cacheCreationTokens: u.body.totals.cache_creation_tokens,
    cacheReadTokens: u.body.totals.cache_read_tokens,
  };
};
const truth = () => ({
  inputTokens: expected.totals.inputTokens,
  outputTokens: expected.totals.outputTokens,
  cacheCreationTokens: expected.totals.cacheCreationTokens,
  cacheReadTokens: expected.totals.cacheReadTokens,
});

function transcriptFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.jsonl'))
    .map((p) => join(dir, p))
    .sort();
}

async function until<T>(what: string, probe: () => Promise<T> | T, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  execFileSync(process.execPath, [
    generator,
    '--out',
    join(generated, 'claude'),
    '--size-mb',
    '12',
    '--seed',
    '11',
    '--quiet',
  ]);
  expected = JSON.parse(readFileSync(join(generated, 'expected.json'), 'utf8'));
  mkdirSync(join(live, 'projects'), { recursive: true });
  takt = await startTakt();
  client = new TestClient(takt.directUrl, takt.token);
}, 120_000);

afterAll(async () => {
  await restarted?.close();
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('takt sync with a generated history', () => {
  const files = () => transcriptFiles(join(generated, 'claude', 'projects'));
  const target = (f: string) => join(live, 'projects', relative(join(generated, 'claude', 'projects'), f));
  /** Where each file was cut: the first piece ends here (anywhere, even in the middle of a line). */
  const cutAt = (f: string, i: number) => Math.floor(statSync(f).size * [0.5, 0.37, 0.81][i % 3]!);
  let watcher: ChildProcess | undefined;

  it('syncs the first pieces: the files of the first sessions, and halves of others', async () => {
    for (const [i, f] of files().entries()) {
      if (i % 3 === 2) continue; // appears later
      mkdirSync(dirname(target(f)), { recursive: true });
      const bytes = readFileSync(f);
      writeFileSync(target(f), bytes.subarray(0, cutAt(f, i)));
    }
    const r = await sync(['--dir', live]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.summary).toMatchObject({ duplicates: 0, rejected: 0, queued: 0, serverAway: null, errors: [] });
    expect(r.summary.stored).toBeGreaterThan(50);
  });

  it('queues what it reads while the server is stopped and says so (exit 3), losing nothing', async () => {
    await takt.server.close();
    for (const [i, f] of files().entries()) {
      if (i % 3 === 2) continue;
      appendFileSync(target(f), readFileSync(f).subarray(cutAt(f, i)));
    }
    const r = await sync(['--dir', live]);
    expect(r.status).toBe(3);
    expect(r.summary).toMatchObject({ stored: 0, serverAway: expect.stringContaining('cannot reach') });
    expect(r.summary.queued).toBeGreaterThan(0);
    expect(r.stderr).toContain('the server is away');
  });

  it('--watch keeps trying, says once that the server is away, and sends the queue when it is back', async () => {
    watcher = spawn(
      process.execPath,
      [main, 'sync', '--server', takt.directUrl, '--token', takt.token, '--dir', live, '--watch', '--interval', '1'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    watcher.stderr?.on('data', (d) => {
      stderr += String(d);
    });
    watcher.stdout?.resume();
    await until(
      'the away message',
      () => stderr,
      (s) => s.includes('server is away'),
    );
    // Several retries go by while it is away: counted at the port, which takes each
    // connection and drops it unanswered, until the server is back.
    let tries = 0;
    const dropper = createServer((socket) => {
      tries++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(takt.server.httpPort, '127.0.0.1', resolve));
    await until(
      'three retries',
      () => tries,
      (n) => n >= 3,
    );
    await new Promise<void>((resolve) => dropper.close(() => resolve()));
    // The rest of the files appear while the server is still away.
    for (const [i, f] of files().entries()) {
      if (i % 3 !== 2) continue;
      mkdirSync(dirname(target(f)), { recursive: true });
      writeFileSync(target(f), readFileSync(f));
    }
    // The server starts again on its port, with its database.
    restarted = await startServer({ ...takt.server.context.config, httpPort: takt.server.httpPort });
    const t = await until('the totals', totals, (v) => JSON.stringify(v) === JSON.stringify(truth()));
    expect(t).toEqual(truth());
    await until(
      'the back message',
      () => stderr,
      (s) => s.includes('answers again'),
    );
    const exited = new Promise<number | null>((resolve) => watcher?.once('exit', resolve));
    watcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr.match(/server is away/g)).toHaveLength(1);
    expect(stderr.match(/the server answers again/g)).toHaveLength(1);
  });

  it('a re-sync from scratch and a second copy of the files add nothing', async () => {
    const again = await sync(['--dir', live]);
    expect(again.summary).toMatchObject({ stored: 0, duplicates: 0, queued: 0, found: 0 });
    // Forget everything acknowledged: every record goes again, and the server knows each one.
    for (const name of readdirSync(join(home, 'takt'))) {
      if (name.startsWith('sync-state-')) rmSync(join(home, 'takt', name));
    }
    const fresh = await sync(['--dir', live]);
    expect(fresh.summary.stored).toBe(0);
    expect(fresh.summary.duplicates).toBe(fresh.summary.found);
    // A copy of the same transcripts elsewhere (another machine's sync root).
    const copy = join(scratch, 'copy');
    execFileSync('cp', ['-r', live, copy]);
    const second = await sync(['--dir', copy]);
    expect(second.summary).toMatchObject({ stored: 0, rejected: 0 });
    expect(await totals()).toEqual(truth());
  });
});
