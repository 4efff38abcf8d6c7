import { type Kysely, sql } from 'kysely';

// Usage whose account was not known when it arrived (issue 19.6) is stored with account_id ''
// and linked later, when its session or machine sends usage with an account. These partial
// indexes hold only such rows: finding them per machine or per session stays a probe of a
// few entries however large usage_records grows, and costs nothing once everything is linked.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('usage_records_unlinked_machine')
    .on('usage_records')
    .columns(['user_id', 'machine_id'])
    .where(sql.ref('account_id'), '=', '')
    .execute();
  await db.schema
    .createIndex('usage_records_unlinked_session')
    .on('usage_records')
    .columns(['user_id', 'session_id'])
    .where(sql.ref('account_id'), '=', '')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_records_unlinked_session').execute();
  await db.schema.dropIndex('usage_records_unlinked_machine').execute();
}
