import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { installHooks } from '../src/install/claude-hooks.ts';
import { applyTelemetryEnv } from '../src/install/claude-settings.ts';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { insertUser } from '../src/store/users.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/** Defect 7 of issue 10: onboarding slips a new user runs into. */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'takt-slips-'));
let takt: TestTakt;
let admin: TestClient;
const anonymous = () => new TestClient(takt.directUrl);

beforeAll(async () => {
  takt = await startTakt();
  const db = takt.server.context.store.db;
  const a = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
  admin = new TestClient(takt.directUrl, (await issueApiToken(db, a.id, 'admin')).token);
});
afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('POST /auth/token without machine', () => {
  it('answers the token without a setup payload, and says to send machine for one', async () => {
    const [code] = (await admin.call('POST', '/auth/invite', { count: 1 })).body.codes;
    await anonymous().call('POST', '/auth/register', { email: 'nm@example.com', invite_code: code, machine: 'desk' });
    const without = await anonymous().call('POST', '/auth/token', { email: 'nm@example.com', invite_code: code });
    const withMachine = await anonymous().call('POST', '/auth/token', {
      email: 'nm@example.com',
      invite_code: code,
      machine: 'laptop',
    });
    expect([without.status, Object.keys(without.body).sort(), without.body.next_step]).toEqual([
      200,
      ['email', 'machine', 'next_step', 'token', 'token_id', 'user_id'],
      'Send machine (the host name this machine will report) to get the setup payload: POST /auth/token {"email", "invite_code", "machine"}, or run takt setup on that machine.',
    ]);
    expect([without.body.machine, JSON.stringify(without.body).includes('host.name')]).toEqual([null, false]);
    expect([withMachine.body.machine, withMachine.body.setup.variables.OTEL_RESOURCE_ATTRIBUTES]).toEqual([
      'laptop',
      'host.name=laptop',
    ]);
  });
});

describe('takt validate with the settings and the hook in place, usage only from takt sync', () => {
  it('says to restart Claude Code, not to run takt setup or takt hooks install again', async () => {
    const home = join(scratch, 'synced');
    const settings = join(home, '.claude', 'settings.json');
    // A person of their own: the sources are per person.
    const db = takt.server.context.store.db;
    const { token } = await issueApiToken(db, (await insertUser(db, { email: 'synced@example.com' })).id, 'synced-box');
    applyTelemetryEnv(settings, telemetryEnv(takt.directUrl, token, 'synced-box'));
    installHooks(
      settings,
      join(home, '.takt'),
      `${process.execPath} ${join(import.meta.dirname, '..', 'dist', 'takt.cjs')}`,
    );
    const upload = await new TestClient(takt.directUrl, token).call('POST', '/api/transcript-usage', {
      host_name: 'synced-box',
      records: [
        {
          message_id: 'msg-synced-1',
          session_id: 'sess-synced',
          timestamp: Date.now() - 60_000,
          model: 'claude-sonnet-4-5',
          input_tokens: 10,
          output_tokens: 5,
        },
      ],
    });
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_') && !k.startsWith('TAKT_')),
    );
    const r = await run(process.execPath, [main, 'validate'], {
      env: { ...env, HOME: home, TAKT_HOME: join(home, '.takt') },
    }).then(
      (o) => ({ code: 0, stdout: o.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    const lines = r.stdout.split('\n');
    expect([upload.status, r.code, lines[0], lines[1], lines[3], lines[5]]).toEqual([
      201,
      0,
      'synced-box: active',
      'Tracking through takt sync uploads, but no OpenTelemetry yet. The telemetry settings are in place (host.name=synced-box): Claude Code reads them only when it starts: quit and restart it and send one prompt.',
      '  OpenTelemetry:          never — no telemetry from Claude Code yet; its settings are in place (host.name=synced-box): quit and restart Claude Code, then send a prompt',
      "  hooks and status line:  never — nothing reported yet; the limit hook is installed: it reports when Claude Code (restarted since) hits a limit, and takt's status line forwards the rate limits Claude Code shows on Pro and Max plans",
    ]);
  });
});

describe('takt validate before the first export', () => {
  it('says to restart Claude Code and send a prompt, not to set what is already set', async () => {
    const home = join(scratch, 'fresh');
    applyTelemetryEnv(join(home, '.claude', 'settings.json'), telemetryEnv(takt.directUrl, takt.token, 'fresh-box'));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const r = await run(process.execPath, [main, 'validate'], { env: { ...env, HOME: home } }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect([r.code, ...r.stdout.trimEnd().split('\n')]).toEqual([
      1,
      'fresh-box: host_never_seen',
      'The settings are in place (host.name=fresh-box), but nothing arrived from this machine yet. Claude Code reads them only when it starts: quit and restart it, send one prompt, wait a minute, then run takt validate again.',
      'Sources:',
      '  OpenTelemetry:          never — no telemetry from Claude Code yet; its settings are in place (host.name=fresh-box): quit and restart Claude Code, then send a prompt',
      '  takt sync uploads:      never — no takt sync upload yet: run takt sync (or takt service install sync to keep it running)',
      '  hooks and status line:  never — no hook or status-line report yet: run takt hooks install, then restart Claude Code',
      '  official readings:      never — no official reading yet: run takt usage official (or takt sync --watch --official oauth)',
      '  manual entries:         never — no manual entry (optional): takt track records usage by hand',
      'Limit hook: not installed (takt hooks install reports a hit usage limit at once; takt sync reports it later)',
      'Local mode: off (this store was not made by takt setup --local): every request needs a token',
    ]);
  });
});

describe('takt sync on a machine with no ~/.claude.json', () => {
  it("says in a CLI user's words what to do about a limit hit and the status line's rate limits, keeps them, and sends them once the account is given", async () => {
    const home = join(scratch, 'no-claude-json');
    const takt_home = join(home, '.takt');
    mkdirSync(join(home, '.claude', 'projects', '-work-app'), { recursive: true });
    mkdirSync(takt_home, { recursive: true });
    const captured = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(
      join(takt_home, 'rate-limits.json'),
      JSON.stringify({
        captured_at: captured,
        session_id: 'sess-no-claude-json',
        five_hour: { used_percentage: 41, resets_at: Math.floor(Date.now() / 1000) + 3600 },
        seven_day: null,
      }),
    );
    // A limit hit in a transcript (the banner Claude Code wrote before quotaLimits lines).
    const hitAt = new Date(Date.now() - 7_200_000).toISOString();
    const resets = Math.floor(Date.now() / 1000) + 3600;
    writeFileSync(
      join(home, '.claude', 'projects', '-work-app', 'sess-no-claude-json.jsonl'),
      `${JSON.stringify({
        type: 'assistant',
        sessionId: 'sess-no-claude-json',
        timestamp: hitAt,
        message: { model: '<synthetic>', content: [{ type: 'text', text: `Claude AI usage limit reached|${resets}` }] },
      })}\n`,
    );
    // A person of their own with no account yet: the server cannot tell whose reading it is.
    const db = takt.server.context.store.db;
    const user = await insertUser(db, { email: 'no-claude-json@example.com' });
    const { token } = await issueApiToken(db, user.id, 'bare-box');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('OTEL_') && !k.startsWith('TAKT_') && k !== 'CLAUDE_CONFIG_DIR',
      ),
    );
    const sync = (...extra: string[]) =>
      run(process.execPath, [main, 'sync', '--json', '--server', takt.directUrl, '--token', token, ...extra], {
        env: { ...env, HOME: home, TAKT_HOME: takt_home },
      }).then(
        (o) =>
          JSON.parse(o.stdout) as { hitsSent: number; hitsQueued: number; rateLimitsSent: boolean; errors: string[] },
      );
    const first = await sync();
    const second = await sync('--account', 'acc-given-by-flag');
    const third = await sync('--account', 'acc-given-by-flag');
    const rows = await db
      .selectFrom('official_observations')
      .innerJoin('accounts', 'accounts.id', 'official_observations.account_id')
      .select(['official_observations.window', 'official_observations.utilization', 'accounts.account_uuid'])
      .where('official_observations.user_id', '=', user.id)
      .execute();
    const hits = await db
      .selectFrom('limit_events')
      .innerJoin('accounts', 'accounts.id', 'limit_events.account_id')
      .select(['limit_events.window', 'limit_events.at', 'limit_events.resets_at', 'accounts.account_uuid'])
      .where('limit_events.user_id', '=', user.id)
      .execute();
    const why =
      'not recorded yet: the server cannot tell which Claude account is meant, and no ~/.claude.json here names the account Claude Code is signed in with (Claude Code writes it at sign-in). Run Claude Code once and sign in, or pass --account UUID (the oauthAccount.accountUuid of ~/.claude.json on a machine signed in with that account); kept for the next takt sync';
    expect([
      first,
      second,
      third,
      rows,
      hits.map((h) => ({ ...h, at: Number(h.at), resets_at: Number(h.resets_at) })),
    ]).toEqual([
      {
        ...first,
        hitsSent: 0,
        hitsQueued: 1,
        rateLimitsSent: false,
        errors: [`limit hit at ${hitAt} ${why}`, `status line rate limits ${why}`],
      },
      { ...second, hitsSent: 1, hitsQueued: 0, rateLimitsSent: true, errors: [] },
      { ...third, hitsSent: 0, hitsQueued: 0, rateLimitsSent: false, errors: [] },
      [{ window: 'five_hour', utilization: 41, account_uuid: 'acc-given-by-flag' }],
      [{ window: 'five_hour', at: Date.parse(hitAt), resets_at: resets * 1000, account_uuid: 'acc-given-by-flag' }],
    ]);
  });
});
