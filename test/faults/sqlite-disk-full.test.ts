import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExporters, storedBySession } from '../support/steady-exporters.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The disk under SQLite fills up (a 16 MB tmpfs as TAKT_HOME): exports are answered 503
 * (retryable), never 200 for what was not stored; once space returns ingest resumes by
 * itself and the database passes PRAGMA integrity_check. CI runs as root; elsewhere the
 * mount is refused and the test is skipped, saying so. The tmpfs must hold the whole
 * database after space returns: 3,000 exports take ~2 MB of database plus a WAL of up to
 * ~4 MB (1,000 pages before a checkpoint), and a checkpoint cannot run while the database
 * file has no room to grow (6 MB was too small once rows grew, and ingest stayed 503).
 */
const dir = mkdtempSync(join(tmpdir(), 'takt-full-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir]).status === 0;
if (!mounted)
  console.warn(`sqlite-disk-full: skipped, cannot mount a tmpfs on ${dir} (run as root to test a full disk)`);
let takt: TestTakt;

beforeAll(async () => {
  if (mounted) takt = await startTakt({ env: { TAKT_HOME: dir } });
});
afterAll(async () => {
  await takt?.stop();
  if (mounted) execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Fills the file system with one file until it refuses another byte (ENOSPC). */
function fill(path: string): void {
  const chunk = Buffer.alloc(64 * 1024);
  const fd = openSync(path, 'a');
  let size = 0;
  const full = () => {
    try {
      writeSync(fd, chunk);
      size += chunk.length;
      return size > 64 * 1024 * 1024;
    } catch {
      return true; // ENOSPC: the end of the disk
    }
  };
  while (!full());
  closeSync(fd);
  writeFileSync(`${path}.check`, ''); // empty files still fit; the writes above found the end
}

it.skipIf(!mounted)(
  'answers 503 while the disk is full, acknowledges only what it stored, resumes when space returns',
  async () => {
    const filler = join(dir, 'filler');
    const run = runExporters({
      baseUrl: () => takt.directUrl,
      token: takt.token,
      count: 3000,
      workers: 4,
      retryDelayMs: 50,
    });
    const acknowledgedCount = () => run.outcomes.filter((o) => o.acknowledgedAt !== undefined).length;
    await waitFor('the first 50 exports acknowledged', acknowledgedCount, (n) => n >= 50, 60_000);
    fill(filler);
    const refusals = () => run.outcomes.reduce((n, o) => n + o.statuses.filter((s) => s === 503).length, 0);
    await waitFor('20 refusals (503) while the disk is full', refusals, (n) => n >= 20, 60_000);

    // While full: everything acknowledged so far is readable from the store.
    const acknowledged = run.outcomes.filter((o) => o.acknowledgedAt !== undefined);
    const whileFull = await storedBySession(takt.directUrl, takt.token);
    const missing = acknowledged.filter((o) => whileFull.get(`fault-${o.index}`) !== o.value);
    const refusedWhileFull = refusals();

    rmSync(filler, { force: true });
    rmSync(`${filler}.check`, { force: true });
    await waitFor('all 3000 exports acknowledged after space returned', acknowledgedCount, (n) => n === 3000, 180_000);
    await run.done;
    const stored = await storedBySession(takt.directUrl, takt.token);
    await takt.stop();
    const db = new Database(join(dir, 'takt.db'), { readonly: true });
    const integrity = db.pragma('integrity_check', { simple: true });
    db.close();

    expect(refusedWhileFull).toBeGreaterThanOrEqual(20);
    expect(missing).toEqual([]);
    expect([...new Set(run.outcomes.flatMap((o) => o.statuses))].sort()).toEqual([200, 503]);
    expect(stored.size).toBe(3000);
    expect([...stored.values()].reduce((a, b) => a + b, 0)).toBe(run.outcomes.reduce((a, o) => a + o.value, 0));
    expect(integrity).toBe('ok');
  },
  // Three waits of up to 60 s, 60 s and 180 s, each failing with what it saw.
  330_000,
);
