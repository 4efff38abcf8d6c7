import { type Kysely, PostgresAdapter, sql } from 'kysely';

// PostgreSQL only: the tables every export updates in place (a machine's, an account's and a
// token's last_seen_at, a cumulative series' last value, an hour's sums) keep 20% of each
// page free, so the new version of a row fits on its page and the update is a HOT one
// (heap-only tuple: no index entry written, the old version pruned on the page itself). None
// of the updated columns is indexed, which HOT also needs. Measured in the fleet bench
// (docs/benchmarks.md, "Fleet"). It applies to pages written from now on; VACUUM FULL (or
// pg_repack) rewrites the old ones. SQLite has no fillfactor: nothing to do there.
export const HOT_TABLES = ['usage_hourly', 'machines', 'accounts', 'metric_series', 'token_machines', 'api_tokens'];
const FILLFACTOR = 80;

const onPostgres = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!onPostgres(db)) return;
  for (const table of HOT_TABLES) {
    await sql`alter table ${sql.table(table)} set (fillfactor = ${sql.lit(FILLFACTOR)})`.execute(db);
  }
}

/** Back to PostgreSQL's default (100: pages filled up). */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (!onPostgres(db)) return;
  for (const table of HOT_TABLES) await sql`alter table ${sql.table(table)} reset (fillfactor)`.execute(db);
}
