import type { Db } from '../db.ts';
import type { MetricSeriesTable } from '../schema.ts';
import type { Store } from '../store.ts';
import { loadSeriesStates, upgradeTranscriptRecords } from '../telemetry.ts';
import {
  lookupKey,
  type TelemetryNeeds,
  type TelemetryPlan,
  type TelemetryWritten,
  type WriteTelemetry,
} from '../telemetry-writer.ts';
import { findOrMakeSeen, type Seen, writePlannedRows } from './telemetry-statements.ts';

/**
 * The telemetry write path on PostgreSQL (telemetry-statements.ts): a batch of OTLP exports is
 * two statements, each its own transaction — the ids of the machines and accounts it names
 * (which writes, and commits, only when one is new), then its rows: their hourly sums, the keys
 * that make them exactly-once and the last-seen times commit together in the second. A batch
 * with cumulative series (their states are locked while the deltas are planned) or transcript
 * records (one stored before may be upgraded: transcriptUpgrade) runs in one transaction.
 */
export function postgresTelemetryWriter(db: Db, transaction: Store['transaction']): WriteTelemetry {
  return async (needs, plan, now) => {
    if (needs.series.length > 0) return transaction((trx) => writeLocked(trx, needs, plan, now));
    const seen = await findOrMakeSeen(db, needs, now);
    const rows = plan(lookupsOf(seen, new Map()));
    if (rows.usage.some((r) => r.source === 'transcript')) return transaction((trx) => writeRows(trx, seen, rows));
    return writeRows(db, seen, rows);
  };
}

/** A batch with cumulative series: their states locked (until the commit) while the deltas are planned. */
async function writeLocked(
  trx: Db,
  needs: TelemetryNeeds,
  plan: Parameters<WriteTelemetry>[1],
  now: number,
): Promise<TelemetryWritten> {
  const seen = await findOrMakeSeen(trx, needs, now);
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

/** The planned rows written; transcript records not inserted are offered an upgrade (same transaction). */
async function writeRows(db: Db, seen: Seen, rows: TelemetryPlan): Promise<TelemetryWritten> {
  const inserted = await writePlannedRows(db, seen.touch, rows);
  const usage = rows.usage.filter((r) => inserted.usage.has(lookupKey(r.user_id, r.dedupe_key)));
  const insertedSet = new Set(usage);
  const notInserted = rows.usage.filter((r) => !insertedSet.has(r) && r.source === 'transcript');
  const upgraded = notInserted.length === 0 ? [] : await upgradeTranscriptRecords(db, notInserted);
  return {
    usage: new Set([...usage, ...upgraded]),
    activity: new Set(rows.activity.filter((r) => inserted.activity.has(lookupKey(r.user_id, r.dedupe_key)))),
  };
}
