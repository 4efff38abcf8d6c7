import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type ExportOutcome, runExporters, storedBySession } from '../support/steady-exporters.ts';
import { postgresDatabase, sqliteDatabase, type TestDatabase } from '../support/test-databases.ts';

/**
 * `takt serve` (the built CLI) killed with SIGKILL three times under steady ingest, on
 * SQLite and on PostgreSQL: after each kill every export that got a 2xx is in the store;
 * once the exporters have resent what was not acknowledged, the totals equal what was
 * sent, exactly (a resend of an export stored but not acknowledged is not counted twice).
 */
const main = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
const run = promisify(execFile);
const homes: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  // A failed or timed-out run must not leave servers behind.
  for (const c of children) c.kill('SIGKILL');
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

function serve(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [main, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      if (/HTTP http:/.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`takt serve exited (${code}) before listening: ${out}`)));
  });
}

const acknowledged = (outcomes: ExportOutcome[]) => outcomes.filter((o) => o.acknowledgedAt !== undefined);

describe.each([
  ['sqlite', async () => sqliteDatabase()],
  ['postgres', postgresDatabase],
] as [string, () => Promise<TestDatabase>][])('SIGKILL under ingest on %s', (_name, create) => {
  it('keeps every acknowledged export; after resends the totals are exact', async () => {
    const database = await create();
    const home = mkdtempSync(join(tmpdir(), 'takt-kill-'));
    homes.push(home);
    const port = await freePort();
    const env = {
      ...process.env,
      TAKT_HOME: home,
      TAKT_DATABASE_URL: database.url,
      TAKT_HTTP_PORT: String(port),
      TAKT_GRPC: '0',
    };
    const { stdout } = await run(process.execPath, [main, 'token', 'create', '--email', 'k@example.com', '--json'], {
      env,
    });
    const { token } = JSON.parse(stdout) as { token: string };
    const url = `http://127.0.0.1:${port}`;
    const exporters = runExporters({ baseUrl: () => url, token, count: 1500, workers: 6, retryDelayMs: 50 });

    let child = await serve(env);
    const missingAfterKill: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 400 + kill * 150));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      // Snapshot what was acknowledged before the kill, then look in the store after a restart.
      const before = acknowledged(exporters.outcomes);
      child = await serve(env);
      const stored = await storedBySession(url, token);
      missingAfterKill.push(before.filter((o) => stored.get(`fault-${o.index}`) !== o.value).length);
    }
    await exporters.done;
    const stored = await storedBySession(url, token);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await database.drop();

    const kinds = new Set(exporters.outcomes.flatMap((o) => o.statuses));
    expect(missingAfterKill).toEqual([0, 0, 0]);
    expect(kinds.has(0)).toBe(true); // some exports were cut off by a kill and resent
    expect([...kinds].filter((s) => s !== 0 && s !== 200)).toEqual([]);
    expect(stored.size).toBe(1500);
    expect([...stored.values()].reduce((a, b) => a + b, 0)).toBe(exporters.outcomes.reduce((a, o) => a + o.value, 0));
  }, 120_000);
});
