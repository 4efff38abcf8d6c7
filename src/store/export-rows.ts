import { USAGE_FIELDS, type UsageCounts } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import type { UsageSource } from './schema.ts';
import { HOUR_MS, timeKeyPrefix } from './telemetry.ts';
import { type SourceTotal, summedTokens } from './usage-rows.ts';

/** One raw usage record as the export reads it. */
export interface ExportRecord extends UsageCounts {
  dedupe_key: string;
  at: number;
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
}

/**
 * A user's raw usage records in [from, to), time ascending, one page at a time: keyset
 * pagination on the primary key (user_id, dedupe_key), whose keys start with the time, so
 * each page is one index range read and memory holds one page, whatever the range's size.
 */
export async function* pageUsageRecords(
  db: Db,
  q: { userId: string; from: number; to: number; pageSize?: number },
): AsyncGenerator<ExportRecord[]> {
  const pageSize = q.pageSize ?? 5000;
  let after: string | undefined;
  for (;;) {
    let query = db
      .selectFrom('usage_records')
      .select(['dedupe_key', 'ts as at', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_FIELDS])
      .where('user_id', '=', q.userId)
      .where('dedupe_key', '>=', timeKeyPrefix(q.from))
      .where('dedupe_key', '<', timeKeyPrefix(q.to));
    if (after !== undefined) query = query.where('dedupe_key', '>', after);
    const rows = await query.orderBy('dedupe_key').limit(pageSize).execute();
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.dedupe_key;
    const page: ExportRecord[] = [];
    for (const r of rows) {
      const at = Number(r.at);
      // The key's prefix is whole milliseconds; the bounds themselves are exact.
      if (at < q.from || at >= q.to) continue;
      const out = { ...r, at } as ExportRecord;
      for (const f of USAGE_FIELDS) out[f] = Number(r[f]);
      page.push(out);
    }
    if (page.length > 0) yield page;
    if (rows.length < pageSize) return;
  }
}

/**
 * Source totals over the whole life of every session that has usage in [from, to), per
 * (session, model, source): what the counting rule (usage/count-once.ts) chooses by. Read
 * from the hourly rollup, one row per session, model and source: as many as sessions, not records.
 */
export async function loadSourceTotalsOfRange(
  db: Db,
  q: { userId: string; from: number; to: number },
): Promise<SourceTotal[]> {
  const hourFrom = Math.floor(q.from / HOUR_MS) * HOUR_MS;
  const rows = await db
    .selectFrom('usage_hourly')
    .select((eb) => [
      'session_id',
      'model',
      'source',
      summedTokens().as('tokens'),
      eb.fn.sum<number>('cost_usd').as('cost'),
    ])
    .where('user_id', '=', q.userId)
    .where('session_id', 'in', (eb) =>
      eb
        .selectFrom('usage_hourly')
        .select('session_id')
        .distinct()
        .where('user_id', '=', q.userId)
        .where('hour', '>=', hourFrom)
        .where('hour', '<', q.to),
    )
    .groupBy(['session_id', 'model', 'source'])
    .execute();
  return rows.map((t) => ({
    session_id: t.session_id,
    model: t.model,
    source: t.source,
    weight: Number(t.tokens) + Number(t.cost),
    cost: Number(t.cost),
  }));
}

/** One activity record (Claude Code's non-token metrics), kept once per dedupe key. */
export interface ActivityRow {
  user_id: string;
  at: number;
  machine_id: string;
  account_id: string;
  session_id: string;
  kind: string;
  value: number;
  attributes: string;
}

/** The activity records of some users (all users: `userIds` undefined) of the given kinds in [from, to). */
export async function loadActivityRows(
  db: Db,
  q: { userIds?: string[]; kinds: readonly string[]; from: number; to: number },
): Promise<ActivityRow[]> {
  let query = db
    .selectFrom('activity_records')
    .select(['user_id', 'ts as at', 'machine_id', 'account_id', 'session_id', 'kind', 'value', 'attributes'])
    .where('kind', 'in', [...q.kinds])
    .where('ts', '>=', q.from)
    .where('ts', '<', q.to);
  if (q.userIds !== undefined) {
    if (q.userIds.length === 0) return [];
    query = query.where('user_id', 'in', q.userIds);
  }
  const rows = await query.orderBy('ts').execute();
  return rows.map((r) => ({ ...r, at: Number(r.at), value: Number(r.value) }));
}
