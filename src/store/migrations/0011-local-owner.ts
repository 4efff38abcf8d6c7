import type { Kysely } from 'kysely';

// The person `takt setup --local` made the owner of a one-person store (issue 19.3): the
// server's local mode serves token-less loopback requests as them while they are alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('local_owner')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('set_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('local_owner').execute();
}
