/** TAKT_WEBHOOK_MAX_PER_HOST's default. */
export const DEFAULT_MAX_PER_HOST = 5;

/**
 * One event reaches at most `max` endpoints on one destination host (issue 22.5): a member
 * cannot make takt hammer one receiver (or a third party's) with many copies of each event.
 * The host is the URL's hostname, ports aside, so spreading endpoints over ports does not help.
 * Endpoints keep their order (oldest first); those past the cap are returned as skipped.
 */
export function capPerHost<T>(
  targets: readonly T[],
  urlOf: (t: T) => string,
  max: number,
): { kept: T[]; skipped: { host: string; count: number }[] } {
  const seen = new Map<string, number>();
  const kept: T[] = [];
  for (const t of targets) {
    const host = hostOf(urlOf(t));
    const n = (seen.get(host) ?? 0) + 1;
    seen.set(host, n);
    if (n <= max) kept.push(t);
  }
  const skipped = [...seen].filter(([, n]) => n > max).map(([host, n]) => ({ host, count: n - max }));
  return { kept, skipped };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return url;
  }
}
