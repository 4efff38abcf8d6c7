import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintInvites } from '../src/auth/invites.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'takt-setup-'));
let takt: TestTakt;

beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the built CLI with a scratch HOME and no inherited telemetry variables. */
function cli(home: string, args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
  return run(process.execPath, [main, ...args], { env: { ...env, HOME: home } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('takt admin invite', () => {
  it('mints invite codes in the local store of the server machine', async () => {
    const home = join(scratch, 'admin');
    const r = await cli(home, ['admin', 'invite', '--count', '2', '--json']);
    const body = JSON.parse(r.stdout) as { codes: string[] };
    expect([r.code, body.codes.length, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/.test(body.codes[0] as string)]).toEqual([
      0,
      2,
      true,
    ]);
  });
});

describe('takt setup and takt validate', () => {
  it('registers with an invite and rewrites the env block of settings.json whole, keeping the rest', async () => {
    const home = join(scratch, 'invite');
    mkdirSync(join(home, '.claude'), { recursive: true });
    const settings = join(home, '.claude', 'settings.json');
    const original = {
      model: 'opus',
      permissions: { allow: ['Bash(ls:*)'] },
      env: { EDITOR: 'vim', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://old:4318', OTEL_METRIC_EXPORT_INTERVAL: '5000' },
    };
    writeFileSync(settings, JSON.stringify(original));
    const adminInvite = await mintInvites(takt.server.context.store.db, {
      count: 1,
      expiresInSeconds: 3600,
      createdBy: null,
    });
    const setup = await cli(home, [
      'setup',
      '--server',
      takt.directUrl,
      '--invite',
      adminInvite.codes[0] as string,
      '--email',
      'cli-user@example.com',
      '--machine',
      'cli-box',
    ]);
    expect([setup.code, setup.stderr]).toEqual([0, '']);
    expect(setup.stdout.split('\n').slice(-4)).toEqual([
      '',
      `The limit hook (reports a hit usage limit to ${takt.directUrl} at once) and takt's status line (cost and limits in Claude Code): takt hooks install`,
      'Next: quit and restart Claude Code (it reads these settings only at start), send one prompt, then run: takt validate',
      '',
    ]);
    const written = JSON.parse(readFileSync(settings, 'utf8'));
    expect(written.model).toBe('opus');
    expect(written.permissions).toEqual({ allow: ['Bash(ls:*)'] });
    expect(Object.keys(written.env).sort()).toEqual([
      'CLAUDE_CODE_ENABLE_TELEMETRY',
      'EDITOR',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
      'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'OTEL_LOGS_EXPORTER',
      'OTEL_METRICS_EXPORTER',
      'OTEL_RESOURCE_ATTRIBUTES',
    ]);
    const backups = readdirSync(join(home, '.claude')).filter((f) => f.startsWith('settings.json.takt-backup-'));
    expect(backups.length).toBe(1);
    expect(JSON.parse(readFileSync(join(home, '.claude', backups[0] as string), 'utf8'))).toEqual(original);

    // takt validate reads server, token and host.name from what Claude Code will use.
    const before = await cli(home, ['validate']);
    expect([before.code, before.stdout.split('\n')[0]]).toEqual([1, 'cli-box: host_never_seen']);
    const token = /Bearer (\S+)/.exec(written.env.OTEL_EXPORTER_OTLP_HEADERS)?.[1] as string;
    const now = Date.now();
    const sent = await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      body: encodeMetrics(
        tokenMetrics({ host: 'cli-box', sessionId: 'x' }, [{ model: 'm', type: 'input', value: 1 }], {
          startMs: now - 10,
          timeMs: now,
        }),
      ),
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    });
    const after = await cli(home, ['validate', '--json']);
    expect([sent.status, after.code, JSON.parse(after.stdout).tracking_status]).toEqual([200, 0, 'active']);
    // It also reads this machine's limit hook from the same settings: none yet, then an older takt's.
    expect([before.stdout.includes('Limit hook: not installed'), JSON.parse(after.stdout).stop_failure_hook]).toEqual([
      true,
      'absent',
    ]);
    const settingsFile = join(home, '.claude', 'settings.json');
    const withOld = JSON.parse(readFileSync(settingsFile, 'utf8'));
    withOld.hooks = {
      StopFailure: [{ matcher: 'rate_limit', hooks: [{ type: 'command', command: `${main} hooks stop-failure` }] }],
    };
    writeFileSync(settingsFile, JSON.stringify(withOld));
    const outdated = await cli(home, ['validate']);
    expect(outdated.stdout).toContain(
      'Limit hook: installed by an older takt, which Claude Code can stop before it reports: run takt hooks install again',
    );
  });

  it('connects a second machine by the device flow, approved in a browser session', async () => {
    const db = takt.server.context.store.db;
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword('device flow pw 1') })
      .where('email', '=', 'dev@example.com')
      .execute();
    const browser = new TestClient(takt.directUrl);
    const login = await browser.call('POST', '/auth/login', { email: 'dev@example.com', password: 'device flow pw 1' });
    const home = join(scratch, 'device');
    mkdirSync(home, { recursive: true });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const child = spawn(process.execPath, [main, 'setup', '--server', takt.directUrl, '--machine', 'second-box'], {
      env: { ...env, HOME: home },
    });
    let out = '';
    const code = await new Promise<string>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /approve the code (\S+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
    });
    const approve = await fetch(`${takt.directUrl}/auth/device/verify`, {
      method: 'POST',
      headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user_code: code, decision: 'approve', csrf_token: login.body.csrf_token }),
    });
    const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const written = JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8'));
    expect([approve.status, exit, written.env.OTEL_RESOURCE_ATTRIBUTES]).toEqual([200, 0, 'host.name=second-box']);
    expect(out).toContain('Approved.');
  }, 60_000);
});
