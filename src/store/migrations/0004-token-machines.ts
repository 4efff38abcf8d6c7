import type { Kysely } from 'kysely';

// Which token sent what: a usage record keeps the id of the token that exported it, and
// token_machines when each token last sent for each machine — /validate answers about the
// token it is asked with, not about all of its user's tokens.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('usage_records')
    .addColumn('token_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .createTable('token_machines')
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('machine_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('token_machines_pk', ['token_id', 'machine_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('token_machines').execute();
  await db.schema.alterTable('usage_records').dropColumn('token_id').execute();
}
