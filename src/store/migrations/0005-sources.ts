import { type Kysely, sql } from 'kysely';

// Every source, counted once: one request id is one stored usage row, whichever source
// (an api_request event, a transcript record) reported it first; and manual entries.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Rows stored before this index could (in theory) repeat a request id under another key:
  // such repeats keep their figures but lose the id, so the index can be built.
  await sql`update usage_records set request_id = null
    where request_id is not null and exists (
      select 1 from usage_records o
      where o.user_id = usage_records.user_id and o.request_id = usage_records.request_id
        and o.dedupe_key < usage_records.dedupe_key)`.execute(db);
  await db.schema
    .createIndex('usage_records_request_once')
    .on('usage_records')
    .columns(['user_id', 'request_id'])
    .unique()
    .where(sql.ref('request_id'), 'is not', null)
    .execute();

  await db.schema
    .createTable('manual_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    // The usage_records row that carries the figures (source 'manual').
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('manual_entries_user_at').on('manual_entries').columns(['user_id', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('manual_entries').execute();
  await db.schema.dropIndex('usage_records_request_once').execute();
}
