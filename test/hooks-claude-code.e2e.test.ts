import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { telemetryEnv } from '../src/install/setup-payload.ts';
import { type AnthropicMock, startAnthropicMock } from './support/anthropic-mock.ts';
import { runClaudeCode } from './support/run-claude-code.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { runningProcesses, waitFor } from './support/wait-for.ts';

/**
 * `takt hooks install` with the real Claude Code (issue 13, item 4): signed in with an
 * OAuth token, a prompt the mock API answers with a 429 and the unified rate-limit
 * headers; Claude Code fires StopFailure (rate_limit), takt's hook reads the hit line's
 * quotaLimits from the transcript and the limit event reaches a real takt server once.
 */
const main = join(import.meta.dirname, '..', 'dist', 'main.js');
let takt: TestTakt;
let mock: AnthropicMock;
const scratch = mkdtempSync(join(tmpdir(), 'takt-hooks-e2e-'));

beforeAll(async () => {
  [takt, mock] = await Promise.all([startTakt(), startAnthropicMock()]);
});
afterAll(async () => {
  await Promise.all([takt.stop(), mock.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

it('a hit limit reaches the server once, from the StopFailure hook', { timeout: 180_000 }, async () => {
  const home = join(scratch, 'home');
  const cwd = join(scratch, 'project');
  const taktHome = join(home, '.takt');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(cwd, { recursive: true });
  // What `takt setup` applies (the server and token the hook will use), plus a signed-in account.
  const settings = join(home, '.claude', 'settings.json');
  writeFileSync(settings, JSON.stringify({ env: telemetryEnv(takt.directUrl, takt.token, 'hook-box') }));
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: 'acc-hook-1' } }));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TAKT_HOME: taktHome };
  const installed = JSON.parse(
    execFileSync(process.execPath, [main, 'hooks', 'install', '--json'], { env, encoding: 'utf8' }),
  );
  expect(installed).toMatchObject({ hook: 'added', status_line: 'added', server: takt.directUrl });

  const run = await runClaudeCode({
    prompt: 'please hit the limit now',
    home,
    cwd,
    anthropicUrl: mock.url,
    env: { TAKT_HOME: taktHome },
    oauth: true,
  });
  expect(mock.rateLimited).toBe(1);

  const events = () =>
    takt.server.context.store.db
      .selectFrom('limit_events')
      .innerJoin('accounts', 'accounts.id', 'limit_events.account_id')
      .select(['kind', 'window', 'resets_at', 'session_id', 'source', 'accounts.account_uuid'])
      .execute();
  try {
    await waitFor("the hook's limit event in the store", events, (e) => e.length > 0, 60_000);
  } catch (e) {
    const { existsSync } = await import('node:fs');
    const dump: Record<string, unknown> = {};
    for (const f of ['hooks.log', 'reported-limit-hits.json']) {
      const p = join(taktHome, f);
      dump[f] = existsSync(p) ? readFileSync(p, 'utf8') : 'MISSING';
    }
    dump.settings = readFileSync(settings, 'utf8');
    dump.stderr = run.stderr;
    dump.result = run.result;
    const t = execFileSync('find', [home, '-type', 'f'], { encoding: 'utf8' });
    dump.files = t;
    for (const f of t.split('\n').filter((x) => x.endsWith('.jsonl'))) dump[f] = readFileSync(f, 'utf8').slice(-3000);
    dump.now = new Date().toISOString();
    console.error('HOOKDIAG', JSON.stringify(dump, null, 1));
    throw e;
  }

  // Claude Code reporting the same failure again (its helper queries do, under the parent
  // session) sends nothing more: the hit line was reported already.
  const transcript = execFileSync(
    'find',
    [join(home, '.claude', 'projects'), '-name', `${run.result.session_id}.jsonl`],
    {
      encoding: 'utf8',
    },
  ).trim();
  const again = spawnSync(process.execPath, [main, 'hooks', 'stop-failure'], {
    env,
    input: JSON.stringify({
      session_id: run.result.session_id,
      transcript_path: transcript,
      hook_event_name: 'StopFailure',
      error: 'rate_limit',
    }),
  });
  // The hook runs detached from Claude Code: once no `takt hooks stop-failure` of this home is
  // alive, every post it made (and any helper query's run) is in the server and in hooks.log.
  await waitFor(
    'the detached hooks to finish',
    () => runningProcesses(['hooks', 'stop-failure'], `TAKT_HOME=${taktHome}`),
    (pids) => pids.length === 0,
    60_000,
  );

  expect(await events()).toEqual([
    {
      kind: 'hit_limit',
      window: 'five_hour',
      resets_at: mock.limitResetsAt * 1000,
      session_id: run.result.session_id,
      source: 'hook',
      account_uuid: 'acc-hook-1',
    },
  ]);
  expect(again.status).toBe(0);
  const log = readFileSync(join(taktHome, 'hooks.log'), 'utf8').trim().split('\n');
  // One post taken (before it, only "not now" answers tried again, if the server was busy);
  // the second run (and any helper query's failure) says why it sent nothing.
  const posts = log.filter((l) => l.includes(' POST ') && !l.endsWith(' s)'));
  expect(posts.length).toBe(1);
  expect(posts[0]).toContain('POST /api/limit-events 201');
  for (const retried of log.filter((l) => l.endsWith(' s)'))) expect(retried).toMatch(/ \(trying again in \d+ s\)$/);
  expect(log.at(-1)).toContain('nothing to report (this hit was reported already)');
});
