import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLocalOwner } from '../src/store/local-owner.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';
import { assistant, jsonl } from './support/transcript-lines.ts';

/**
 * Seed 001's own commands against takt (issue 19.4): its /stats with zeros for a person
 * without usage, its agent's CLAUDE_USAGE_API_URL / CLAUDE_USAGE_API_TOKEN read by `takt
 * sync`, and its "Testing Locally" refresh, which on a one-person local server records the
 * server machine's own transcripts for the owner, exactly once.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
const run = promisify(execFile);
const ACCOUNT = '5b0a7e3c-1111-4222-8333-944455556666';
const SONNET = 'claude-sonnet-4-5-20250929';

describe.each(dialects)('seed 001 on $name', ({ create }) => {
  const scratch = mkdtempSync(join(tmpdir(), 'takt-seed001-'));
  // The server machine's HOME: its Claude Code transcripts and ~/.claude.json.
  const machine = join(scratch, 'machine');
  const project = join(machine, '.claude', 'projects', '-home-dev-app');
  const transcript = join(project, 'session-a.jsonl');
  let db: TestDatabase;
  let takt: TestTakt;

  const call = async (method: string, path: string, token?: string) => {
    const r = await fetch(`${takt.directUrl}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  const totals = async (token: string) => {
    const t = (await call('GET', '/api/usage?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z', token)).body.totals;
    return { input: t.input_tokens, output: t.output_tokens, cacheRead: t.cache_read_tokens };
  };

  beforeAll(async () => {
    mkdirSync(project, { recursive: true });
    writeFileSync(join(machine, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: ACCOUNT } }));
    writeFileSync(
      transcript,
      jsonl(
        assistant({
          id: 'msg_a1',
          model: SONNET,
          input: 1200,
          output: 340,
          cacheRead: 5000,
          at: '2026-11-20T10:00:00Z',
        }),
        // The same response written again (a streamed snapshot): counted once, largest figures.
        assistant({
          id: 'msg_a1',
          model: SONNET,
          input: 1200,
          output: 345,
          cacheRead: 5000,
          at: '2026-11-20T10:00:01Z',
        }),
        assistant({ id: 'msg_a2', model: SONNET, input: 800, output: 120, cacheRead: 0, at: '2026-11-20T10:05:00Z' }),
      ),
    );
    db = await create();
    takt = await startTakt({ databaseUrl: db.url, env: { HOME: machine } });
  });
  afterAll(async () => {
    await takt.stop();
    await db.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("refresh records the server machine's transcripts for the one-person owner, exactly once", async () => {
    await setLocalOwner(takt.server.context.store.db, takt.userId, Date.now());
    const first = await call('POST', '/app/claude-usage/refresh/', takt.token);
    expect(first).toEqual({
      status: 200,
      body: {
        project_dirs: [join(machine, '.claude', 'projects')],
        files: 1,
        files_read: 1,
        found: 2,
        stored: 2,
        duplicates: 0,
        keyless: 0,
        host_name: hostname(),
        account_uuid: ACCOUNT,
      },
    });
    expect(await totals(takt.token)).toEqual({ input: 2000, output: 465, cacheRead: 5000 });

    // A repeat reads nothing new; an appended response is the only new record.
    expect((await call('POST', '/app/claude-usage/refresh/', takt.token)).body).toMatchObject({ found: 0, stored: 0 });
    appendFileSync(
      transcript,
      jsonl(assistant({ id: 'msg_a3', model: SONNET, input: 10, output: 7, at: '2026-11-20T10:09:00Z' })),
    );
    // Two at once (one without a token, from this machine: local mode): one of them finds it.
    const both = await Promise.all([
      call('POST', '/app/claude-usage/refresh'),
      call('POST', '/app/claude-usage/refresh/', takt.token),
    ]);
    expect({
      statuses: both.map((r) => r.status),
      found: both.map((r) => r.body.found).sort(),
      stored: both[0].body.stored + both[1].body.stored,
    }).toEqual({ statuses: [200, 200], found: [0, 1], stored: 1 });

    // The file replaced (new inode, read from its start): all duplicates, nothing counted twice.
    const copy = `${transcript}.new`;
    writeFileSync(copy, readFileSync(transcript));
    renameSync(copy, transcript);
    expect((await call('POST', '/app/claude-usage/refresh/', takt.token)).body).toMatchObject({
      found: 3,
      stored: 0,
      duplicates: 3,
    });
    expect(await totals(takt.token)).toEqual({ input: 2010, output: 472, cacheRead: 5000 });
    const accounts = (await call('GET', '/api/accounts', takt.token)).body.accounts;
    expect(accounts.map((a: { uuid: string }) => a.uuid)).toEqual([ACCOUNT]);
  });

  it('/stats and /app/claude-usage/stats/ answer zeros for a person without usage', async () => {
    const fresh = await takt.addUser('new@example.com');
    const zeros = {
      total_tokens: 0,
      current_window_tokens: 0,
      next_reset_at: null,
      time_until_reset_seconds: 0,
      time_until_reset_human: '0h 0m remaining',
      is_within_active_window: false,
      account: null,
    };
    expect(await call('GET', '/stats', fresh.token)).toEqual({ status: 200, body: zeros });
    expect(await call('GET', '/app/claude-usage/stats/', fresh.token)).toEqual({ status: 200, body: zeros });
    // An account named that is not the caller's is still a 404.
    expect((await call('GET', '/stats?account=nope', fresh.token)).status).toBe(404);
  });

  it('refresh outside a one-person local server says to run takt sync on the machine', async () => {
    // The server now has a second person (the test above): local mode is off.
    const r = await call('POST', '/app/claude-usage/refresh/', takt.token);
    expect({
      status: r.status,
      says: /run takt sync on the machine where Claude Code runs/.test(r.body.error.message),
    }).toEqual({ status: 403, says: true });
  });

  it('takt sync reads CLAUDE_USAGE_API_URL and CLAUDE_USAGE_API_TOKEN when takt has no settings', async () => {
    const person = await takt.addUser('agent@example.com');
    const desktop = join(scratch, 'desktop');
    mkdirSync(join(desktop, '.claude', 'projects', 'p'), { recursive: true });
    writeFileSync(
      join(desktop, '.claude', 'projects', 'p', 's.jsonl'),
      jsonl(assistant({ id: 'msg_d1', session: 'sess-d', model: SONNET, input: 333, output: 44, cacheRead: 7 })),
    );
    // Seed 001's cron line: only its two variables, no takt setup on this machine.
    const env = {
      PATH: process.env.PATH,
      HOME: desktop,
      TAKT_HOME: join(desktop, 'takt'),
      CLAUDE_USAGE_API_URL: `${takt.directUrl}/`,
      CLAUDE_USAGE_API_TOKEN: person.token,
    };
    const out = await run(process.execPath, [main, 'sync', '--json'], { env });
    expect(JSON.parse(out.stdout)).toMatchObject({ stored: 1, duplicates: 0 });
    expect(await totals(person.token)).toEqual({ input: 333, output: 44, cacheRead: 7 });
  });
});
