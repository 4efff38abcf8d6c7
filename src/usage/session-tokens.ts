import { FLAG_DEAD, type UsageTable } from '../transcripts/usage-table.ts';

/**
 * All tokens of one session (input, output, cache writes and reads: what seed 004's
 * `code.session_tokens` and ccusage count), from the rows a table holds. Without a
 * session id, the session of the newest response. Undefined when the table has none.
 */
export function sessionTokens(
  table: UsageTable,
  sessionId?: string,
): { sessionId: string; tokens: number } | undefined {
  const c = table.columns;
  let session = sessionId === undefined ? -1 : (table.sessions.idOf(sessionId) ?? -1);
  if (sessionId === undefined) {
    let newest = Number.NEGATIVE_INFINITY;
    for (let row = 0; row < table.count; row++) {
      if (((c.flags[row] as number) & FLAG_DEAD) !== 0) continue;
      const t = c.timestampMs[row] as number;
      if (t > newest) {
        newest = t;
        session = c.session[row] as number;
      }
    }
  }
  if (session === -1) return undefined;
  let tokens = 0;
  for (let row = 0; row < table.count; row++) {
    if (c.session[row] !== session || ((c.flags[row] as number) & FLAG_DEAD) !== 0) continue;
    tokens +=
      (c.input[row] as number) +
      (c.output[row] as number) +
      (c.cacheWrite5m[row] as number) +
      (c.cacheWrite1h[row] as number) +
      (c.cacheRead[row] as number);
  }
  return { sessionId: sessionId ?? (table.sessions.nameOf(session) as string), tokens };
}
