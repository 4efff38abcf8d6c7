import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { updateAccountSettings } from '../src/store/accounts.ts';
import { touchAccount } from '../src/store/telemetry.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * The built CLI's `takt track` (seed 003: numbers as arguments, or asked for on a terminal)
 * and `takt sync` forwarding the status line's kept rate limits, against a running server.
 */
const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-track-'));
const home = join(scratch, 'home');
let takt: TestTakt;
let client: TestClient;

beforeAll(async () => {
  mkdirSync(join(home, '.takt'), { recursive: true });
  takt = await startTakt();
  client = new TestClient(takt.directUrl, takt.token);
});
afterAll(async () => {
  await takt.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const env = () => ({ PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, '.takt') });

/** Runs a command without blocking this process (the server under test runs in it). */
const CURSOR_MOVES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g');

function run(
  command: string,
  args: string[],
  input?: string,
  pasted = false,
): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    // With input: one answer per question, as a person types, each sent once its question
    // ("Input tokens: ", on the terminal or stderr) is shown, never after a guessed
    // pause. Questions are counted, so output arriving after a question (readline's cursor
    // moves, the echo of the answer) never sends the next answer early.
    const answers = pasted ? undefined : input?.split('\n');
    let answered = 0;
    const questions = (s: string) =>
      s.replace(CURSOR_MOVES, '').match(/(tokens(?: \[0\])?|\(optional\)): /g)?.length ?? 0;
    const answerIfAsked = () => {
      if (answers === undefined || questions(out) + questions(err) <= answered) return;
      const line = answers.shift();
      if (line === undefined) return;
      answered += 1;
      child.stdin.write(`${line}\n`);
      if (answers.length === 0) child.stdin.end();
    };
    child.stdout.on('data', (d) => {
      out += String(d);
      answerIfAsked();
    });
    child.stderr.on('data', (d) => {
      err += String(d);
      answerIfAsked();
    });
    child.on('close', (status) => resolve({ status, out, err }));
    if (input === undefined) child.stdin.end();
    // Pasted: every answer at once, before any question (lines typed ahead must wait for theirs).
    else if (pasted) child.stdin.end(`${input}\n`);
  });
}
const takt_ = (args: string[], input?: string) => run(process.execPath, [main, ...args], input);
const server = () => ['--server', takt.directUrl, '--token', takt.token];

describe('takt track', () => {
  it('records seed 003’s four numbers and a note as a manual entry', async () => {
    const r = await takt_(['track', '5420', '2100', '3200', '0', '--note', 'pairing session', '--json', ...server()]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      index: 0,
      source: 'manual',
      input: 5420,
      output: 2100,
      cache_read: 3200,
      cache_creation: 0,
      note: 'pairing session',
    });
  });

  it('refuses what is not a token count, and asks for the numbers only on a terminal', async () => {
    const bad = await takt_(['track', '12', 'many', ...server()]);
    expect(bad).toMatchObject({ status: 2, err: expect.stringContaining('"many" is not a whole number') });
    const piped = await takt_(['track', ...server()]);
    expect(piped).toMatchObject({ status: 2, err: expect.stringContaining('give the numbers') });
  });

  it('asks for the numbers on a terminal (interactive)', async () => {
    // script(1) gives the command a pseudo-terminal, as a person's shell would.
    const command = [process.execPath, main, 'track', ...server()].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-qec', command, '/dev/null'], '700\n80\n\n9\nby hand');
    expect(r.status).toBe(0);
    expect(r.out).toContain('Input tokens');
    expect(r.out).toMatch(
      /manual entry \S+ recorded: 789 tokens \(input 700, output 80, cache read 0, cache writes 9\) — by hand/,
    );
    const list = await client.call('GET', '/api/manual-entries');
    expect(list.body.entries.map((e: { input: number; note: string }) => [e.input, e.note])).toEqual([
      [5420, 'pairing session'],
      [700, 'by hand'],
    ]);
  });

  it('keeps answers pasted all at once for their questions', async () => {
    const command = [process.execPath, main, 'track', ...server()].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-qec', command, '/dev/null'], '701\n81\n\n0\npasted', true);
    expect(r.out).toMatch(
      /manual entry \S+ recorded: 782 tokens \(input 701, output 81, cache read 0, cache writes 0\) — pasted/,
    );
    expect(r.status).toBe(0);
    const list = await client.call('GET', '/api/manual-entries');
    expect(list.body.entries.at(-1)).toMatchObject({ input: 701, output: 81, note: 'pasted' });
  });

  it('--account names the account the entry counts toward, and the answer says which', async () => {
    const db = takt.server.context.store.db;
    const seat = await touchAccount(
      db,
      takt.userId,
      { key: 'acct-track-seat', accountUuid: 'acct-track-seat', organizationId: null, email: 'dev@example.com' },
      Date.now(),
    );
    await updateAccountSettings(db, seat, { label: 'Work seat' });
    const r = await takt_(['track', '11', '22', '--account', 'work seat', ...server()]);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(
      /manual entry \S+ recorded: 33 tokens \(input 11, output 22, cache read 0, cache writes 0\)\n/,
    );
    expect(r.out).toContain('counted toward Work seat (as given)\n');
    const list = await client.call('GET', '/api/manual-entries');
    expect(list.body.entries.at(-1)).toMatchObject({ input: 11, account_id: seat, cost_usd: null });
  });
});

describe('takt sync and the status line’s rate limits', () => {
  it('posts the kept rate limits once per capture, as official observations', async () => {
    const captured = new Date(Date.now() - 60_000).toISOString();
    writeFileSync(
      join(home, '.takt', 'rate-limits.json'),
      JSON.stringify({
        captured_at: captured,
        session_id: 'sess-status',
        five_hour: { used_percentage: 36, resets_at: Math.floor(Date.now() / 1000) + 3600 },
        seven_day: { used_percentage: 20, resets_at: Math.floor(Date.now() / 1000) + 86_400 },
      }),
    );
    mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: 'acc-status' } }));
    const first = await takt_(['sync', '--json', ...server()]);
    expect(JSON.parse(first.out)).toMatchObject({ rateLimitsSent: true, errors: [] });
    const second = await takt_(['sync', '--json', ...server()]);
    expect(JSON.parse(second.out)).toMatchObject({ rateLimitsSent: false });
    const rows = await takt.server.context.store.db
      .selectFrom('official_observations')
      .select(['window', 'utilization', 'source', 'session_id', 'captured_at'])
      .where('user_id', '=', takt.userId)
      .orderBy('window')
      .execute();
    expect(rows.map((r) => ({ ...r, captured_at: Number(r.captured_at) }))).toEqual([
      {
        window: 'five_hour',
        utilization: 36,
        source: 'statusline',
        session_id: 'sess-status',
        captured_at: Date.parse(captured),
      },
      {
        window: 'seven_day',
        utilization: 20,
        source: 'statusline',
        session_id: 'sess-status',
        captured_at: Date.parse(captured),
      },
    ]);
  });

  it('finds the server, token and host.name takt setup saved in Claude Code’s settings', async () => {
    const box = join(scratch, 'settings-home');
    mkdirSync(join(box, '.claude', 'projects', '-work-app'), { recursive: true });
    writeFileSync(
      join(box, '.claude', 'settings.json'),
      JSON.stringify({ env: telemetryEnv(takt.directUrl, takt.token, 'saved-box'), model: 'opus' }),
    );
    writeFileSync(
      join(box, '.claude', 'projects', '-work-app', 's.jsonl'),
      `${JSON.stringify({
        type: 'assistant',
        sessionId: 'sess-saved',
        requestId: 'req_saved',
        timestamp: new Date().toISOString(),
        message: {
          id: 'msg_saved',
          model: 'claude-sonnet-4-5-20250929',
          usage: { input_tokens: 11, output_tokens: 22 },
        },
      })}\n`,
    );
    const r = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [main, 'sync', '--json'], {
        env: { PATH: process.env.PATH, HOME: box, TAKT_HOME: join(box, '.takt') },
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      child.on('close', () => resolve(out));
    });
    expect(JSON.parse(r)).toMatchObject({ stored: 1, serverAway: null });
    const machines = await client.call(
      'GET',
      '/api/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&group_by=machine',
    );
    // The manual entries above (5,420 + 700 + 701 + 11 input) belong to no machine.
    expect(machines.body.groups.map((g: { key: string; input_tokens: number }) => [g.key, g.input_tokens])).toEqual([
      ['(unknown)', 6832],
      ['saved-box', 11],
    ]);
  });

  it('shows progress on a terminal for a large first upload, and only the summary when piped', async () => {
    const many = join(scratch, 'many');
    for (let i = 0; i < 60; i++) {
      const project = join(many, 'projects', `-p${i}`);
      mkdirSync(project, { recursive: true });
      writeFileSync(
        join(project, 's.jsonl'),
        `${JSON.stringify({
          type: 'assistant',
          sessionId: `sess-many-${i}`,
          requestId: `req_many_${i}`,
          timestamp: new Date().toISOString(),
          message: {
            id: `msg_many_${i}`,
            model: 'claude-sonnet-4-5-20250929',
            usage: { input_tokens: 1, output_tokens: 1 },
          },
        })}\n`,
      );
    }
    const args = [main, 'sync', '--dir', many, ...server()];
    const command = [process.execPath, ...args].map((a) => `'${a}'`).join(' ');
    const onTerminal = await run('script', ['-qec', command, '/dev/null']);
    expect(onTerminal.out).toContain('syncing transcripts: 60/60 files');
    expect(onTerminal.out).toContain('60 new records stored');
    const piped = await takt_(['sync', '--dir', many, '--json', ...server()]);
    expect(piped.err).toBe('');
    expect(JSON.parse(piped.out)).toMatchObject({ found: 0, stored: 0 });
  });

  it('a bad token is an authentication failure (exit 4), said before anything is read', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const r = await takt_(['sync', '--server', takt.directUrl, '--token', 'takt_wrong', '--dir', empty]);
    expect(r).toMatchObject({ status: 4, err: expect.stringContaining('unknown, revoked or expired') });
  });
});
