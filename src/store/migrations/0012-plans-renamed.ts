import { type Kysely, sql } from 'kysely';

// Anthropic renamed the plans on 2026-10-30: Max 5x is "Max", Max 20x is "Ultra"
// (docs/limits.md, "Plans"). Stored accounts take the new ids; the API still accepts the old.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE accounts SET plan = 'max' WHERE plan = 'max5'`.execute(db);
  await sql`UPDATE accounts SET plan = 'ultra' WHERE plan = 'max20'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE accounts SET plan = 'max20' WHERE plan = 'ultra'`.execute(db);
  await sql`UPDATE accounts SET plan = 'max5' WHERE plan = 'max'`.execute(db);
}
