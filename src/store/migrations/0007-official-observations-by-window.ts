import type { Kysely } from 'kysely';

// The limits read model (queries/account-limits.ts) asks, per account and window, for the
// latest official figure however old and for the figures of the last weeks. Keyed by
// (account, window, time) both are index range reads, and the columns the domain uses are
// in the index, so neither visits the table (a year of status-line figures is ~20,000 rows
// per account, scattered among every other account's: the old correlated max() scanned
// them all, per row).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('official_observations_account_window_at')
    .on('official_observations')
    .columns(['account_id', 'window', 'captured_at', 'utilization', 'resets_at', 'source'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('official_observations_account_window_at').execute();
}
