import type { MetricSeriesTable } from '../schema.ts';
import type { Store } from '../store.ts';
import {
  accountsWithinCap,
  addToHourly,
  insertActivityRecords,
  insertUsageRecords,
  loadSeriesStates,
  saveSeriesStates,
  touchAccounts,
  touchMachines,
  touchTokenMachines,
  upgradeTranscriptRecords,
} from '../telemetry.ts';
import { lookupKey, type TelemetryWritten, type WriteTelemetry } from '../telemetry-writer.ts';

/** The telemetry write path over Kysely: one transaction, multi-row statements (PostgreSQL; locks series rows). */
export function postgresTelemetryWriter(transaction: Store['transaction']): WriteTelemetry {
  return (needs, plan, now) =>
    transaction(async (trx) => {
      // One statement each for the batch's machines and accounts, not one per machine.
      const machines = await touchMachines(trx, needs.machines, now);
      const accounts = await touchAccounts(trx, await accountsWithinCap(trx, needs), now);
      const series = new Map<string, MetricSeriesTable>();
      const byUser = new Map<string, string[]>();
      for (const s of needs.series) byUser.set(s.userId, [...(byUser.get(s.userId) ?? []), s.seriesKey]);
      // Users in order too: two replicas' batches lock series in one order (no deadlock).
      for (const [userId, keys] of [...byUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const states = await loadSeriesStates(trx, userId, keys, { lock: true });
        for (const [key, state] of states) series.set(lookupKey(userId, key), state);
      }
      const rows = plan({
        machineId: (u, h) => machines.get(lookupKey(u, h)) ?? '',
        accountId: (u, k) => accounts.get(lookupKey(u, k)) ?? '',
        seriesState: (u, k) => series.get(lookupKey(u, k)),
      });
      await saveSeriesStates(trx, rows.series);
      await touchTokenMachines(trx, rows.tokenMachines);
      const inserted = await insertUsageRecords(trx, rows.usage);
      await addToHourly(trx, inserted);
      const insertedSet = new Set(inserted);
      const upgraded = await upgradeTranscriptRecords(
        trx,
        rows.usage.filter((r) => !insertedSet.has(r)),
      );
      const activity = await insertActivityRecords(trx, rows.activity);
      const written: TelemetryWritten = { usage: new Set([...inserted, ...upgraded]), activity };
      return written;
    });
}
