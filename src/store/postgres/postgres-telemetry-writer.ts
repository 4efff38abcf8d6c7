import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Db } from '../db.ts';
import type { Database, MetricSeriesTable } from '../schema.ts';
import type { Store } from '../store.ts';
import { loadSeriesStates, upgradeTranscriptRecords } from '../telemetry.ts';
import {
  lookupKey,
  type TelemetryNeeds,
  type TelemetryPlan,
  type TelemetryWritten,
  type WriteTelemetry,
} from '../telemetry-writer.ts';
import { findOrMakeSeen, type Seen, type StatementRunner, writePlannedRows } from './telemetry-statements.ts';

/**
 * The telemetry write path on PostgreSQL (telemetry-statements.ts): a batch of OTLP exports is
 * two statements, each its own transaction — the ids of the machines and accounts it names
 * (which writes, and commits, only when one is new), then its rows: their hourly sums, the keys
 * that make them exactly-once and the last-seen times commit together in the second. Both run
 * as named prepared statements, parsed once per connection: parsing and analysing them on every
 * batch cost PostgreSQL ~3 ms of CPU, more than running them for a small batch. Each is still
 * planned for its values (`plan_cache_mode = force_custom_plan`, open-postgres.ts): a generic
 * plan scanned every machine. A batch with cumulative series (their states are locked while the
 * deltas are planned) or transcript records (one stored before may be upgraded:
 * transcriptUpgrade) runs in one transaction, through Kysely.
 */
export function postgresTelemetryWriter(
  db: Kysely<Database>,
  pool: pg.Pool,
  transaction: Store['transaction'],
): WriteTelemetry {
  const prepared = preparedRunner(db, pool);
  return async (needs, plan, now) => {
    if (needs.series.length > 0) return transaction((trx) => writeLocked(trx, needs, plan, now));
    const seen = await findOrMakeSeen(prepared, needs, now);
    const rows = plan(lookupsOf(seen, new Map()));
    if (rows.usage.some((r) => r.source === 'transcript')) return transaction((trx) => writeRows(trx, seen, rows));
    return writeRows(prepared, seen, rows);
  };
}

/**
 * Runs a statement on any pooled connection as a named prepared statement. The name carries a
 * digest of the text, so a statement whose text changes (a new column) is never run under the
 * name of the old one on a connection that prepared it.
 */
function preparedRunner(db: Kysely<Database>, pool: pg.Pool): StatementRunner {
  const names = new Map<string, string>();
  return async (name, query) => {
    const { sql: text, parameters } = query.compile(db);
    let prepared = names.get(text);
    if (prepared === undefined) {
      prepared = `takt_${name}_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
      names.set(text, prepared);
    }
    const result = await pool.query({ name: prepared, text, values: parameters as unknown[] });
    return result.rows;
  };
}

function kyselyRunner(trx: Db): StatementRunner {
  return async (_name, query) => (await query.execute(trx)).rows;
}

/** A batch with cumulative series: their states locked (until the commit) while the deltas are planned. */
async function writeLocked(
  trx: Db,
  needs: TelemetryNeeds,
  plan: Parameters<WriteTelemetry>[1],
  now: number,
): Promise<TelemetryWritten> {
  const seen = await findOrMakeSeen(kyselyRunner(trx), needs, now);
  const series = new Map<string, MetricSeriesTable>();
  const byUser = new Map<string, string[]>();
  for (const s of needs.series) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s.seriesKey]);
  // Users in order too: two replicas' batches lock series in one order (no deadlock).
  for (const [userId, keys] of [...byUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const states = await loadSeriesStates(trx, userId, keys, { lock: true });
    for (const [key, state] of states) series.set(lookupKey(userId, key), state);
  }
  return writeRows(trx, seen, plan(lookupsOf(seen, series)));
}

function lookupsOf(seen: Seen, series: Map<string, MetricSeriesTable>) {
  return {
    machineId: (u: string, h: string) => seen.machines.get(lookupKey(u, h)) ?? '',
    accountId: (u: string, k: string) => seen.accounts.get(lookupKey(u, k)) ?? '',
    seriesState: (u: string, k: string) => series.get(lookupKey(u, k)),
  };
}

/**
 * The planned rows written (`on`: a transaction, or the prepared runner outside one); transcript
 * records not inserted are offered an upgrade, in the transaction (a batch with transcript
 * records always has one).
 */
async function writeRows(on: Db | StatementRunner, seen: Seen, rows: TelemetryPlan): Promise<TelemetryWritten> {
  const inTransaction = typeof on !== 'function';
  const inserted = await writePlannedRows(inTransaction ? kyselyRunner(on) : on, seen.touch, rows);
  const usage = rows.usage.filter((r) => inserted.usage.has(lookupKey(r.user_id, r.dedupe_key)));
  const insertedSet = new Set(usage);
  const notInserted = rows.usage.filter((r) => !insertedSet.has(r) && r.source === 'transcript');
  const upgraded = inTransaction && notInserted.length > 0 ? await upgradeTranscriptRecords(on, notInserted) : [];
  return {
    usage: new Set([...usage, ...upgraded]),
    activity: new Set(rows.activity.filter((r) => inserted.activity.has(lookupKey(r.user_id, r.dedupe_key)))),
  };
}
