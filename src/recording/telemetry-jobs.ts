import { identityDigest } from '../lib/identity-digest.ts';
import {
  type ActivityRecordsTable,
  emptyUsage,
  type MetricSeriesTable,
  type TokenMachinesTable,
  type UsageRecordsTable,
} from '../store/schema.ts';
import { timeKeyPrefix } from '../store/telemetry.ts';
import {
  lookupKey,
  type TelemetryLookups,
  type TelemetryNeeds,
  type TelemetryPlan,
  type WriteTelemetry,
} from '../store/telemetry-writer.ts';
import type { MetricObservation, Observation, TelemetryContext } from './observations.ts';

export type { Observation } from './observations.ts';

export interface RecordResult {
  /** Observations that added something new. */
  stored: number;
  /** Observations already stored before (a resent export): ignored. */
  duplicates: number;
}

/** One export's observations, for one user. */
export interface TelemetryJob {
  userId: string;
  /** The API token that sent the export ('' or absent when none). */
  tokenId?: string;
  observations: Observation[];
}

/**
 * A job as posted to the writer thread (telemetry-worker.ts). A structured clone copies
 * every string it meets, and the group key of a metric point (its resource and attributes
 * as text, ~500 characters) is the same for the five points of a session and model: each
 * key is sent once per job, and the points name it by number.
 */
export interface PackedJob {
  userId: string;
  tokenId: string;
  groupKeys: string[];
  observations: Array<Observation | (Omit<MetricObservation, 'groupKey'> & { groupKey: number })>;
}

export function packJob(job: TelemetryJob): PackedJob {
  const groupKeys: string[] = [];
  const numbers = new Map<string, number>();
  const observations = job.observations.map((o) => {
    if (o.type !== 'metric') return o;
    let n = numbers.get(o.groupKey);
    if (n === undefined) {
      n = groupKeys.push(o.groupKey) - 1;
      numbers.set(o.groupKey, n);
    }
    return { ...o, groupKey: n };
  });
  return { userId: job.userId, tokenId: job.tokenId ?? '', groupKeys, observations };
}

export function unpackJob(job: PackedJob): TelemetryJob {
  const observations = job.observations.map(
    (o): Observation =>
      o.type === 'metric' && typeof o.groupKey === 'number'
        ? { ...o, groupKey: job.groupKeys[o.groupKey] as string }
        : (o as Observation),
  );
  return { userId: job.userId, ...(job.tokenId ? { tokenId: job.tokenId } : {}), observations };
}

/**
 * Plans and writes a group of jobs. What the store must look up first (machines,
 * accounts, cumulative series) is collected here; the rows are decided by
 * planRows with those answers, inside the store's transaction.
 */
export async function writeJobs(
  write: WriteTelemetry,
  jobs: TelemetryJob[],
  options: { accountsPerUserMax?: number | undefined } = {},
): Promise<RecordResult[]> {
  const now = Date.now();
  const needs: TelemetryNeeds = { machines: [], accounts: [], series: [] };
  if (options.accountsPerUserMax !== undefined) needs.accountsPerUserMax = options.accountsPerUserMax;
  const seen = new Set<string>();
  for (const job of jobs) {
    for (const o of job.observations) {
      const m = lookupKey('m', job.userId, o.ctx.hostName);
      if (!seen.has(m)) {
        seen.add(m);
        needs.machines.push({ userId: job.userId, hostName: o.ctx.hostName });
      }
      if (o.ctx.account) {
        const a = lookupKey('a', job.userId, o.ctx.account.key);
        if (!seen.has(a)) {
          seen.add(a);
          needs.accounts.push({ userId: job.userId, account: o.ctx.account });
        }
      }
      if (o.type === 'metric' && o.temporality === 'cumulative') {
        const k = lookupKey('s', job.userId, o.seriesKey);
        if (!seen.has(k)) {
          seen.add(k);
          needs.series.push({ userId: job.userId, seriesKey: o.seriesKey });
        }
      }
    }
  }
  const counts = jobs.map((): RecordResult => ({ stored: 0, duplicates: 0 }));
  let owners: { usage: Map<UsageRecordsTable, Owner>; activity: Map<ActivityRecordsTable, Owner> } = {
    usage: new Map(),
    activity: new Map(),
  };
  const written = await write(
    needs,
    (lookups) => {
      const planned = planRows(jobs, counts, lookups, now);
      owners = planned.owners;
      return planned.plan;
    },
    now,
  );
  for (const [row, { count, weight }] of owners.usage) {
    if (written.usage.has(row)) count.stored += weight;
    else count.duplicates += weight;
  }
  for (const [row, { count, weight }] of owners.activity) {
    if (written.activity.has(row)) count.stored += weight;
    else count.duplicates += weight;
  }
  return counts;
}

/**
 * The dedupe key of a metric row: the series group, start and end of the interval.
 * Like every key it starts with the time (store/telemetry.ts, timeKeyPrefix).
 */
function metricRowKey(kind: 'm' | 'c', timeMs: number, obs: MetricObservation): string {
  return `${timeKeyPrefix(timeMs)}:${kind}:${identityDigest([obs.groupKey, obs.startNs, obs.timeNs])}`;
}

/** The job a planned row belongs to, and how many observations it stands for. */
interface Owner {
  count: RecordResult;
  weight: number;
}

function planRows(
  jobs: TelemetryJob[],
  counts: RecordResult[],
  lookups: TelemetryLookups,
  now: number,
): {
  plan: TelemetryPlan;
  owners: { usage: Map<UsageRecordsTable, Owner>; activity: Map<ActivityRecordsTable, Owner> };
} {
  const usage = new Map<UsageRecordsTable, Owner>();
  const activity = new Map<ActivityRecordsTable, Owner>();
  const keys = new Set<string>();
  // The last state of each cumulative series over the whole batch: two exports of one series in
  // one group commit (a backlog, a retry beside the next export) difference one after the other,
  // not both from the state stored before the batch — and save one row per series.
  const series = new Map<string, MetricSeriesTable>();
  // Two observations in one flush may share a key (the same export sent twice at once): keep the first.
  const add = <R extends UsageRecordsTable | ActivityRecordsTable>(
    into: Map<R, Owner>,
    row: R,
    count: RecordResult,
    weight = 1,
  ) => {
    const k = lookupKey(row.user_id, row.dedupe_key);
    if (keys.has(k)) count.duplicates += weight;
    else {
      keys.add(k);
      into.set(row, { count, weight });
    }
  };
  const tokenMachines = new Map<string, TokenMachinesTable>();
  for (const [i, job] of jobs.entries()) {
    const count = counts[i] as RecordResult;
    const place = (ctx: TelemetryContext) => {
      const machineId = lookups.machineId(job.userId, ctx.hostName);
      if (job.tokenId) {
        const k = lookupKey(job.tokenId, machineId);
        if (!tokenMachines.has(k))
          tokenMachines.set(k, {
            token_id: job.tokenId,
            machine_id: machineId,
            user_id: job.userId,
            first_seen_at: now,
            last_seen_at: now,
          });
      }
      const accountId = ctx.account ? lookups.accountId(job.userId, ctx.account.key) : '';
      // An account named but not written: past TAKT_MAX_ACCOUNTS_PER_USER (never to be linked elsewhere).
      return { machineId, accountId, refused: ctx.account !== null && accountId === '' };
    };
    const metricObs = job.observations.filter((o): o is MetricObservation => o.type === 'metric');
    const deltas = metricDeltas(job.userId, metricObs, lookups, now, series);
    count.duplicates += deltas.skipped;
    // A session's input, output, cache and cost points for one model at one time become one row.
    const merged = new Map<string, { row: UsageRecordsTable; points: number }>();
    for (const { obs, delta, kind, timeMs } of deltas.points) {
      const placed = place(obs.ctx);
      const { machineId, accountId } = placed;
      if (obs.target.kind === 'usage') {
        const rowKey = metricRowKey(kind, timeMs, obs);
        let entry = merged.get(rowKey);
        if (!entry) {
          const row = emptyUsageRow(job, rowKey, 'metric', timeMs, placed, obs.ctx.sessionId);
          row.model = obs.target.model;
          entry = { row, points: 0 };
          merged.set(rowKey, entry);
        }
        const field = obs.target.field;
        entry.row[field] += field === 'cost_usd' ? delta : Math.round(delta);
        entry.points++;
      } else {
        add(
          activity,
          {
            user_id: job.userId,
            dedupe_key: metricRowKey(kind, timeMs, obs),
            ts: timeMs,
            machine_id: machineId,
            account_id: accountId,
            session_id: obs.ctx.sessionId,
            kind: obs.target.name,
            value: delta,
            attributes: JSON.stringify(obs.target.attributes),
          },
          count,
        );
      }
    }
    for (const { row, points } of merged.values()) add(usage, row, count, points);
    for (const obs of job.observations) {
      if (obs.type !== 'event') continue;
      const placed = place(obs.ctx);
      const { machineId, accountId } = placed;
      if (obs.target.kind === 'usage') {
        const key = `${timeKeyPrefix(obs.timeMs)}:${obs.key}`;
        const row = emptyUsageRow(job, key, 'event', obs.timeMs, placed, obs.ctx.sessionId);
        row.model = obs.target.model;
        row.request_id = obs.target.requestId;
        Object.assign(row, obs.target.tokens);
        add(usage, row, count);
      } else {
        add(
          activity,
          {
            user_id: job.userId,
            dedupe_key: `${timeKeyPrefix(obs.timeMs)}:${obs.key}`,
            ts: obs.timeMs,
            machine_id: machineId,
            account_id: accountId,
            session_id: obs.ctx.sessionId,
            kind: obs.target.name,
            value: obs.target.value,
            attributes: JSON.stringify(obs.target.attributes),
          },
          count,
        );
      }
    }
    for (const obs of job.observations) {
      if (obs.type !== 'transcript') continue;
      const row = emptyUsageRow(
        job,
        `${timeKeyPrefix(obs.timeMs)}:t:${obs.key}`,
        'transcript',
        obs.timeMs,
        place(obs.ctx),
        obs.ctx.sessionId,
      );
      row.model = obs.model;
      row.request_id = obs.requestId;
      Object.assign(row, obs.tokens);
      add(usage, row, count);
    }
  }
  return {
    plan: {
      usage: [...usage.keys()],
      activity: [...activity.keys()],
      series: [...series.values()],
      tokenMachines: [...tokenMachines.values()],
    },
    owners: { usage, activity },
  };
}

function emptyUsageRow(
  job: TelemetryJob,
  key: string,
  source: UsageRecordsTable['source'],
  ts: number,
  placed: { machineId: string; accountId: string; refused: boolean },
  sessionId: string,
): UsageRecordsTable {
  return {
    user_id: job.userId,
    dedupe_key: key,
    source,
    ts,
    machine_id: placed.machineId,
    account_id: placed.accountId,
    session_id: sessionId,
    model: '',
    request_id: null,
    token_id: job.tokenId ?? '',
    ...(placed.refused ? { account_refused: 1 } : {}),
    ...emptyUsage(),
  };
}

interface DeltaPoint {
  obs: MetricObservation;
  delta: number;
  /** m: a delta point as sent; c: a delta computed from cumulative points. */
  kind: 'm' | 'c';
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
function metricDeltas(
  userId: string,
  observations: MetricObservation[],
  lookups: TelemetryLookups,
  now: number,
  changed: Map<string, MetricSeriesTable>,
): { points: DeltaPoint[]; skipped: number } {
  const points: DeltaPoint[] = [];
  let skipped = 0;
  const cumulative = observations.filter((o) => o.temporality === 'cumulative');
  for (const o of observations) {
    if (o.temporality !== 'delta' || o.value === 0) continue;
    points.push({
      obs: o,
      delta: o.value,
      kind: 'm',
      timeMs: nanosToMs(o.timeNs),
    });
  }
  cumulative.sort((a, b) => compareNanos(a.timeNs, b.timeNs));
  for (const o of cumulative) {
    const key = lookupKey(userId, o.seriesKey);
    const state = changed.get(key) ?? lookups.seriesState(userId, o.seriesKey);
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
    changed.set(key, {
      user_id: userId,
      series_key: o.seriesKey,
      start_time_ns: o.startNs,
      last_time_ns: o.timeNs,
      last_value: o.value,
      updated_at: now,
    });
    if (delta > 0) {
      points.push({ obs: o, delta, kind: 'c', timeMs: nanosToMs(o.timeNs) });
    }
  }
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
