import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * TAKT_HOME/official-usage.json: the last good answer of each account's usage endpoint and
 * when it may be asked again. Anthropic's usage endpoints are meant for a screen a person
 * opens, not for polling: one call per account per three minutes at most, and a 429's
 * Retry-After is kept here so a new process (a second `takt usage official`, a status line)
 * waits too. Only answers that parsed are stored.
 */
export const MIN_INTERVAL_MS = 3 * 60_000;

export interface CachedAnswer {
  source: 'oauth' | 'claude_ai';
  /** When the answer was fetched, epoch ms. */
  fetched_at: number;
  /** The answer as sent (flat keys or limits[]). */
  answer: unknown;
  /** The signed-in account or organisation the answer is about, when known. */
  account_uuid: string | null;
}

export interface CacheEntry {
  last?: CachedAnswer;
  /** No call before this (epoch ms): a 429's Retry-After. */
  retry_after_until?: number;
}

const file = (home: string) => join(home, 'official-usage.json');

export function readCache(home: string): Record<string, CacheEntry> {
  try {
    const o = JSON.parse(readFileSync(file(home), 'utf8')) as unknown;
    return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, CacheEntry>) : {};
  } catch {
    return {};
  }
}

export function updateCache(home: string, key: string, change: (entry: CacheEntry) => CacheEntry): void {
  const all = readCache(home);
  all[key] = change(all[key] ?? {});
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const temp = `${file(home)}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file(home));
}

/** Retry-After as delay seconds or an HTTP date (RFC 9110 §10.2.3) → epoch ms; three minutes when absent or unreadable. */
export function retryAfterUntil(header: string | null, now: number): number {
  if (header) {
    const t = header.trim();
    if (/^\d+$/.test(t)) return now + Number(t) * 1000;
    const date = Date.parse(t);
    if (Number.isFinite(date)) return Math.max(now, date);
  }
  return now + MIN_INTERVAL_MS;
}
