import { USAGE_FIELDS } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import type { UsageHourlyTable, UsageRecordsTable } from './schema.ts';
import { addHourlyRows, sumHourly } from './telemetry.ts';

/**
 * Usage stored before its account was known (account_id '': a `takt sync` upload before
 * ~/.claude.json existed, metrics without user.account_uuid, a manual entry before any
 * account) and the SQL that links it later (issue 19.6). The partial indexes of migration
 * 0013 hold exactly these rows.
 */

/** An unlinked record: what the linking rule needs to choose its account. */
export interface UnlinkedRecord {
  dedupe_key: string;
  ts: number;
  machine_id: string;
  session_id: string;
  source: UsageRecordsTable['source'];
}

/** Whether a user has any unlinked record (a probe of the partial index). */
export async function hasUnlinkedRecords(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('usage_records')
    .select('dedupe_key')
    .where('user_id', '=', userId)
    .where('account_id', '=', '')
    .where('account_refused', '=', 0)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Which of these users have any unlinked record: the candidates for linking after a commit,
 * one statement for a commit's users instead of one probe each (the fleet bench's commits
 * carry up to 20 users). Each EXISTS is one probe of the partial index of migration 0014,
 * whose predicate it repeats word for word, however many unlinked rows a user has.
 */
export async function usersWithUnlinkedRecords(db: Db, userIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < userIds.length; i += 400) {
    const rows = await db
      .selectFrom('users')
      .select('users.id')
      .where('users.id', 'in', userIds.slice(i, i + 400))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('usage_records as r')
            .select('r.dedupe_key')
            .whereRef('r.user_id', '=', 'users.id')
            .where('r.account_id', '=', '')
            .where('r.account_refused', '=', 0),
        ),
      )
      .execute();
    for (const r of rows) out.add(r.id);
  }
  return out;
}

/** Unlinked records of a user on the given machines ('' is manual entries) or in the given sessions. */
export async function findUnlinkedRecords(
  db: Db,
  userId: string,
  where: { machineIds: string[]; sessionIds: string[] },
): Promise<UnlinkedRecord[]> {
  const out = new Map<string, UnlinkedRecord>();
  const columns = ['dedupe_key', 'ts', 'machine_id', 'session_id', 'source'] as const;
  // `account_id = '' and account_refused = 0` word for word: the planner uses a partial index
  // only when the query repeats its predicate (migration 0014).
  for (const [column, values] of [
    ['machine_id', where.machineIds],
    ['session_id', where.sessionIds],
  ] as const) {
    for (let i = 0; i < values.length; i += 400) {
      const rows = await db
        .selectFrom('usage_records')
        .select(columns)
        .where('user_id', '=', userId)
        .where('account_id', '=', '')
        .where('account_refused', '=', 0)
        .where(column, 'in', values.slice(i, i + 400))
        .execute();
      for (const r of rows) out.set(r.dedupe_key, { ...r, ts: Number(r.ts) });
    }
  }
  return [...out.values()];
}

/** The machine ids of a user's host names (those known). */
export async function machineIdsOf(db: Db, userId: string, hostNames: string[]): Promise<string[]> {
  if (hostNames.length === 0) return [];
  const rows = await db
    .selectFrom('machines')
    .select('id')
    .where('user_id', '=', userId)
    .where('host_name', 'in', hostNames)
    .execute();
  return rows.map((r) => r.id);
}

/** When each account's linked usage ran in a session or on a machine: first and last hour. */
export interface AccountSpan {
  account_id: string;
  first_hour: number;
  last_hour: number;
}

export async function accountSpans(
  db: Db,
  userId: string,
  of: { sessionId: string } | { machineId: string },
): Promise<AccountSpan[]> {
  let q = db
    .selectFrom('usage_hourly')
    .select((eb) => [
      'account_id',
      eb.fn.min<number>('hour').as('first_hour'),
      eb.fn.max<number>('hour').as('last_hour'),
    ])
    .where('user_id', '=', userId)
    .where('account_id', '!=', '');
  q = 'sessionId' in of ? q.where('session_id', '=', of.sessionId) : q.where('machine_id', '=', of.machineId);
  const rows = await q.groupBy('account_id').execute();
  return rows.map((r) => ({
    account_id: r.account_id,
    first_hour: Number(r.first_hour),
    last_hour: Number(r.last_hour),
  }));
}

/**
 * Moves unlinked records to an account, with their hourly rollup: exactly once. The update
 * takes only rows still unlinked and returns those it changed, so two linkers racing (two
 * replicas) move each row once: PostgreSQL's second update waits for the first's row locks
 * and then finds account_id no longer ''. Call inside a transaction.
 */
export async function moveToAccount(
  trx: Db,
  userId: string,
  dedupeKeys: string[],
  accountId: string,
): Promise<UsageRecordsTable[]> {
  const moved: UsageRecordsTable[] = [];
  for (let i = 0; i < dedupeKeys.length; i += 400) {
    const rows = await trx
      .updateTable('usage_records')
      .set({ account_id: accountId })
      .where('user_id', '=', userId)
      .where('account_id', '=', '')
      .where('account_refused', '=', 0)
      .where('dedupe_key', 'in', dedupeKeys.slice(i, i + 400))
      .returningAll()
      .execute();
    for (const r of rows) {
      for (const k of USAGE_FIELDS) r[k] = Number(r[k]);
      moved.push({ ...r, ts: Number(r.ts) });
    }
  }
  if (moved.length === 0) return moved;
  const added = sumHourly(moved);
  const taken: UsageHourlyTable[] = added.map((h) => {
    const minus: UsageHourlyTable = { ...h, account_id: '', records: -h.records };
    for (const k of USAGE_FIELDS) minus[k] = -h[k];
    return minus;
  });
  await addHourlyRows(trx, [...taken, ...added]);
  // An hour left with no unlinked record goes (its cost could keep a rounding residue).
  await trx
    .deleteFrom('usage_hourly')
    .where('user_id', '=', userId)
    .where('account_id', '=', '')
    .where('records', '<=', 0)
    .where(
      'hour',
      'in',
      added.map((h) => h.hour),
    )
    .execute();
  // Activity (sessions, active time, …) of the same sessions and machines follows its usage.
  const pairs = [...new Set(moved.map((r) => `${r.session_id}\u0000${r.machine_id}`))];
  for (const pair of pairs) {
    const [sessionId, machineId] = pair.split('\u0000') as [string, string];
    await trx
      .updateTable('activity_records')
      .set({ account_id: accountId })
      .where('user_id', '=', userId)
      .where('account_id', '=', '')
      .where('session_id', '=', sessionId)
      .where('machine_id', '=', machineId)
      .execute();
  }
  return moved;
}

/** Every unlinked record of a user (not those refused past the account cap), summed per (session, model, source, machine) for the overview. */
export async function unlinkedTotals(db: Db, userId: string) {
  const rows = await db
    .selectFrom('usage_records')
    .select((eb) => [
      'session_id',
      'model',
      'source',
      'machine_id',
      eb.fn.min<number>('ts').as('first_at'),
      eb.fn.max<number>('ts').as('last_at'),
      eb.fn.countAll<number>().as('records'),
      ...USAGE_FIELDS.map((k) => eb.fn.sum<number>(k).as(k)),
    ])
    .where('user_id', '=', userId)
    .where('account_id', '=', '')
    .where('account_refused', '=', 0)
    .groupBy(['session_id', 'model', 'source', 'machine_id'])
    .execute();
  return rows.map((r) => {
    const out = { ...r, first_at: Number(r.first_at), last_at: Number(r.last_at), records: Number(r.records) };
    for (const k of USAGE_FIELDS) out[k] = Number(r[k]);
    return out;
  });
}

/** Host names of machine ids (for the overview's sentence). */
export async function hostNamesOf(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('machines').select(['id', 'host_name']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.host_name]));
}
