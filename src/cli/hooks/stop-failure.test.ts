import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awaitStopFailure, decideStopFailure, forgetReported, limitEventOfStopFailure } from './stop-failure.ts';

const NOW = Date.parse('2026-12-01T20:17:30Z');
const hitLine = (uuid: string, at: string, resetsAt: number, window = 'five_hour') =>
  JSON.stringify({
    type: 'assistant',
    uuid,
    timestamp: at,
    sessionId: 'sess-1',
    isApiErrorMessage: true,
    error: 'rate_limit',
    apiErrorStatus: 429,
    quotaLimits: { status: 'rejected', resetsAt, rateLimitType: window },
    message: { model: '<synthetic>', content: [{ type: 'text', text: "You've hit your 5-hour limit" }] },
  });

let dir: string;
let transcript: string;
let q: { home: string; env: NodeJS.ProcessEnv; now: number };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-stopfailure-'));
  transcript = join(dir, 'sess-1.jsonl');
  writeFileSync(join(dir, '.claude.json'), JSON.stringify({ oauthAccount: { accountUuid: 'acc-9' } }));
  q = { home: join(dir, 'takt'), env: { HOME: dir }, now: NOW };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const input = (error = 'rate_limit') => ({
  session_id: 'sess-1',
  transcript_path: transcript,
  hook_event_name: 'StopFailure',
  error,
});

describe('the StopFailure hook', () => {
  it('reports the newest hit line with its window, reset and account — once', () => {
    writeFileSync(
      transcript,
      `${hitLine('old', '2026-12-01T10:00:00Z', 1796130000)}\n{"type":"user"}\n${hitLine('new', '2026-12-01T20:17:27.169Z', 1796163443)}\n`,
    );
    expect(limitEventOfStopFailure(input(), q)).toEqual({
      kind: 'hit_limit',
      window: 'five_hour',
      at: '2026-12-01T20:17:27.169Z',
      resets_at: '2026-12-01T22:17:23.000Z',
      session_id: 'sess-1',
      account_uuid: 'acc-9',
      source: 'hook',
    });
    // Claude Code's helper query failing under the same session: the same line, nothing new.
    expect(limitEventOfStopFailure(input(), { ...q, now: NOW + 2000 })).toBeUndefined();
  });

  it('ignores other failures, old hits and a transcript without a hit line', () => {
    writeFileSync(transcript, `${hitLine('old', '2026-12-01T10:00:00Z', 1796130000)}\n`);
    expect(limitEventOfStopFailure(input('overloaded'), q)).toBeUndefined();
    expect(limitEventOfStopFailure(input(), q)).toBeUndefined();
    expect(limitEventOfStopFailure({ ...input(), transcript_path: join(dir, 'missing.jsonl') }, q)).toBeUndefined();
  });

  it('reads again while the hit line has not reached the transcript, and only then', async () => {
    writeFileSync(transcript, '{"type":"user"}\n');
    const slept: number[] = [];
    // Claude Code's write of the hit line lands after the hook's second read.
    const sleep = async (ms: number) => {
      slept.push(ms);
      if (slept.length === 2) appendFileSync(transcript, `${hitLine('late', '2026-12-01T20:17:29Z', 1796163443)}\n`);
    };
    const clock = { home: q.home, env: q.env, now: () => NOW };
    const wait = { waitMs: 4000, stepMs: 250, sleep };
    expect(await awaitStopFailure(input(), clock, wait)).toMatchObject({ event: { at: '2026-12-01T20:17:29.000Z' } });
    expect(slept).toEqual([250, 250]);
    // Reported already, or another failure: no wait at all.
    expect(await awaitStopFailure(input(), clock, wait)).toEqual({ skip: 'already_reported', waitedMs: 0 });
    expect(await awaitStopFailure(input('overloaded'), clock, wait)).toEqual({ skip: 'not_rate_limit', waitedMs: 0 });
    expect(slept).toHaveLength(2);
    // No hit line ever: gives up after waitMs.
    writeFileSync(transcript, '{"type":"user"}\n');
    expect(await awaitStopFailure(input(), clock, { ...wait, waitMs: 1000 })).toEqual({
      skip: 'no_hit_line',
      waitedMs: 1000,
    });
  });

  it('reports a hit again once the server never took it (forgotten), and only that hit', () => {
    writeFileSync(
      transcript,
      `${hitLine('a', '2026-12-01T20:16:00Z', 1796163443)}\n${hitLine('b', '2026-12-01T20:17:27Z', 1796163443)}\n`,
    );
    const first = decideStopFailure(input(), q);
    expect(first).toMatchObject({ event: { at: '2026-12-01T20:17:27.000Z' } });
    expect(decideStopFailure(input(), q)).toEqual({ skip: 'already_reported' });
    forgetReported(q.home, (first as { key: string }).key);
    expect(decideStopFailure(input(), q)).toEqual(first);
    // Forgetting a key never reported changes nothing.
    forgetReported(q.home, 'never-seen');
    expect(decideStopFailure(input(), q)).toEqual({ skip: 'already_reported' });
  });
});
