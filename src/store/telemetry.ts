import { sql } from 'kysely';
import { TOKEN_FIELDS, type UsageCounts, type UsageField } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import {
  type AccountsTable,
  emptyUsage,
  type MetricSeriesTable,
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

/** Upserts accounts in one statement, in key order (two replicas upserting the same accounts lock them in one order). Returns id by `${userId}\u0000${key}`. */
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
      .values(part.map(({ userId, account }) => newAccountRow(userId, account, now)))
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

/** The columns an account seen in usage is made with (a new id; first and last seen now). */
export type NewAccountRow = Pick<
  AccountsTable,
  'id' | 'user_id' | 'account_key' | 'account_uuid' | 'organization_id' | 'email' | 'first_seen_at' | 'last_seen_at'
>;

export function newAccountRow(userId: string, account: AccountSeen, now: number): NewAccountRow {
  return {
    id: newId(),
    user_id: userId,
    account_key: account.key,
    account_uuid: account.accountUuid,
    organization_id: account.organizationId,
    email: account.email,
    first_seen_at: now,
    last_seen_at: now,
  };
}

export interface AccountSeen {
  key: string;
  accountUuid: string | null;
  organizationId: string | null;
  email: string | null;
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
    // Only over the figures read: a replica upgrading the same record at the same moment (a
    // retry that overtook its original) changed them first, and its hour has the difference.
    let update = db
      .updateTable('usage_records')
      .set(change.set)
      .where('user_id', '=', r.user_id)
      .where('dedupe_key', '=', stored.dedupe_key);
    for (const k of USAGE_COLUMNS) update = update.where(k, '=', stored[k]);
    const { numUpdatedRows } = await update.executeTakeFirst();
    if (numUpdatedRows === 0n) continue;
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
