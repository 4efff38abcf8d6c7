import { TaktError } from '../lib/errors.ts';
import { parseUsageAnswer } from './parse-official-usage.ts';

export type UsageCallResult = { kind: 'ok'; answer: unknown } | { kind: 'rate_limited'; retryAfter: string | null };

/**
 * One GET of a usage endpoint. A 429 comes back as a value (its Retry-After is kept by the
 * caller); other failures are TaktErrors whose message says what to do: 401/403 mean the
 * credentials are expired or revoked, an answer that is not JSON or has no readable window
 * is `unavailable` — and is never stored.
 */
export async function fetchUsageAnswer(
  url: string,
  headers: Record<string, string>,
  what: { name: string; onUnauthorized: string },
  debug?: (line: string) => void,
): Promise<UsageCallResult> {
  let r: Response;
  debug?.(`Fetching: ${url}`);
  try {
    r = await fetch(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(15_000),
      redirect: 'manual',
    });
  } catch (error) {
    throw new TaktError(
      'unavailable',
      `cannot reach ${what.name} at ${new URL(url).origin} (${(error as Error).message}): check the network and try again`,
    );
  }
  debug?.(`HTTP ${r.status}`);
  if (r.status === 429) {
    await r.body?.cancel();
    return { kind: 'rate_limited', retryAfter: r.headers.get('retry-after') };
  }
  const text = await r.text();
  // The answer holds percentages and reset times, never a credential.
  debug?.(`Response: ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
  if (r.status === 401 || r.status === 403) {
    throw new TaktError('unauthenticated', `${what.name} answered ${r.status}: ${what.onUnauthorized}`);
  }
  if (r.status !== 200) {
    throw new TaktError('unavailable', `${what.name} answered ${r.status} (${text.slice(0, 200)}): try again later`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new TaktError(
      'unavailable',
      `${what.name} answered something that is not JSON (${JSON.stringify(text.slice(0, 80))}): nothing was stored; try again later, and if it persists the endpoint has changed — report it`,
    );
  }
  const parsed = parseUsageAnswer(answer);
  if (parsed.errors.length > 0 || parsed.windows.length === 0) {
    throw new TaktError(
      'unavailable',
      `${what.name} answered JSON takt cannot read (${parsed.errors[0] ?? 'no usage window in it'}): nothing was stored; if it persists the endpoint has changed — report it`,
    );
  }
  return { kind: 'ok', answer };
}
