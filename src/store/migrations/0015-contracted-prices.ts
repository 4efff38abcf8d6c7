import type { Kysely } from 'kysely';

// Contracted prices (issue 21.5): an admin's per-model prices, which replace the list table's
// for those models, and one data-residency factor that multiplies every price. takt's
// `list_cost_usd` uses them; Claude Code's own `cost_usd` is never recomputed. A model's price
// is kept as JSON (the price table's shape: rates, optional long_context and fast_multiplier)
// so a new rate in the table needs no migration. No row in pricing_settings: factor 1.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contracted_prices')
    .addColumn('model', 'text', (c) => c.primaryKey())
    .addColumn('price', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('pricing_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // double precision on both: PostgreSQL's real would read 1.1 back as 1.10000002.
    .addColumn('residency_factor', 'double precision', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('pricing_settings').execute();
  await db.schema.dropTable('contracted_prices').execute();
}
