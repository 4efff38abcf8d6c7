import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TaktError } from '../lib/errors.ts';

/**
 * The claude.ai `sessionKey` cookie (seed 004), read from a file only — never from a
 * command-line argument, which every user of the machine can see in the process list —
 * and only when the file is private (mode 0600 or stricter). The file holds the key alone,
 * or KEY=value lines as seed 004's .env did (`CLAUDE_SESSION_KEY`, `CLAUDE_ORG_ID`).
 */
export interface ClaudeAiSession {
  sessionKey: string;
  org: string | undefined;
  file: string;
}

export function sessionKeyFile(env: NodeJS.ProcessEnv, home: string, flag?: string): string {
  return flag ?? env.TAKT_CLAUDE_AI_SESSION_KEY_FILE ?? join(home, 'claude-ai-session-key');
}

export function hasSessionKeyFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

export function readClaudeAiSession(path: string): ClaudeAiSession {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) {
    throw new TaktError(
      'bad_request',
      `no sessionKey file at ${path}: put the claude.ai sessionKey cookie in it (chmod 600), or pass --session-key-file PATH`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new TaktError(
      'forbidden',
      `${path} can be read by others (mode ${(st.mode & 0o777).toString(8)}): the sessionKey is as good as your password — run chmod 600 ${path}`,
    );
  }
  const text = readFileSync(path, 'utf8').trim();
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1] as string] = (m[2] as string).replace(/^(['"])(.*)\1$/, '$2');
  }
  const sessionKey = vars.CLAUDE_SESSION_KEY ?? vars.sessionKey ?? (Object.keys(vars).length === 0 ? text : undefined);
  if (!sessionKey || /\s/.test(sessionKey)) {
    throw new TaktError(
      'bad_request',
      `${path} holds no sessionKey: put the cookie's value alone in it, or a line CLAUDE_SESSION_KEY=sk-ant-sid01-…`,
    );
  }
  return { sessionKey, org: vars.CLAUDE_ORG_ID ?? vars.org, file: path };
}
