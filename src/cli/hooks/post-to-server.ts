import { appendFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { resolveServerAccess } from '../../install/server-access.ts';
import { callServer, retryLater } from '../../lib/server-client.ts';
import { readClaudeJson, signedInAccountUuid } from '../../official/claude-json.ts';

/** Unattended posts give up after this: the hook and the forwarder are never waited for, but should not linger. */
export const POST_TIMEOUT_MS = 5_000;
const LOG_LIMIT = 256 * 1024;

/**
 * Waits between attempts while the server is away or busy: 30 s in all, well inside the status
 * line's once-a-minute forwarding, so at most one forwarder is ever waiting.
 */
export const RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000];

export type PostOutcome = { status: number | 'no_server' | 'unreachable'; text: string };

/**
 * The detached child's work: one POST of an observation or a limit event to the server
 * this machine reports to, with the signed-in account added when the body has none (the
 * server then needs no telemetry to tell the account). Nobody waits for it, so it can wait:
 * an unreachable server or a "not now" answer (503 while the database is busy, 429) is tried
 * again after RETRY_DELAYS_MS. Each attempt's outcome is a line in TAKT_HOME/hooks.log, the
 * only place an unattended failure can be seen.
 */
export async function postToServer(
  path: string,
  body: Record<string, unknown>,
  q: {
    home: string;
    env: NodeJS.ProcessEnv;
    delaysMs?: readonly number[];
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<PostOutcome> {
  const access = resolveServerAccess({ env: q.env, home: q.home });
  const log = (line: string) => appendLog(q.home, `${new Date().toISOString()} POST ${path} ${line}`);
  if (!access) {
    log('skipped: no server configured (run takt setup or takt hooks install --server URL --token T)');
    return { status: 'no_server', text: '' };
  }
  const account = body.account_uuid ?? signedInAccountUuid(readClaudeJson(q.env));
  const sent = { ...body, ...(account ? { account_uuid: account } : {}) };
  const delays = q.delaysMs ?? RETRY_DELAYS_MS;
  const sleep = q.sleep ?? wait;
  for (let attempt = 0; ; attempt++) {
    let outcome: PostOutcome;
    let line: string;
    try {
      const r = await callServer({
        server: access.server,
        path,
        method: 'POST',
        body: sent,
        token: access.token,
        timeoutMs: POST_TIMEOUT_MS,
      });
      outcome = r;
      line = `${r.status} ${r.text.slice(0, 300)}`;
    } catch (error) {
      outcome = { status: 'unreachable', text: '' };
      line = `unreachable: ${access.server} (${(error as Error).message})`;
    }
    const delay = delays[attempt];
    if (delay === undefined || !notNow(outcome)) {
      log(line);
      return outcome;
    }
    log(`${line} (trying again in ${delay / 1000} s)`);
    await sleep(delay);
  }
}

/** The server did not take it but may later: unreachable, or an answer that says "not now". */
export function notNow(outcome: PostOutcome): boolean {
  return outcome.status === 'unreachable' || (typeof outcome.status === 'number' && retryLater(outcome.status));
}

/** One line in TAKT_HOME/hooks.log (kept under 256 KB). */
export function appendLog(home: string, line: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const file = join(home, 'hooks.log');
    // Kept small: a log nobody reads must not grow without end.
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > LOG_LIMIT) truncateSync(file, 0);
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  } catch {
    // logging is best effort
  }
}
