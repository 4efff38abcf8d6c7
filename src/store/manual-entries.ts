import { sql } from 'kysely';
import type { UsageCounts } from '../lib/usage-counts.ts';
import { USAGE_FIELDS } from '../lib/usage-counts.ts';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import type { UsageRecordsTable } from './schema.ts';
import { addToHourly, HOUR_MS, timeKeyPrefix } from './telemetry.ts';

/**
 * Manual entries: usage typed in by hand (seed 002's POST /api/session, `takt track`). The
 * figures are a usage_records row of source 'manual' (so every report and window counts
 * them, labelled as manual); manual_entries keeps the note and lets an entry be deleted.
 */
export interface ManualEntry extends UsageCounts {
  id: string;
  account_id: string;
  at: number;
  note: string | null;
  model: string;
  created_at: number;
}

/** Each entry is its own "session" in reports, as the seed listed entries as sessions. */
export const manualSessionId = (id: string) => `manual-${id}`;

export async function insertManualEntry(
  db: Db,
  input: {
    userId: string;
    at: number;
    note: string | null;
    model: string;
    usage: UsageCounts;
    now: number;
    /** accounts.id the entry counts toward ('' none known yet). */
    accountId?: string;
  },
): Promise<ManualEntry> {
  const id = newId();
  const row: UsageRecordsTable = {
    user_id: input.userId,
    dedupe_key: `${timeKeyPrefix(input.at)}:manual:${id}`,
    source: 'manual',
    ts: input.at,
    machine_id: '',
    account_id: input.accountId ?? '',
    session_id: manualSessionId(id),
    model: input.model,
    request_id: null,
    token_id: '',
    ...input.usage,
  };
  await db.insertInto('usage_records').values(row).execute();
  await addToHourly(db, [row]);
  await db
    .insertInto('manual_entries')
    .values({
      id,
      user_id: input.userId,
      at: input.at,
      note: input.note,
      dedupe_key: row.dedupe_key,
      created_at: input.now,
    })
    .execute();
  return {
    id,
    account_id: row.account_id,
    at: input.at,
    note: input.note,
    model: input.model,
    created_at: input.now,
    ...input.usage,
  };
}

/** A user's manual entries, oldest first (the order seed 002's `index` refers to). */
export async function listManualEntries(db: Db, userId: string): Promise<ManualEntry[]> {
  const rows = await db
    .selectFrom('manual_entries as m')
    .innerJoin('usage_records as u', (j) =>
      j.onRef('u.user_id', '=', 'm.user_id').onRef('u.dedupe_key', '=', 'm.dedupe_key'),
    )
    .select([
      'm.id',
      'm.at',
      'm.note',
      'm.created_at',
      'u.model',
      'u.account_id',
      ...USAGE_FIELDS.map((f) => `u.${f}` as const),
    ])
    .where('m.user_id', '=', userId)
    .orderBy('m.at')
    .orderBy('m.created_at')
    .orderBy('m.id')
    .execute();
  return rows.map((r) => {
    const out = { ...r, at: Number(r.at), created_at: Number(r.created_at) } as ManualEntry;
    for (const k of USAGE_FIELDS) out[k] = Number(out[k]);
    return out;
  });
}

/**
 * Deletes an entry, its usage row and its share of the hourly rollup (in the caller's
 * transaction). Returns the entry, or undefined when the user has none by that id.
 */
export async function deleteManualEntry(db: Db, userId: string, id: string): Promise<ManualEntry | undefined> {
  const entry = (await listManualEntries(db, userId)).find((e) => e.id === id);
  if (!entry) return undefined;
  const stored = await db
    .selectFrom('manual_entries')
    .select('dedupe_key')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  const row = await db
    .deleteFrom('usage_records')
    .where('user_id', '=', userId)
    .where('dedupe_key', '=', stored.dedupe_key)
    .returning(['ts', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_FIELDS])
    .executeTakeFirst();
  if (row) {
    const hourKey = (q: ReturnType<typeof hourly>) =>
      q
        .where('user_id', '=', userId)
        .where('hour', '=', Math.floor(Number(row.ts) / HOUR_MS) * HOUR_MS)
        .where('session_id', '=', row.session_id)
        .where('model', '=', row.model)
        .where('source', '=', row.source)
        .where('machine_id', '=', row.machine_id)
        .where('account_id', '=', row.account_id);
    const hourly = () => db.updateTable('usage_hourly');
    await hourKey(
      hourly().set({
        records: sql<number>`records - 1`,
        input_tokens: sql<number>`input_tokens - ${Number(row.input_tokens)}`,
        output_tokens: sql<number>`output_tokens - ${Number(row.output_tokens)}`,
        cache_read_tokens: sql<number>`cache_read_tokens - ${Number(row.cache_read_tokens)}`,
        cache_creation_tokens: sql<number>`cache_creation_tokens - ${Number(row.cache_creation_tokens)}`,
        cache_creation_5m_tokens: sql<number>`cache_creation_5m_tokens - ${Number(row.cache_creation_5m_tokens)}`,
        cache_creation_1h_tokens: sql<number>`cache_creation_1h_tokens - ${Number(row.cache_creation_1h_tokens)}`,
        cost_usd: sql<number>`cost_usd - ${Number(row.cost_usd)}`,
      }),
    ).execute();
    await db
      .deleteFrom('usage_hourly')
      .where('user_id', '=', userId)
      .where('session_id', '=', row.session_id)
      .where('records', '<=', 0)
      .execute();
  }
  await db.deleteFrom('manual_entries').where('user_id', '=', userId).where('id', '=', id).execute();
  return entry;
}
