import { readlinkSync } from 'node:fs';

/**
 * This machine's zone: TZ when set, else the target of /etc/localtime, else Intl's answer
 * (Intl's first use costs ~15 ms of start-up, which the status line cannot spare).
 */
export function defaultTimeZone(env: NodeJS.ProcessEnv = process.env): string {
  const tz = env.TZ?.replace(/^:/, '');
  if (tz !== undefined && /^(?:UTC|[A-Za-z]+(?:\/[\w+-]+)+)$/.test(tz)) return tz;
  try {
    const target = readlinkSync('/etc/localtime');
    const at = target.indexOf('zoneinfo/');
    if (at !== -1) return target.slice(at + 'zoneinfo/'.length);
  } catch {
    // not a symlink (or not Linux/macOS): ask Intl
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
