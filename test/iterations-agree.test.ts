import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 21.4, end to end: the same transcripts with usage.iterations[] (a compaction step with a
 * partial streaming copy, two advisor calls at Opus under a Sonnet message, an ordinary line, an
 * old client's cache split) give the same exact tokens in `takt report --json` (offline) and,
 * after `takt sync`, in the server's /api/usage — per model, so each iteration is counted at its
 * own model. The expected figures are worked out by hand from test/fixtures/transcripts/iterations.
 */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-iterations-'));
const claude = join(scratch, 'claude');
const home = join(scratch, 'home');
const env = { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, 'takt'), CLAUDE_CONFIG_DIR: claude, TZ: 'UTC' };
let takt: TestTakt;

beforeAll(async () => {
  cpSync(join(import.meta.dirname, 'fixtures', 'transcripts', 'iterations'), claude, { recursive: true });
  takt = await startTakt();
}, 60_000);

afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const SONNET = 'claude-sonnet-4-5-20250929';
const OPUS = 'claude-opus-4-5-20251101';
/** Compaction 180,000/3,500 + message 23,000/1,000; top-level 1,200/300 (+2,000 5m writes, 50,000 reads); 10/20; 5/7 (+300 5m, 700 1h). */
const sonnet = { input: 204215, output: 4827, cacheWrite: 3000, cacheRead: 50000 };
/** Two advisor calls: 812,345 + 701,000 in, 950 + 800 out. */
const opus = { input: 1513345, output: 1750, cacheWrite: 0, cacheRead: 0 };
const figures = (r: Record<string, unknown>) => ({
  input: r.input_tokens,
  output: r.output_tokens,
  cacheWrite: r.cache_creation_tokens,
  cacheRead: r.cache_read_tokens,
});

describe('iterations counted once, the same in reports, sync uploads and the server', () => {
  let report: {
    totals: Record<string, unknown>;
    rows: Array<{ breakdown: Array<Record<string, unknown>> }>;
    iterations: Record<string, Record<string, unknown>>;
  };

  it('report --json: per model, each iteration at its own model, and the breakdown by iteration type', () => {
    const r = spawnSync(process.execPath, [main, 'report', 'monthly', '--json', '--breakdown'], {
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    report = JSON.parse(r.stdout);
    const models: Record<string, ReturnType<typeof figures>> = {};
    for (const b of report.rows.flatMap((row) => row.breakdown)) {
      const f = figures(b);
      models[b.model as string] ??= { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };
      const m = models[b.model as string] as ReturnType<typeof figures>;
      for (const k of ['input', 'output', 'cacheWrite', 'cacheRead'] as const)
        m[k] = (m[k] as number) + (f[k] as number);
    }
    expect(models).toEqual({ [SONNET]: sonnet, [OPUS]: opus });
    expect(figures(report.totals)).toEqual({ input: 1717560, output: 6577, cacheWrite: 3000, cacheRead: 50000 });
    expect(Object.fromEntries(Object.entries(report.iterations).map(([k, v]) => [k, figures(v)]))).toEqual({
      message: { input: 24215, output: 1327, cacheWrite: 3000, cacheRead: 50000 },
      compaction: { input: 180000, output: 3500, cacheWrite: 0, cacheRead: 0 },
      advisor_message: { input: 1513345, output: 1750, cacheWrite: 0, cacheRead: 0 },
    });
    const costs = Object.values(report.iterations).reduce((s, v) => s + (v.list_cost_usd as number), 0);
    expect(Math.abs(costs - (report.totals.list_cost_usd as number))).toBeLessThan(1e-5);
  });

  it('takt sync uploads the same tokens: /api/usage per model equals the offline report', async () => {
    const status = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        [main, 'sync', '--server', takt.directUrl, '--token', takt.token, '--json', '--dir', claude],
        { env, stdio: 'ignore' },
      );
      child.on('close', resolve);
    });
    expect(status).toBe(0);
    const client = new TestClient(takt.directUrl, takt.token);
    const u = await client.call('GET', '/api/usage?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z&group_by=model');
    expect(figures(u.body.totals)).toEqual(figures(report.totals));
    expect(Object.fromEntries(u.body.groups.map((g: Record<string, unknown>) => [g.key, figures(g)]))).toEqual({
      [SONNET]: sonnet,
      [OPUS]: opus,
    });
  });
});
