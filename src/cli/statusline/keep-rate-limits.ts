import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusInput } from './status-input.ts';

/**
 * Keeps the latest official rate_limits in TAKT_HOME/rate-limits.json, for `takt report` and
 * the server agent; written only when they changed, atomically (temporary file, rename).
 */
export function keepRateLimits(home: string, input: StatusInput, now: number): void {
  const limits = input.rate_limits;
  if (
    limits === undefined ||
    (limits.five_hour === undefined && limits.seven_day === undefined && limits.spend_limit === undefined)
  )
    return;
  const file = join(home, 'rate-limits.json');
  const next = {
    five_hour: limits.five_hour ?? null,
    seven_day: limits.seven_day ?? null,
    spend_limit: limits.spend_limit ?? null,
  };
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const before = {
      five_hour: previous.five_hour,
      seven_day: previous.seven_day,
      spend_limit: previous.spend_limit ?? null,
    };
    if (JSON.stringify(before) === JSON.stringify(next)) return;
  } catch {
    // none yet, or unreadable: write a fresh one
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(
    temporary,
    `${JSON.stringify({ captured_at: new Date(now).toISOString(), session_id: input.session_id ?? null, ...next }, null, 2)}\n`,
  );
  renameSync(temporary, file);
}
