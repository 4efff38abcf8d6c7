import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readClaudeJson, signedInAccountUuid } from '../../official/claude-json.ts';
import { type LimitHit, limitHitOfLine } from '../../transcripts/limit-hits.ts';

/** The part of Claude Code's StopFailure hook input takt reads (checked against 2.1.330). */
export interface StopFailureInput {
  session_id?: string;
  transcript_path?: string;
  hook_event_name?: string;
  /** rate_limit, overloaded, authentication_failed, …: the hook's matcher values. */
  error?: string;
}

/** POST /api/limit-events's body. */
export interface LimitEventBody {
  kind: 'hit_limit';
  window: string;
  at: string;
  resets_at?: string;
  session_id?: string;
  account_uuid?: string;
  source: 'hook';
}

/** A hit this recent is the one that ended the turn; older ones were reported by earlier runs or by sync. */
const RECENT_MS = 5 * 60_000;
/** Only the transcript's end is read: the hit line was just written, and a transcript can be large. */
const TAIL_BYTES = 512 * 1024;
const REMEMBERED = 200;

/** Why the hook reports nothing (a line of TAKT_HOME/hooks.log says it). */
export type StopFailureSkip = 'not_rate_limit' | 'no_hit_line' | 'already_reported';

/**
 * Decides what the StopFailure hook reports: the newest plan-window hit line of the
 * transcript Claude Code names, once. Claude Code also fires StopFailure for its own helper
 * queries (titles, summaries) under the parent session; those write no hit line, or the same
 * one again, so "a hit line not yet reported" lets each hit through exactly once.
 */
export function decideStopFailure(
  input: StopFailureInput,
  q: { home: string; env: NodeJS.ProcessEnv; now: number },
): { event: LimitEventBody; key: string } | { skip: StopFailureSkip } {
  if (input.error !== 'rate_limit' || !input.transcript_path) return { skip: 'not_rate_limit' };
  const hits = hitsInTail(input.transcript_path).filter(
    (h) =>
      h.window !== null &&
      h.at >= q.now - RECENT_MS &&
      (input.session_id === undefined || h.sessionId === null || h.sessionId === input.session_id),
  );
  const hit = hits.at(-1);
  if (!hit || hit.window === null) return { skip: 'no_hit_line' };
  const reported = readReported(q.home);
  if (reported.includes(hit.key)) return { skip: 'already_reported' };
  writeReported(q.home, [...reported, hit.key].slice(-REMEMBERED));
  const account = signedInAccountUuid(readClaudeJson(q.env));
  return {
    key: hit.key,
    event: {
      kind: 'hit_limit',
      window: hit.window,
      at: new Date(hit.at).toISOString(),
      ...(hit.resetsAt !== null ? { resets_at: new Date(hit.resetsAt).toISOString() } : {}),
      ...(input.session_id ? { session_id: input.session_id } : {}),
      ...(account ? { account_uuid: account } : {}),
      source: 'hook',
    },
  };
}

/** decideStopFailure's event, or undefined when there is nothing (new) to report. */
export function limitEventOfStopFailure(
  input: StopFailureInput,
  q: { home: string; env: NodeJS.ProcessEnv; now: number },
): LimitEventBody | undefined {
  const d = decideStopFailure(input, q);
  return 'event' in d ? d.event : undefined;
}

/**
 * decideStopFailure, read again while the transcript has no hit line yet: Claude Code may
 * run the hook before its write of the hit line reaches the file. Waits at most waitMs (well
 * inside the hook's 10 s timeout), and only on a rate_limit failure without a hit line.
 */
export async function awaitStopFailure(
  input: StopFailureInput,
  q: { home: string; env: NodeJS.ProcessEnv; now: () => number },
  wait: { waitMs: number; stepMs: number; sleep?: (ms: number) => Promise<void> } = { waitMs: 4_000, stepMs: 250 },
): Promise<{ event: LimitEventBody; key: string } | { skip: StopFailureSkip; waitedMs: number }> {
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let waited = 0;
  for (;;) {
    const d = decideStopFailure(input, { ...q, now: q.now() });
    if ('event' in d || d.skip !== 'no_hit_line' || waited >= wait.waitMs)
      return 'event' in d ? d : { ...d, waitedMs: waited };
    await sleep(wait.stepMs);
    waited += wait.stepMs;
  }
}

function hitsInTail(path: string): LimitHit[] {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - TAIL_BYTES);
      const buffer = Buffer.alloc(size - start);
      readSync(fd, buffer, 0, buffer.length, start);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  const hits: LimitHit[] = [];
  for (const line of text.split('\n')) {
    const hit = limitHitOfLine(line);
    if (hit) hits.push(hit);
  }
  return hits.sort((a, b) => a.at - b.at);
}

const reportedFile = (home: string) => join(home, 'reported-limit-hits.json');

/**
 * Takes back "reported" for a hit the server never took (it stayed away through every retry),
 * so a later StopFailure of the same session reports it again. (`takt sync` reads hit lines
 * from the transcripts too, and the server counts repeats within two minutes once.)
 */
export function forgetReported(home: string, key: string): void {
  const reported = readReported(home);
  if (reported.includes(key))
    writeReported(
      home,
      reported.filter((k) => k !== key),
    );
}

function readReported(home: string): string[] {
  try {
    const o = JSON.parse(readFileSync(reportedFile(home), 'utf8')) as unknown;
    return Array.isArray(o) ? o.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

function writeReported(home: string, keys: string[]): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const temp = `${reportedFile(home)}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(keys));
  renameSync(temp, reportedFile(home));
}
