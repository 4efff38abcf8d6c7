import { type Kysely, sql } from 'kysely';

// Usage that named an account past TAKT_MAX_ACCOUNTS_PER_USER is kept with account_id '' like
// usage whose account is not yet known, but it must never be linked to another account of
// its session or machine (its account is known: it was refused). account_refused = 1 marks
// it, and the partial indexes of unlinked usage (0013) leave it out, so the linker never
// sees it and its probe stays a probe of rows that can still be linked.
const indexes = [
  ['usage_records_unlinked_machine', 'machine_id'],
  ['usage_records_unlinked_session', 'session_id'],
] as const;

async function createIndexes(db: Kysely<unknown>, predicate: string): Promise<void> {
  for (const [name, column] of indexes) {
    await db.schema
      .createIndex(name)
      .on('usage_records')
      .columns(['user_id', column])
      .where(sql<boolean>`${sql.raw(predicate)}`)
      .execute();
  }
}

async function dropIndexes(db: Kysely<unknown>): Promise<void> {
  for (const [name] of indexes) await db.schema.dropIndex(name).execute();
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('usage_records')
    .addColumn('account_refused', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await dropIndexes(db);
  await createIndexes(db, "account_id = '' and account_refused = 0");
}

/** Back to 0013: its indexes as they were. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await dropIndexes(db);
  await db.schema.alterTable('usage_records').dropColumn('account_refused').execute();
  await createIndexes(db, "account_id = ''");
}
