import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** `takt pricing contracted` (the built CLI) against a server on loopback: admins set, members may not. */

const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
let takt: TestTakt;
let home: string;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], {
      env: { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, 'takt') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const file = (name: string, value: unknown) => {
  const path = join(home, name);
  writeFileSync(path, typeof value === 'string' ? `${value}\n` : JSON.stringify(value), { mode: 0o600 });
  return path;
};

describe('takt pricing contracted', () => {
  let admin: string;
  let member: string;
  beforeAll(async () => {
    takt = await startTakt();
    home = mkdtempSync(join(tmpdir(), 'takt-pricing-cli-'));
    const db = takt.server.context.store.db;
    const a = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
    admin = file('admin-token', (await issueApiToken(db, a.id, 'cli')).token);
    member = file('member-token', takt.token);
  });
  afterAll(async () => {
    await takt.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('sets the contracted prices as an admin, shows them, and refuses a member (exit 4)', async () => {
    const prices = file('prices.json', {
      models: { 'claude-opus-4-5': { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 } },
      residency_factor: 1.1,
    });
    const server = ['--server', takt.directUrl];
    const set = await run(['pricing', 'contracted', '--file', prices, '--json', ...server, '--token-file', admin]);
    expect([set.code, set.stderr]).toEqual([0, '']);
    expect(JSON.parse(set.stdout)).toMatchObject({ basis: 'contracted', residency_factor: 1.1 });
    const shown = await run(['pricing', 'contracted', ...server, '--token-file', admin]);
    expect(shown.stdout.split('\n')[0]).toBe(
      'list_cost_usd uses 1 contracted model price(s) and residency factor 1.1.',
    );
    const refused = await run(['pricing', 'contracted', '--file', prices, ...server, '--token-file', member]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('this needs an admin');
  }, 60_000);

  it('checks the file before it sends it: a negative price is a usage error (exit 2) naming the field', async () => {
    const bad = file('bad.json', {
      models: { 'claude-opus-4-5': { input: -4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 } },
      residency_factor: 1,
    });
    const r = await run([
      'pricing',
      'contracted',
      '--file',
      bad,
      '--server',
      'http://127.0.0.1:9',
      '--token-file',
      admin,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('models.claude-opus-4-5.input');
  });
});
