import type { Kysely } from 'kysely';

// A step change of an account's calibrated capacity (issue 21.6), recorded once: the key is
// the account, window, unit and the instant the new capacity starts, so two replicas that
// detect the same step insert one row (the second insert does nothing). The row is the fact
// that raises `capacity_changed`, as calibration_rejections is for `calibration_rejected`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('capacity_changes')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('before', 'double precision', (c) => c.notNull())
    .addColumn('after', 'double precision', (c) => c.notNull())
    .addColumn('change_pct', 'double precision', (c) => c.notNull())
    .addColumn('confidence', 'text', (c) => c.notNull())
    .addColumn('windows_before', 'bigint', (c) => c.notNull())
    .addColumn('windows_after', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('capacity_changes_pk', ['account_id', 'window', 'unit', 'since'])
    .execute();
  await db.schema.createIndex('capacity_changes_created_at').on('capacity_changes').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('capacity_changes').execute();
}
