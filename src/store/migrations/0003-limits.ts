import type { Kysely } from 'kysely';

// Limits: account settings, official utilisation observations, limit events (hits and
// "new window" marks) and the calibration samples that were rejected (raised once).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Settings of an Anthropic account; NULL means "not set" (plan defaults, the default anchor).
  await db.schema.alterTable('accounts').addColumn('label', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('plan', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('unit', 'text', (c) => c.notNull().defaultTo('usd'))
    .execute();
  // JSON: hand-set limits per window kind, in the account's unit.
  await db.schema.alterTable('accounts').addColumn('limits', 'text').execute();
  // JSON {weekday, hour, time_zone}: the weekly reset used until an official one is seen.
  await db.schema.alterTable('accounts').addColumn('weekly_reset', 'text').execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('month_start_day', 'bigint', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('team_seat', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('accounts').addColumn('per_seat_cap', 'double precision').execute();

  await db.schema
    .createTable('official_observations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    .addColumn('utilization', 'double precision', (c) => c.notNull())
    .addColumn('resets_at', 'bigint')
    .addColumn('captured_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    // The window's object as sent, unknown keys included.
    .addColumn('raw', 'text', (c) => c.notNull())
    // A re-upload of the same observation (takt sync, a retried post) changes nothing.
    .addUniqueConstraint('official_observations_once', ['account_id', 'window', 'source', 'captured_at'])
    .execute();
  await db.schema
    .createIndex('official_observations_account_at')
    .on('official_observations')
    .columns(['account_id', 'captured_at'])
    .execute();

  await db.schema
    .createTable('limit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('resets_at', 'bigint')
    .addColumn('session_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('undone_at', 'bigint')
    .execute();
  await db.schema.createIndex('limit_events_account_at').on('limit_events').columns(['account_id', 'at']).execute();

  await db.schema
    .createTable('calibration_rejections')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('implied_capacity', 'double precision', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('calibration_rejections_pk', ['account_id', 'window', 'unit', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['calibration_rejections', 'limit_events', 'official_observations'])
    await db.schema.dropTable(t).execute();
  for (const c of ['per_seat_cap', 'team_seat', 'month_start_day', 'weekly_reset', 'limits', 'unit', 'plan', 'label'])
    await db.schema.alterTable('accounts').dropColumn(c).execute();
}
