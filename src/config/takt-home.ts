import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where takt keeps its state (database, transcript index, price table override).
 * Kept apart from config.ts so that fast commands (statusline) need neither zod nor
 * the server settings.
 */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TAKT_HOME ?? join(homedir(), '.takt'));
}
