import { sql } from 'kysely';
import { TOKEN_FIELDS, type UsageCounts, type UsageField } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import {
  type ActivityRecordsTable,
  emptyUsage,
  type MetricSeriesTable,
  type TokenMachinesTable,
  USAGE_COLUMNS,
  type UsageHourlyTable,
  type UsageRecordsTable,
} from './schema.ts';

/**
 * Writes of the telemetry path: machines and accounts seen, cumulative series state,
 * usage and activity records (each exactly once, by dedupe key) and the hourly rollup.
 */

// SQLite allows 32,766 bound parameters per statement; 400 rows × ≤17 columns stays well under.
const CHUNK = 400;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/**
 * Upserts machines (user, host.name) in one statement (PostgreSQL's writer: one round trip per
 * batch instead of one per machine). Rows go in key order, so two replicas upserting the
 * same machines lock them in the same order and cannot deadlock. Returns id by
 * `${userId}\u0000${hostName}`.
 */
export async function touchMachines(
  db: Db,
  machines: { userId: string; hostName: string }[],
  now: number,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = new Map(machines.map((m) => [`${m.userId}\u0000${m.hostName}`, m]));
  const sorted = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, m]) => m);
  for (const part of chunks(sorted)) {
    const rows = await db
      .insertInto('machines')
      .values(
        part.map((m) => ({
          id: newId(),
          user_id: m.userId,
          host_name: m.hostName,
          first_seen_at: now,
          last_seen_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['user_id', 'host_name']).doUpdateSet({
          last_seen_at: sql<number>`case when machines.last_seen_at > excluded.last_seen_at then machines.last_seen_at else excluded.last_seen_at end`,
        }),
      )
      .returning(['id', 'user_id', 'host_name'])
      .execute();
    for (const r of rows) out.set(`${r.user_id}\u0000${r.host_name}`, r.id);
  }
  return out;
}

/** Upserts accounts in one statement, in key order (see touchMachines). Returns id by `${userId}\u0000${key}`. */
export async function touchAccounts(
  db: Db,
  accounts: { userId: string; account: AccountSeen }[],
  now: number,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = new Map(accounts.map((a) => [`${a.userId}\u0000${a.account.key}`, a]));
  const sorted = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, a]) => a);
  for (const part of chunks(sorted)) {
    const rows = await db
      .insertInto('accounts')
      .values(
        part.map(({ userId, account }) => ({
          id: newId(),
          user_id: userId,
          account_key: account.key,
          account_uuid: account.accountUuid,
          organization_id: account.organizationId,
          email: account.email,
          first_seen_at: now,
          last_seen_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['user_id', 'account_key']).doUpdateSet({
          last_seen_at: sql<number>`case when accounts.last_seen_at > excluded.last_seen_at then accounts.last_seen_at else excluded.last_seen_at end`,
          account_uuid: sql<string>`coalesce(excluded.account_uuid, accounts.account_uuid)`,
          organization_id: sql<string>`coalesce(excluded.organization_id, accounts.organization_id)`,
          email: sql<string>`coalesce(excluded.email, accounts.email)`,
        }),
      )
      .returning(['id', 'user_id', 'account_key'])
      .execute();
    for (const r of rows) out.set(`${r.user_id}\u0000${r.account_key}`, r.id);
  }
  return out;
}

export interface AccountSeen {
  key: string;
  accountUuid: string | null;
  organizationId: string | null;
  email: string | null;
}

/**
 * The batch's accounts that may be written under TAKT_MAX_ACCOUNTS_PER_USER: every account the
 * user already has, and new ones while the user has fewer than the cap (in the batch's order).
 * The others are left out, and their usage counts toward no account.
 */
export async function accountsWithinCap(
  db: Db,
  needs: { accounts: { userId: string; account: AccountSeen }[]; accountsPerUserMax?: number | undefined },
): Promise<{ userId: string; account: AccountSeen }[]> {
  const max = needs.accountsPerUserMax;
  if (max === undefined || needs.accounts.length === 0) return needs.accounts;
  const userIds = [...new Set(needs.accounts.map((a) => a.userId))];
  const known = await db
    .selectFrom('accounts')
    .select(['user_id', 'account_key'])
    .where('user_id', 'in', userIds)
    .execute();
  const have = new Set(known.map((k) => `${k.user_id}\u0000${k.account_key}`));
  const count = new Map<string, number>();
  for (const k of known) count.set(k.user_id, (count.get(k.user_id) ?? 0) + 1);
  return needs.accounts.filter(({ userId, account }) => {
    if (have.has(`${userId}\u0000${account.key}`)) return true;
    const n = count.get(userId) ?? 0;
    if (n >= max) return false;
    count.set(userId, n + 1);
    return true;
  });
}

/** One account upserted (a poller's first report of it): touchAccounts with one row. */
export async function touchAccount(db: Db, userId: string, account: AccountSeen, now: number): Promise<string> {
  const ids = await touchAccounts(db, [{ userId, account }], now);
  return ids.get(`${userId}\u0000${account.key}`) as string;
}

/**
 * The last state of cumulative series. On PostgreSQL the rows are locked until the
 * transaction ends, so two replicas handling the same series (an exporter's retry
 * racing its original) difference it one after the other, never both from the same state.
 */
export async function loadSeriesStates(
  db: Db,
  userId: string,
  seriesKeys: string[],
  options: { lock?: boolean } = {},
): Promise<Map<string, MetricSeriesTable>> {
  const out = new Map<string, MetricSeriesTable>();
  for (const part of chunks(seriesKeys)) {
    const query = db
      .selectFrom('metric_series')
      .selectAll()
      .where('user_id', '=', userId)
      .where('series_key', 'in', part)
      .orderBy('series_key');
    const rows = await (options.lock ? query.forUpdate() : query).execute();
    for (const r of rows) out.set(r.series_key, r);
  }
  return out;
}

export async function saveSeriesStates(db: Db, rows: MetricSeriesTable[]): Promise<void> {
  for (const part of chunks(rows)) {
    await db
      .insertInto('metric_series')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['user_id', 'series_key']).doUpdateSet((eb) => ({
          start_time_ns: eb.ref('excluded.start_time_ns'),
          last_time_ns: eb.ref('excluded.last_time_ns'),
          last_value: eb.ref('excluded.last_value'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/**
 * Inserts records whose key is new and whose request id (if any) is not stored yet; returns
 * those inserted. A resent key is skipped, and so is a request another source stored first
 * (an api_request event and a transcript record of one request: docs/decisions.md).
 */
export async function insertUsageRecords(db: Db, rows: UsageRecordsTable[]): Promise<UsageRecordsTable[]> {
  if (rows.length === 0) return [];
  const inserted = new Set<string>();
  for (const part of chunks(rows)) {
    const r = await db
      .insertInto('usage_records')
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .returning(['user_id', 'dedupe_key'])
      .execute();
    for (const x of r) inserted.add(`${x.user_id}\u0000${x.dedupe_key}`);
  }
  return rows.filter((r) => inserted.has(`${r.user_id}\u0000${r.dedupe_key}`));
}

/**
 * Which token sent for which machine, and when last (one row per token and machine). One
 * statement per chunk, rows merged per key and in key order (one upsert may not touch a row
 * twice; the same order on every replica cannot deadlock).
 */
export async function touchTokenMachines(db: Db, rows: TokenMachinesTable[]): Promise<void> {
  const merged = new Map<string, TokenMachinesTable>();
  for (const r of rows) {
    const k = `${r.token_id}\u0000${r.machine_id}`;
    const seen = merged.get(k);
    if (!seen) merged.set(k, { ...r });
    else {
      seen.first_seen_at = Math.min(seen.first_seen_at, r.first_seen_at);
      seen.last_seen_at = Math.max(seen.last_seen_at, r.last_seen_at);
    }
  }
  const sorted = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  for (const part of chunks(sorted)) {
    await db
      .insertInto('token_machines')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['token_id', 'machine_id']).doUpdateSet({
          last_seen_at: sql<number>`case when token_machines.last_seen_at > excluded.last_seen_at then token_machines.last_seen_at else excluded.last_seen_at end`,
        }),
      )
      .execute();
  }
}

export const HOUR_MS = 3_600_000;

/**
 * Every dedupe key starts with the record's time (epoch ms, base 36, fixed width),
 * so the key index of usage_records is also its time index: new rows append at its
 * end instead of landing on random pages, and a time range is a key range. The
 * time is part of the identity already (a resent export repeats it exactly).
 */
export function timeKeyPrefix(ts: number): string {
  return Math.max(0, Math.floor(ts)).toString(36).padStart(9, '0');
}

/** Sums records per rollup key (user, hour, session, model, source, machine, account). */
export function sumHourly(records: UsageRecordsTable[]): UsageHourlyTable[] {
  const sums = new Map<string, UsageHourlyTable>();
  for (const r of records) {
    const hour = Math.floor(r.ts / HOUR_MS) * HOUR_MS;
    const key = [r.user_id, hour, r.session_id, r.model, r.source, r.machine_id, r.account_id].join('\u0000');
    let row = sums.get(key);
    if (!row) {
      row = {
        user_id: r.user_id,
        hour,
        session_id: r.session_id,
        model: r.model,
        source: r.source,
        machine_id: r.machine_id,
        account_id: r.account_id,
        records: 0,
        ...emptyUsage(),
      };
      sums.set(key, row);
    }
    row.records += 1;
    for (const k of USAGE_COLUMNS) row[k] += r[k];
  }
  return [...sums.values()];
}

/** Adds newly inserted records to the hourly rollup (summed first: PostgreSQL forbids touching a row twice in one upsert). */
export async function addToHourly(db: Db, records: UsageRecordsTable[]): Promise<void> {
  await addHourlyRows(db, sumHourly(records));
}

/** The columns that find a stored row again and say what it holds (for transcriptUpgrade). */
export type StoredUsage = Pick<
  UsageRecordsTable,
  'dedupe_key' | 'source' | 'ts' | 'session_id' | 'model' | 'machine_id' | 'account_id' | UsageField
>;

/**
 * A transcript record uploaded again with larger figures (a response whose streaming lines
 * were split between two syncs: the later line has the final output count) replaces the
 * stored one, since the more complete record wins; its rollup gets the difference. Only a
 * record that is at least as large in every token field and larger in one is taken, and only
 * over a transcript row: an api_request event of the request stays as Claude Code sent it.
 */
export function transcriptUpgrade(
  stored: StoredUsage,
  incoming: UsageRecordsTable,
): { set: UsageCounts; hourly: UsageHourlyTable } | undefined {
  if (stored.source !== 'transcript' || incoming.source !== 'transcript') return undefined;
  let larger = false;
  for (const k of TOKEN_FIELDS) {
    const was = Number(stored[k]);
    if (incoming[k] < was) return undefined;
    if (incoming[k] > was) larger = true;
  }
  if (!larger) return undefined;
  const set = emptyUsage();
  const hourly: UsageHourlyTable = {
    user_id: incoming.user_id,
    hour: Math.floor(Number(stored.ts) / HOUR_MS) * HOUR_MS,
    session_id: stored.session_id,
    model: stored.model,
    source: stored.source,
    machine_id: stored.machine_id,
    account_id: stored.account_id,
    records: 0,
    ...emptyUsage(),
  };
  for (const k of USAGE_COLUMNS) {
    set[k] = incoming[k];
    hourly[k] = incoming[k] - Number(stored[k]);
  }
  return { set, hourly };
}

/**
 * Applies transcriptUpgrade to records that were not inserted (their key or request id was
 * stored before); returns those that changed something.
 */
export async function upgradeTranscriptRecords(db: Db, notInserted: UsageRecordsTable[]): Promise<UsageRecordsTable[]> {
  const upgraded: UsageRecordsTable[] = [];
  const hourly: UsageHourlyTable[] = [];
  for (const r of notInserted) {
    if (r.source !== 'transcript') continue;
    const columns = [
      'dedupe_key',
      'source',
      'ts',
      'session_id',
      'model',
      'machine_id',
      'account_id',
      ...USAGE_COLUMNS,
    ] as const;
    const stored =
      (await db
        .selectFrom('usage_records')
        .select(columns)
        .where('user_id', '=', r.user_id)
        .where('dedupe_key', '=', r.dedupe_key)
        .executeTakeFirst()) ??
      (r.request_id === null
        ? undefined
        : await db
            .selectFrom('usage_records')
            .select(columns)
            .where('user_id', '=', r.user_id)
            .where('request_id', '=', r.request_id)
            .executeTakeFirst());
    const change = stored && transcriptUpgrade(stored, r);
    if (!stored || !change) continue;
    await db
      .updateTable('usage_records')
      .set(change.set)
      .where('user_id', '=', r.user_id)
      .where('dedupe_key', '=', stored.dedupe_key)
      .execute();
    hourly.push(change.hourly);
    upgraded.push(r);
  }
  await addHourlyRows(db, hourly);
  return upgraded;
}

/** Upserts rollup rows, adding their figures (and record counts) to what is there. */
export async function addHourlyRows(db: Db, rows: UsageHourlyTable[]): Promise<void> {
  if (rows.length === 0) return;
  // Rows with the same key in one statement: PostgreSQL forbids touching a row twice in one upsert.
  const merged = new Map<string, UsageHourlyTable>();
  for (const h of rows) {
    const key = [h.user_id, h.hour, h.session_id, h.model, h.source, h.machine_id, h.account_id].join('\u0000');
    const into = merged.get(key);
    if (!into) merged.set(key, { ...h });
    else {
      into.records += h.records;
      for (const k of USAGE_COLUMNS) into[k] += h[k];
    }
  }
  // In key order: two replicas adding to the same hours lock the rows in the same order (no deadlock).
  const sorted = [...merged.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, h]) => h);
  for (const part of chunks(sorted)) {
    await db
      .insertInto('usage_hourly')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['user_id', 'hour', 'session_id', 'model', 'source', 'machine_id', 'account_id']).doUpdateSet({
          records: sql<number>`usage_hourly.records + excluded.records`,
          input_tokens: sql<number>`usage_hourly.input_tokens + excluded.input_tokens`,
          output_tokens: sql<number>`usage_hourly.output_tokens + excluded.output_tokens`,
          cache_read_tokens: sql<number>`usage_hourly.cache_read_tokens + excluded.cache_read_tokens`,
          cache_creation_tokens: sql<number>`usage_hourly.cache_creation_tokens + excluded.cache_creation_tokens`,
          cache_creation_5m_tokens: sql<number>`usage_hourly.cache_creation_5m_tokens + excluded.cache_creation_5m_tokens`,
          cache_creation_1h_tokens: sql<number>`usage_hourly.cache_creation_1h_tokens + excluded.cache_creation_1h_tokens`,
          cost_usd: sql<number>`usage_hourly.cost_usd + excluded.cost_usd`,
        }),
      )
      .execute();
  }
}

/** Inserts activity records whose key is new; returns those inserted. */
export async function insertActivityRecords(db: Db, rows: ActivityRecordsTable[]): Promise<Set<ActivityRecordsTable>> {
  const inserted = new Set<string>();
  for (const part of chunks(rows)) {
    const r = await db
      .insertInto('activity_records')
      .values(part)
      .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
      .returning(['user_id', 'dedupe_key'])
      .execute();
    for (const x of r) inserted.add(`${x.user_id}\u0000${x.dedupe_key}`);
  }
  return new Set(rows.filter((r) => inserted.has(`${r.user_id}\u0000${r.dedupe_key}`)));
}
