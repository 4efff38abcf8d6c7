import { sql } from 'kysely';
import type { UsageCounts } from '../lib/usage-counts.ts';
import { USAGE_FIELDS } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import type { UsageSource } from './schema.ts';
import { HOUR_MS, timeKeyPrefix } from './telemetry.ts';

/** A stored usage row as reports read it: a raw record, or an hour of the rollup (`at` = the hour). */
export interface UsageRow extends UsageCounts {
  at: number;
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
}

/**
 * A user's usage rows in [from, to): whole hours from the hourly rollup, the partial
 * hours at the edges from raw records (exact to the millisecond). `rawFrom` moves the
 * rollup/raw boundary: everything from it on is read raw (callers that need minutes).
 */
export async function loadUsageRows(
  db: Db,
  q: { userId: string; from: number; to: number; rawFrom?: number },
): Promise<UsageRow[]> {
  const rawFrom = Math.max(q.from, Math.min(q.to, q.rawFrom ?? q.to));
  const fullFrom = Math.ceil(q.from / HOUR_MS) * HOUR_MS;
  const fullTo = Math.floor(rawFrom / HOUR_MS) * HOUR_MS;
  const rows: UsageRow[] = [];
  if (fullTo > fullFrom) {
    rows.push(
      ...(await db
        .selectFrom('usage_hourly')
        .select(['hour as at', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_FIELDS])
        .where('user_id', '=', q.userId)
        .where('hour', '>=', fullFrom)
        .where('hour', '<', fullTo)
        .execute()),
    );
  }
  const edges: [number, number][] =
    fullTo > fullFrom
      ? [
          [q.from, fullFrom],
          [fullTo, q.to],
        ]
      : [[q.from, q.to]];
  for (const [a, b] of edges) {
    if (b <= a) continue;
    rows.push(
      ...(await db
        .selectFrom('usage_records')
        .select(['ts as at', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_FIELDS])
        .where('user_id', '=', q.userId)
        // The key starts with the time: this range reads the primary key index only.
        .where('dedupe_key', '>=', timeKeyPrefix(a))
        .where('dedupe_key', '<', timeKeyPrefix(b))
        .execute()),
    );
  }
  for (const r of rows) for (const k of USAGE_FIELDS) r[k] = Number(r[k]);
  return rows;
}

/**
 * input + output + cache reads + cache writes, summed over the selected rows (the 5m/1h
 * split is part of cache writes): the token total the counting rule and /validate compare.
 */
export const summedTokens = () =>
  sql<number>`sum(input_tokens) + sum(output_tokens) + sum(cache_read_tokens) + sum(cache_creation_tokens)`;

/** A source's token total over a session's life, per model: what the counting rule compares. */
export interface SourceTotal {
  session_id: string;
  model: string;
  source: UsageSource;
  /** Input + output + cache reads + cache writes, plus cost (which breaks ties between token-less rows). */
  weight: number;
  /** The stored cost_usd: Claude Code's own for events and metrics (usage/count-once.ts chooses between them). */
  cost: number;
}

export async function loadSourceTotals(db: Db, userId: string, sessions: string[]): Promise<SourceTotal[]> {
  const out: SourceTotal[] = [];
  for (let i = 0; i < sessions.length; i += 400) {
    const part = sessions.slice(i, i + 400);
    const totals = await db
      .selectFrom('usage_hourly')
      .select((eb) => [
        'session_id',
        'model',
        'source',
        summedTokens().as('tokens'),
        eb.fn.sum<number>('cost_usd').as('cost'),
      ])
      .where('user_id', '=', userId)
      .where('session_id', 'in', part)
      .groupBy(['session_id', 'model', 'source'])
      .execute();
    for (const t of totals)
      out.push({
        session_id: t.session_id,
        model: t.model,
        source: t.source,
        weight: Number(t.tokens) + Number(t.cost),
        cost: Number(t.cost),
      });
  }
  return out;
}

/**
 * How many raw records a user has per hour in [from, to), hour ascending: summed from the
 * rollup's `records`; `unlinked`, those of them without an account yet (linking one moves it
 * between accounts without changing `records`: store/unlinked-usage.ts).
 */
export async function countRecordsPerHour(
  db: Db,
  userId: string,
  from: number,
  to: number,
): Promise<{ hour: number; records: number; unlinked: number }[]> {
  const rows = await db
    .selectFrom('usage_hourly')
    .select((eb) => [
      'hour',
      eb.fn.sum<number>('records').as('records'),
      sql<number>`sum(case when account_id = '' then records else 0 end)`.as('unlinked'),
    ])
    .where('user_id', '=', userId)
    .where('hour', '>=', from)
    .where('hour', '<', to)
    .groupBy('hour')
    .orderBy('hour')
    .execute();
  return rows.map((r) => ({ hour: Number(r.hour), records: Number(r.records), unlinked: Number(r.unlinked) }));
}

/** The account of a machine's latest usage record (null: none, or no account known). */
export async function lastAccountOfMachine(db: Db, machineId: string): Promise<string | null> {
  const last = await db
    .selectFrom('usage_records')
    .select('account_id')
    .where('machine_id', '=', machineId)
    .orderBy('ts', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last?.account_id ?? null;
}

/** A user's usage over its whole history, summed per account, session, model and source (the hourly rollup). */
export interface UsageTotalRow extends UsageCounts {
  account_id: string;
  session_id: string;
  model: string;
  source: UsageSource;
}

export async function loadUsageTotals(db: Db, userId: string): Promise<UsageTotalRow[]> {
  const rows = await db
    .selectFrom('usage_hourly')
    .select((eb) => [
      'account_id',
      'session_id',
      'model',
      'source',
      ...USAGE_FIELDS.map((f) => eb.fn.sum<number>(f).as(f)),
    ])
    .where('user_id', '=', userId)
    .groupBy(['account_id', 'session_id', 'model', 'source'])
    .execute();
  for (const r of rows) for (const k of USAGE_FIELDS) r[k] = Number(r[k]);
  return rows;
}
