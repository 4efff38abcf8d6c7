import type { Db } from './db.ts';

/** The newest time each way of sending usage left a trace for a user (epoch ms; null: never). */
export interface SourceArrivals {
  /** OpenTelemetry from Claude Code: metrics and api_request events. */
  opentelemetry: number | null;
  /** `takt sync` transcript uploads. */
  sync: number | null;
  /** The StopFailure hook's limit events and the status line's forwarded rate limits. */
  hooks: number | null;
  /** Official readings (`takt usage official`, the pollers of takt sync --watch). */
  official: number | null;
  /** Manual entries (`takt track`, the dashboard, POST /api/session). */
  manual: number | null;
}

const toMs = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function sourceArrivals(db: Db, userId: string): Promise<SourceArrivals> {
  const usage = await db
    .selectFrom('usage_records')
    .select(['source', (eb) => eb.fn.max('ts').as('last')])
    .where('user_id', '=', userId)
    .groupBy('source')
    .execute();
  const last = (...sources: string[]) => {
    const times = usage.filter((u) => sources.includes(u.source)).map((u) => toMs(u.last) ?? 0);
    return times.length ? Math.max(...times) : null;
  };
  const hookEvent = await db
    .selectFrom('limit_events')
    .select((eb) => eb.fn.max('created_at').as('last'))
    .where('user_id', '=', userId)
    .where('source', '=', 'hook')
    .executeTakeFirst();
  const observations = await db
    .selectFrom('official_observations')
    .select(['source', (eb) => eb.fn.max('received_at').as('last')])
    .where('user_id', '=', userId)
    .groupBy('source')
    .execute();
  const observed = (...sources: string[]) => {
    const times = observations.filter((o) => sources.includes(o.source)).map((o) => toMs(o.last) ?? 0);
    return times.length ? Math.max(...times) : null;
  };
  const hookTimes = [toMs(hookEvent?.last), observed('statusline')].filter((t): t is number => t !== null);
  return {
    opentelemetry: last('metric', 'event'),
    sync: last('transcript'),
    hooks: hookTimes.length ? Math.max(...hookTimes) : null,
    official: observed('oauth', 'claude_ai', 'claude_json'),
    manual: last('manual'),
  };
}
