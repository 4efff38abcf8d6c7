import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';

// int8 (bigint) and numeric arrive as strings by default; every bigint we store
// (epoch ms, token counts) fits in a double exactly, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export function openPostgres(connectionString: string, maxConnections = 10): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle client whose connection PostgreSQL ends (a restart, a dropped database) emits
  // 'error' on the pool; unheard, it would end the process. The pool drops that client and
  // the next query connects again (or fails, and /healthz says so).
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}
