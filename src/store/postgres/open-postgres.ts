import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.ts';

// int8 (bigint) and numeric arrive as strings by default; every bigint we store
// (epoch ms, token counts) fits in a double exactly, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/**
 * Set at each connection's start, in the startup packet: the telemetry write's named statements
 * are planned for each batch's values (a generic plan, PostgreSQL's choice after five runs,
 * scanned every machine instead of looking each up); unnamed statements, all the others, are
 * planned for their values anyway. PostgreSQL 12 or later (the setting's first version). A
 * connection string's own `options` parameter replaces this one.
 */
const connectionOptions = '-c plan_cache_mode=force_custom_plan';

export function openPostgres(connectionString: string, maxConnections = 10): { db: Kysely<Database>; pool: pg.Pool } {
  // A connect that cannot finish in 5 s fails (503 to the caller) instead of holding the request.
  // The setting travels with the connection: a `set` sent on connect raced the pool's first
  // query on that client (pg 8.23 warns of it; pg 9 will refuse it).
  const pool = new pg.Pool({
    connectionString,
    max: maxConnections,
    connectionTimeoutMillis: 5_000,
    options: connectionOptions,
  });
  // An idle connection broken by a PostgreSQL restart is reported here; without a listener the
  // 'error' event would end the process. The pool drops that client and opens a new one on demand.
  pool.on('error', () => {});
  // The same for a connection checked out between two queries (inside a transaction): the
  // next query on it fails, and the caller answers 503.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool };
}
