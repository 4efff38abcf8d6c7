import type { Selectable } from 'kysely';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import type { CalibrationRejectionsTable, LimitEventsTable, OfficialObservationsTable } from './schema.ts';

/**
 * Ground truth about an account's limits: official utilisation observations, limit events
 * (hits, "new window" marks) and the calibration samples rejected as outliers.
 */
export type OfficialObservationRow = Selectable<OfficialObservationsTable>;
export type LimitEventRow = Selectable<LimitEventsTable>;

/** Stores each window once (a re-upload changes nothing); returns how many were new. */
export async function insertOfficialObservations(
  db: Db,
  rows: Omit<OfficialObservationsTable, 'id'>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto('official_observations')
    .values(rows.map((r) => ({ id: newId(), ...r })))
    .onConflict((oc) => oc.columns(['account_id', 'window', 'source', 'captured_at']).doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

export async function listOfficialObservations(
  db: Db,
  accountIds: string[],
  since: number,
): Promise<OfficialObservationRow[]> {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('official_observations')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .where('captured_at', '>=', since)
    .orderBy('captured_at')
    .execute();
}

/** The latest official reset seen for each window of these accounts, however old (the weekly anchor). */
export async function latestObservationPerWindow(db: Db, accountIds: string[]): Promise<OfficialObservationRow[]> {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('official_observations as o')
    .selectAll('o')
    .where('o.account_id', 'in', accountIds)
    .where(({ eb, selectFrom }) =>
      eb(
        'o.captured_at',
        '=',
        selectFrom('official_observations as p')
          .select((e) => e.fn.max('p.captured_at').as('m'))
          .whereRef('p.account_id', '=', 'o.account_id')
          .whereRef('p.window', '=', 'o.window'),
      ),
    )
    .execute();
}

/**
 * The columns of an official observation the limits domain reads; `raw` only for the
 * `spend_limit` window, whose dollars and period live there (the other windows are read from
 * the covering index alone).
 */
export type OfficialFigureRow = Pick<
  OfficialObservationRow,
  'account_id' | 'window' | 'utilization' | 'resets_at' | 'captured_at' | 'source'
> & { raw?: string };

const FIGURE_COLUMNS = ['account_id', 'window', 'utilization', 'resets_at', 'captured_at', 'source'] as const;
const SPEND_COLUMNS = [...FIGURE_COLUMNS, 'raw'] as const;
const columnsOf = (window: string) => (window === 'spend_limit' ? SPEND_COLUMNS : FIGURE_COLUMNS);

/**
 * The windows an account has official figures of, in name order: one index seek each on
 * official_observations_account_window_at (a loose index scan).
 */
export async function listOfficialWindows(db: Db, accountId: string): Promise<string[]> {
  const windows: string[] = [];
  for (;;) {
    const next = await db
      .selectFrom('official_observations')
      .select('window')
      .where('account_id', '=', accountId)
      .where('window', '>', windows[windows.length - 1] ?? '')
      .orderBy('window')
      .limit(1)
      .executeTakeFirst();
    if (!next) return windows;
    windows.push(next.window);
  }
}

/** An account's figures of one window captured after `after` (exclusive), oldest first; from the index alone. */
export async function listOfficialFiguresAfter(
  db: Db,
  accountId: string,
  window: string,
  after: number,
): Promise<OfficialFigureRow[]> {
  return db
    .selectFrom('official_observations')
    .select(columnsOf(window))
    .where('account_id', '=', accountId)
    .where('window', '=', window)
    .where('captured_at', '>', after)
    .orderBy('captured_at')
    .execute();
}

/** How many figures of one window were captured since `since`, and the latest instant: counted in the index. */
export async function countOfficialFigures(
  db: Db,
  accountId: string,
  window: string,
  since: number,
): Promise<{ count: number; latest: number | null }> {
  const r = await db
    .selectFrom('official_observations')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('captured_at').as('m')])
    .where('account_id', '=', accountId)
    .where('window', '=', window)
    .where('captured_at', '>=', since)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), latest: r.m === null ? null : Number(r.m) };
}

/** The latest figures of one window however old (every one captured at the latest instant). */
export async function latestOfficialFigures(db: Db, accountId: string, window: string): Promise<OfficialFigureRow[]> {
  return db
    .selectFrom('official_observations as o')
    .select(columnsOf(window).map((c) => `o.${c}` as const))
    .where('o.account_id', '=', accountId)
    .where('o.window', '=', window)
    .where(({ eb, selectFrom }) =>
      eb(
        'o.captured_at',
        '=',
        selectFrom('official_observations as p')
          .select((e) => e.fn.max('p.captured_at').as('m'))
          .where('p.account_id', '=', accountId)
          .where('p.window', '=', window),
      ),
    )
    .execute();
}

/**
 * Records a limit event unless the same kind for the same account and window was recorded
 * within two minutes of it (one hit reported by several sessions, the hook and the
 * transcript is one event). Returns the event and whether it is new.
 */
export async function insertLimitEvent(
  db: Db,
  row: Omit<LimitEventsTable, 'id' | 'undone_at'>,
): Promise<{ event: LimitEventRow; created: boolean }> {
  const existing = await db
    .selectFrom('limit_events')
    .selectAll()
    .where('account_id', '=', row.account_id)
    .where('kind', '=', row.kind)
    .where('window', '=', row.window)
    .where('undone_at', 'is', null)
    .where('at', '>', row.at - 120_000)
    .where('at', '<', row.at + 120_000)
    .orderBy('at')
    .executeTakeFirst();
  if (existing) {
    // A later report may know the reset time the first did not (a hook carries none; the transcript line does).
    if (existing.resets_at === null && row.resets_at !== null) {
      await db.updateTable('limit_events').set({ resets_at: row.resets_at }).where('id', '=', existing.id).execute();
      return { event: { ...existing, resets_at: row.resets_at }, created: false };
    }
    return { event: existing, created: false };
  }
  const event: LimitEventRow = { id: newId(), undone_at: null, ...row };
  await db.insertInto('limit_events').values(event).execute();
  return { event, created: true };
}

export async function findLimitEvent(db: Db, id: string): Promise<LimitEventRow | undefined> {
  return db.selectFrom('limit_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function undoLimitEvent(db: Db, id: string, now: number): Promise<void> {
  await db.updateTable('limit_events').set({ undone_at: now }).where('id', '=', id).execute();
}

export async function listLimitEvents(db: Db, accountIds: string[], since: number): Promise<LimitEventRow[]> {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('limit_events')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .where('at', '>=', since)
    .where('undone_at', 'is', null)
    .orderBy('at')
    .execute();
}

/** Records rejected samples not seen before; returns the new ones (each raises calibration_rejected once). */
export async function recordCalibrationRejections(
  db: Db,
  rows: CalibrationRejectionsTable[],
): Promise<CalibrationRejectionsTable[]> {
  const fresh: CalibrationRejectionsTable[] = [];
  for (const r of rows) {
    const done = await db
      .insertInto('calibration_rejections')
      .values(r)
      .onConflict((oc) => oc.columns(['account_id', 'window', 'unit', 'at']).doNothing())
      .returning('at')
      .execute();
    if (done.length > 0) fresh.push(r);
  }
  return fresh;
}

/** The calibration rejections of these accounts recorded since `since`, oldest first. */
export async function listRecentCalibrationRejections(
  db: Db,
  accountIds: string[],
  since: number,
): Promise<Selectable<CalibrationRejectionsTable>[]> {
  if (accountIds.length === 0) return [];
  return db
    .selectFrom('calibration_rejections')
    .selectAll()
    .where('account_id', 'in', accountIds)
    .where('created_at', '>=', since)
    .orderBy('created_at')
    .orderBy('at')
    .execute();
}
