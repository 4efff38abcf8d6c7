import { type Selectable, sql } from 'kysely';
import type { Db } from './db.ts';
import type { CapacityChangesTable } from './schema.ts';
import type { StoreDialect } from './store.ts';

/** Step changes of calibrated capacity (issue 21.6): each recorded once, the fact behind `capacity_changed`. */
export type CapacityChangeRow = Selectable<CapacityChangesTable>;

/**
 * Serialises change detection of one account across replicas for the rest of the transaction
 * (PostgreSQL; SQLite has one writer): two replicas judging the same new evidence at once
 * would otherwise each see no change recorded yet.
 */
export async function lockCapacityOf(trx: Db, dialect: StoreDialect, accountId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${`takt-capacity:${accountId}`}))`.execute(trx);
}

/** Records a change unless the same one is there; true when it is new. */
export async function insertCapacityChange(db: Db, row: CapacityChangesTable): Promise<boolean> {
  const done = await db
    .insertInto('capacity_changes')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'window', 'unit', 'since']).doNothing())
    .returning('since')
    .execute();
  return done.length > 0;
}

/** Every change recorded for these accounts, oldest first. */
export async function listCapacityChanges(db: Db, accountIds: string[]): Promise<CapacityChangeRow[]> {
  if (accountIds.length === 0) return [];
  const rows = await db
    .selectFrom('capacity_changes')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .orderBy('since')
    .orderBy('window')
    .execute();
  return rows.map(numeric);
}

/** The changes recorded since `since` (created_at), of these accounts or of every account (null), oldest first. */
export async function listRecentCapacityChanges(
  db: Db,
  accountIds: string[] | null,
  since: number,
): Promise<CapacityChangeRow[]> {
  if (accountIds !== null && accountIds.length === 0) return [];
  let q = db.selectFrom('capacity_changes').selectAll().where('created_at', '>=', since);
  if (accountIds !== null) q = q.where('account_id', 'in', accountIds);
  const rows = await q.orderBy('created_at').orderBy('since').execute();
  return rows.map(numeric);
}

/** The changes of every account whose new capacity started at or after `since`. */
export async function listCapacityChangesSince(db: Db, since: number): Promise<CapacityChangeRow[]> {
  const rows = await db
    .selectFrom('capacity_changes')
    .selectAll()
    .where('since', '>=', since)
    .orderBy('since')
    .execute();
  return rows.map(numeric);
}

/** PostgreSQL answers bigint as text: numbers here, once. */
function numeric(r: CapacityChangeRow): CapacityChangeRow {
  return {
    ...r,
    since: Number(r.since),
    before: Number(r.before),
    after: Number(r.after),
    change_pct: Number(r.change_pct),
    windows_before: Number(r.windows_before),
    windows_after: Number(r.windows_after),
    created_at: Number(r.created_at),
  };
}
