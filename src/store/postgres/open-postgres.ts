import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';

// int8 (bigint) and numeric arrive as strings by default; every bigint we store
// (epoch ms, token counts) fits in a double exactly, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export function openPostgres(connectionString: string, maxConnections = 10): { db: Kysely<Database>; pool: pg.Pool } {
  // A connect that cannot finish in 5 s fails (503 to the caller) instead of holding the request.
  const pool = new pg.Pool({ connectionString, max: maxConnections, connectionTimeoutMillis: 5_000 });
  // An idle connection broken by a PostgreSQL restart is reported here; without a listener the
  // 'error' event would end the process. The pool drops that client and opens a new one on demand.
  pool.on('error', () => {});
  // The same for a connection checked out between two queries (inside a transaction): the
  // next query on it fails, and the caller answers 503.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // The telemetry write's named statements are planned for each batch's values: a generic plan
    // (PostgreSQL's choice after five runs) scanned every machine instead of looking each up.
    // Unnamed statements, all the others, are planned for their values anyway. Before PostgreSQL
    // 12 the setting does not exist and the default stays.
    client.query('set plan_cache_mode = force_custom_plan').catch(() => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}
