import { appendFileSync, mkdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { resolveServerAccess } from '../../install/server-access.ts';
import { callServer } from '../../lib/server-client.ts';
import { readClaudeJson, signedInAccountUuid } from '../../official/claude-json.ts';

/** Unattended posts give up after this: the hook and the forwarder are never waited for, but should not linger. */
export const POST_TIMEOUT_MS = 5_000;
const LOG_LIMIT = 256 * 1024;

/**
 * The detached child's work: one POST of an observation or a limit event to the server
 * this machine reports to, with the signed-in account added when the body has none (the
 * server then needs no telemetry to tell the account). The outcome is one line in
 * TAKT_HOME/hooks.log, the only place an unattended failure can be seen.
 */
export async function postToServer(
  path: string,
  body: Record<string, unknown>,
  q: { home: string; env: NodeJS.ProcessEnv },
): Promise<{ status: number | 'no_server' | 'unreachable'; text: string }> {
  const access = resolveServerAccess({ env: q.env, home: q.home });
  const log = (line: string) => appendLog(q.home, `${new Date().toISOString()} POST ${path} ${line}`);
  if (!access) {
    log('skipped: no server configured (run takt setup or takt hooks install --server URL --token T)');
    return { status: 'no_server', text: '' };
  }
  const account = body.account_uuid ?? signedInAccountUuid(readClaudeJson(q.env));
  const sent = { ...body, ...(account ? { account_uuid: account } : {}) };
  try {
    const r = await callServer({
      server: access.server,
      path,
      method: 'POST',
      body: sent,
      token: access.token,
      timeoutMs: POST_TIMEOUT_MS,
    });
    log(`${r.status} ${r.text.slice(0, 300)}`);
    return r;
  } catch (error) {
    log(`unreachable: ${access.server} (${(error as Error).message})`);
    return { status: 'unreachable', text: '' };
  }
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
