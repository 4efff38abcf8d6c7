import type { EventObservation, MetricObservation, TelemetryContext } from '../ingest/claude-code.ts';
import { TaktError } from '../lib/errors.ts';
import type { ActivityRecordsTable, MetricSeriesTable, UsageRecordsTable } from '../store/schema.ts';
import type { Db, Store } from '../store/store.ts';
import {
  addToHourly,
  insertActivityRecords,
  insertUsageRecords,
  loadSeriesStates,
  saveSeriesStates,
  touchAccount,
  touchMachine,
} from '../store/telemetry.ts';

export type Observation = MetricObservation | EventObservation;

export interface RecordResult {
  /** Observations that added something new. */
  stored: number;
  /** Observations already stored before (a resent export): ignored. */
  duplicates: number;
}

interface Job {
  userId: string;
  observations: Observation[];
  resolve: (r: RecordResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Stores telemetry observations exactly once. Exports that arrive together are
 * written in one transaction (group commit): with synchronous=FULL every commit
 * waits for the disk, so one commit per batch of exports instead of one per export
 * is what lets a durable SQLite keep up. A caller's promise resolves only after its
 * observations are committed, so an acknowledged export is never lost.
 */
export class TelemetryRecorder {
  private queue: Job[] = [];
  private flushing: Promise<void> | undefined;
  private readonly store: Store;
  private readonly maxBatch: number;
  /** Called after a commit with the users whose data changed (live updates hang off this). */
  onCommitted: ((userIds: Set<string>) => void) | undefined;

  constructor(store: Store, options: { maxBatch?: number } = {}) {
    this.store = store;
    this.maxBatch = options.maxBatch ?? 256;
  }

  record(userId: string, observations: Observation[]): Promise<RecordResult> {
    if (observations.length === 0) return Promise.resolve({ stored: 0, duplicates: 0 });
    return new Promise((resolve, reject) => {
      this.queue.push({ userId, observations, resolve, reject });
      this.flushing ??= new Promise<void>((done) => setImmediate(done)).then(() => this.flush());
    });
  }

  /** Resolves once everything queued so far is committed (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.store.transaction((trx) => writeJobs(trx, jobs));
          for (const [i, job] of jobs.entries()) job.resolve(results[i] as RecordResult);
          this.onCommitted?.(new Set(jobs.map((j) => j.userId)));
        } catch {
          // One bad job must not fail the others: retry each in its own transaction.
          for (const job of jobs) {
            try {
              const [result] = await this.store.transaction((trx) => writeJobs(trx, [job]));
              job.resolve(result as RecordResult);
              this.onCommitted?.(new Set([job.userId]));
            } catch (error) {
              job.reject(
                new TaktError(
                  'unavailable',
                  `the export could not be stored (${(error as Error).message}); nothing of it was kept, retry later`,
                ),
              );
            }
          }
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }
}

interface Resolved {
  machineId: string;
  accountId: string;
}

async function writeJobs(db: Db, jobs: Job[]): Promise<RecordResult[]> {
  const now = Date.now();
  const idCache = new Map<string, string>();
  const resolveContext = async (userId: string, ctx: TelemetryContext): Promise<Resolved> => {
    const mKey = `m\u0000${userId}\u0000${ctx.hostName}`;
    let machineId = idCache.get(mKey);
    if (machineId === undefined) {
      machineId = await touchMachine(db, userId, ctx.hostName, now);
      idCache.set(mKey, machineId);
    }
    let accountId = '';
    if (ctx.account) {
      const aKey = `a\u0000${userId}\u0000${ctx.account.key}`;
      accountId = idCache.get(aKey) ?? (await touchAccount(db, userId, ctx.account, now));
      idCache.set(aKey, accountId);
    }
    return { machineId, accountId };
  };

  const usageRows: { row: UsageRecordsTable; count: RecordResult }[] = [];
  const activityRows: { row: ActivityRecordsTable; count: RecordResult }[] = [];
  const counts: RecordResult[] = [];

  for (const job of jobs) {
    const count: RecordResult = { stored: 0, duplicates: 0 };
    counts.push(count);
    const metricObs = job.observations.filter((o): o is MetricObservation => o.type === 'metric');
    const deltas = await metricDeltas(db, job.userId, metricObs, now);
    count.duplicates += deltas.skipped;
    for (const { obs, delta, key, timeMs } of deltas.points) {
      const { machineId, accountId } = await resolveContext(job.userId, obs.ctx);
      if (obs.target.kind === 'usage') {
        const field = obs.target.field;
        const row = emptyUsageRow(job.userId, key, 'metric', timeMs, machineId, accountId, obs.ctx.sessionId);
        row.model = obs.target.model;
        row[field] = field === 'cost_usd' ? delta : Math.round(delta);
        usageRows.push({ row, count });
      } else {
        activityRows.push({
          row: {
            user_id: job.userId,
            dedupe_key: key,
            ts: timeMs,
            machine_id: machineId,
            account_id: accountId,
            session_id: obs.ctx.sessionId,
            kind: obs.target.name,
            value: delta,
            attributes: JSON.stringify(obs.target.attributes),
          },
          count,
        });
      }
    }
    for (const obs of job.observations) {
      if (obs.type !== 'event') continue;
      const { machineId, accountId } = await resolveContext(job.userId, obs.ctx);
      if (obs.target.kind === 'usage') {
        const row = emptyUsageRow(job.userId, obs.key, 'event', obs.timeMs, machineId, accountId, obs.ctx.sessionId);
        row.model = obs.target.model;
        row.request_id = obs.target.requestId;
        Object.assign(row, obs.target.tokens);
        usageRows.push({ row, count });
      } else {
        activityRows.push({
          row: {
            user_id: job.userId,
            dedupe_key: obs.key,
            ts: obs.timeMs,
            machine_id: machineId,
            account_id: accountId,
            session_id: obs.ctx.sessionId,
            kind: obs.target.name,
            value: obs.target.value,
            attributes: JSON.stringify(obs.target.attributes),
          },
          count,
        });
      }
    }
  }

  // Two observations in one flush may share a key (the same export sent twice at once).
  const uniqueUsage = firstPerKey(usageRows);
  const inserted = new Set(
    await insertUsageRecords(
      db,
      uniqueUsage.map((u) => u.row),
    ),
  );
  for (const u of uniqueUsage) {
    if (inserted.has(u.row)) u.count.stored++;
    else u.count.duplicates++;
  }
  await addToHourly(db, [...inserted]);

  const uniqueActivity = firstPerKey(activityRows);
  await insertActivityRecords(
    db,
    uniqueActivity.map((a) => a.row),
  );
  for (const a of uniqueActivity) a.count.stored++;
  return counts;
}

/** Keeps the first row per (user, key); later ones count as duplicates of their job. */
function firstPerKey<R extends { user_id: string; dedupe_key: string }>(
  rows: { row: R; count: RecordResult }[],
): { row: R; count: RecordResult }[] {
  const seen = new Set<string>();
  return rows.filter(({ row, count }) => {
    const k = `${row.user_id}\u0000${row.dedupe_key}`;
    if (seen.has(k)) {
      count.duplicates++;
      return false;
    }
    seen.add(k);
    return true;
  });
}

function emptyUsageRow(
  userId: string,
  key: string,
  source: UsageRecordsTable['source'],
  ts: number,
  machineId: string,
  accountId: string,
  sessionId: string,
): UsageRecordsTable {
  return {
    user_id: userId,
    dedupe_key: key,
    source,
    ts,
    machine_id: machineId,
    account_id: accountId,
    session_id: sessionId,
    model: '',
    request_id: null,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_5m_tokens: 0,
    cache_creation_1h_tokens: 0,
    cost_usd: 0,
  };
}

interface DeltaPoint {
  obs: MetricObservation;
  delta: number;
  key: string;
  timeMs: number;
}

/**
 * Turns metric points into deltas. Delta points are deltas already; their identity
 * is (series, start, time), so a resent export repeats the key. Cumulative points
 * are differenced against the last value kept per series; a new start time means
 * the process restarted and its counter began again at zero (OTLP data model,
 * "Sums: cumulative, reset detection via start time"). A point not newer than the
 * last one seen is a resend and adds nothing.
 */
async function metricDeltas(
  db: Db,
  userId: string,
  observations: MetricObservation[],
  now: number,
): Promise<{ points: DeltaPoint[]; skipped: number }> {
  const points: DeltaPoint[] = [];
  let skipped = 0;
  const cumulative = observations.filter((o) => o.temporality === 'cumulative');
  for (const o of observations) {
    if (o.temporality !== 'delta' || o.value === 0) continue;
    points.push({
      obs: o,
      delta: o.value,
      key: `m:${o.seriesKey}:${o.startNs}:${o.timeNs}`,
      timeMs: nanosToMs(o.timeNs),
    });
  }
  if (cumulative.length === 0) return { points, skipped };

  const states = await loadSeriesStates(db, userId, [...new Set(cumulative.map((o) => o.seriesKey))]);
  const changed = new Map<string, MetricSeriesTable>();
  cumulative.sort((a, b) => compareNanos(a.timeNs, b.timeNs));
  for (const o of cumulative) {
    const state = changed.get(o.seriesKey) ?? states.get(o.seriesKey);
    let delta: number;
    if (!state || state.start_time_ns !== o.startNs) {
      // First point of this series, or a restarted process: the whole value is new,
      // unless it is an older process's point arriving late.
      if (state && compareNanos(o.startNs, state.start_time_ns) < 0) {
        skipped++;
        continue;
      }
      delta = o.value;
    } else if (compareNanos(o.timeNs, state.last_time_ns) <= 0) {
      skipped++;
      continue;
    } else {
      delta = o.value >= state.last_value ? o.value - state.last_value : o.value;
    }
    changed.set(o.seriesKey, {
      user_id: userId,
      series_key: o.seriesKey,
      start_time_ns: o.startNs,
      last_time_ns: o.timeNs,
      last_value: o.value,
      updated_at: now,
    });
    if (delta > 0) {
      points.push({
        obs: o,
        delta,
        key: `c:${o.seriesKey}:${o.startNs}:${o.timeNs}`,
        timeMs: nanosToMs(o.timeNs),
      });
    }
  }
  await saveSeriesStates(db, [...changed.values()]);
  return { points, skipped };
}

function nanosToMs(ns: string): number {
  return Number(BigInt(ns) / 1_000_000n);
}

function compareNanos(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
