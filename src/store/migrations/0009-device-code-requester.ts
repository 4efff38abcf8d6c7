import type { Kysely } from 'kysely';

// The address a device flow was started from, shown on the approval page so that a person
// can tell their own machine from someone else's (RFC 8628 §5.4, issue 22.4).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('device_codes').addColumn('requested_address', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('device_codes').dropColumn('requested_address').execute();
}
