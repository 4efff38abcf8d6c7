import { USAGE_FIELDS, type UsageCounts } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import type { UsageSource } from './schema.ts';
import { timeKeyPrefix } from './telemetry.ts';

/** One (session, model, source, machine, account) since a time: first and last record and sums. */
export interface SessionPart extends UsageCounts {
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
  first_at: number;
  last_at: number;
}

/**
 * A user's raw usage records since `since`, summed per session, model, source, machine and
 * account with their first and last times (the sessions page: exact start and last activity).
 */
export async function loadSessionParts(db: Db, q: { userId: string; since: number }): Promise<SessionPart[]> {
  const rows = await db
    .selectFrom('usage_records')
    .select((eb) => [
      'session_id',
      'model',
      'source',
      'machine_id',
      'account_id',
      eb.fn.min<number>('ts').as('first_at'),
      eb.fn.max<number>('ts').as('last_at'),
      ...USAGE_FIELDS.map((f) => eb.fn.sum<number>(f).as(f)),
    ])
    .where('user_id', '=', q.userId)
    .where('dedupe_key', '>=', timeKeyPrefix(q.since))
    .groupBy(['session_id', 'model', 'source', 'machine_id', 'account_id'])
    .execute();
  return rows.map((r) => {
    const out = { ...r, first_at: Number(r.first_at), last_at: Number(r.last_at) } as SessionPart;
    for (const f of USAGE_FIELDS) out[f] = Number(r[f]);
    return out;
  });
}

/** The session's last per-request record (an api_request event) at or after `since`, if any. */
export async function loadLastRequest(
  db: Db,
  q: { userId: string; sessionId: string; since: number },
): Promise<
  | { model: string; ts: number; input_tokens: number; cache_read_tokens: number; cache_creation_tokens: number }
  | undefined
> {
  const r = await db
    .selectFrom('usage_records')
    .select(['model', 'ts', 'input_tokens', 'cache_read_tokens', 'cache_creation_tokens'])
    .where('user_id', '=', q.userId)
    .where('dedupe_key', '>=', timeKeyPrefix(q.since))
    .where('session_id', '=', q.sessionId)
    .where('source', '=', 'event')
    .orderBy('ts', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r
    ? {
        model: r.model,
        ts: Number(r.ts),
        input_tokens: Number(r.input_tokens),
        cache_read_tokens: Number(r.cache_read_tokens),
        cache_creation_tokens: Number(r.cache_creation_tokens),
      }
    : undefined;
}
