import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Claude Code's own state file: `$CLAUDE_CONFIG_DIR/.claude.json`, else `~/.claude.json`.
 * takt reads two things from it: the signed-in account (`oauthAccount.accountUuid`,
 * which names the account a limit event or an observation is about) and
 * `cachedUsageUtilization {fetchedAtMs, accountUuid?, utilization}` (Claude Code's last
 * answer of the usage endpoint, kept for its own /usage screen).
 */
export function claudeJsonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_CONFIG_DIR
    ? join(env.CLAUDE_CONFIG_DIR, '.claude.json')
    : join(env.HOME ?? homedir(), '.claude.json');
}

export function readClaudeJson(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | undefined {
  try {
    const o = JSON.parse(readFileSync(claudeJsonPath(env), 'utf8')) as unknown;
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The signed-in account's UUID, when Claude Code knows it. */
export function signedInAccountUuid(claudeJson: Record<string, unknown> | undefined): string | undefined {
  const account = claudeJson?.oauthAccount as { accountUuid?: unknown } | undefined;
  return typeof account?.accountUuid === 'string' && account.accountUuid !== '' ? account.accountUuid : undefined;
}

/** When the file was last written (ms), for "possibly stale" messages. */
export function claudeJsonMtime(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return statSync(claudeJsonPath(env), { throwIfNoEntry: false })?.mtimeMs;
}
