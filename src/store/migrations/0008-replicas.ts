import type { Kysely } from 'kysely';

// State that lived in each process's memory moves into the database, so that several
// `takt serve` replicas on one PostgreSQL share it (issue 15): first-run setup codes (hashed),
// rate-limit windows, failed-proof records per account, and leases for once-only jobs.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('setup_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('rate_windows')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('reset_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_windows_reset_at').on('rate_windows').column('reset_at').execute();
  await db.schema
    .createTable('failed_proofs')
    .addColumn('account', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('failed_proof_addresses')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('failed_proof_addresses_pk', ['account', 'address'])
    .execute();
  await db.schema
    .createTable('leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['leases', 'failed_proof_addresses', 'failed_proofs', 'rate_windows', 'setup_codes']) {
    await db.schema.dropTable(t).execute();
  }
}
