import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TaktError } from '../lib/errors.ts';

/**
 * Claude Code's OAuth credentials: `$CLAUDE_CONFIG_DIR/.credentials.json`, else
 * `~/.claude/.credentials.json`, `claudeAiOauth {accessToken, expiresAt (epoch ms), …}`.
 * takt only reads the access token: refreshing it would rotate the refresh token Claude
 * Code owns and sign Claude Code out, so an expired token is reported, never renewed.
 * (On macOS Claude Code keeps them in the Keychain instead; then there is no file.)
 */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return env.CLAUDE_CONFIG_DIR
    ? join(env.CLAUDE_CONFIG_DIR, '.credentials.json')
    : join(env.HOME ?? homedir(), '.claude', '.credentials.json');
}

export function hasOAuthCredentials(env: NodeJS.ProcessEnv): boolean {
  try {
    readFileSync(credentialsPath(env));
    return true;
  } catch {
    return false;
  }
}

export function readOAuthToken(env: NodeJS.ProcessEnv, now: number): string {
  const path = credentialsPath(env);
  let o: { claudeAiOauth?: { accessToken?: unknown; expiresAt?: unknown } };
  try {
    o = JSON.parse(readFileSync(path, 'utf8')) as typeof o;
  } catch (error) {
    throw new TaktError(
      'unauthenticated',
      `cannot read Claude Code's credentials in ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): sign in with claude (/login), or use --source claude-ai or claude-json`,
    );
  }
  const token = o.claudeAiOauth?.accessToken;
  if (typeof token !== 'string' || token === '') {
    throw new TaktError(
      'unauthenticated',
      `${path} has no claudeAiOauth.accessToken: Claude Code is signed in some other way (an API key has no plan limits); use --source claude-ai or claude-json`,
    );
  }
  const expiresAt = o.claudeAiOauth?.expiresAt;
  if (typeof expiresAt === 'number' && expiresAt <= now) {
    throw new TaktError(
      'unauthenticated',
      `Claude Code's sign-in token expired at ${new Date(expiresAt).toISOString()}: start Claude Code once (it renews its own token; takt does not), then try again`,
    );
  }
  return token;
}
