// Backs up and restores takt's database, online, and prints the totals to compare.
//
//   node scripts/backup.mjs backup  <database-url> <backup-file>
//   node scripts/backup.mjs restore <backup-file>  <database-url>
//   node scripts/backup.mjs totals  <database-url>
//
// SQLite (sqlite:/path/takt.db or a path): better-sqlite3's online backup API (pages copied
// while takt keeps writing; the copy is one consistent moment), then `PRAGMA
// integrity_check` on the copy. Restore copies the file into place (it refuses to overwrite)
// and checks it again. PostgreSQL (postgres://…): `pg_dump --format=custom` (one consistent
// snapshot, takt keeps running) and `pg_restore --no-owner --exit-on-error` into an EMPTY
// database. pg_dump/pg_restore come from PATH or /usr/lib/postgresql/<newest>/bin, and must
// be at least the server's version; without such a pg_dump (or with --builtin) the backup is
// takt's own dump (scripts/backup/postgres-json.mjs), which restore recognises and loads after
// takt's migrations made the schema. `totals` prints the usage totals as JSON (what the
// restore test compares; compare them yourself after a restore).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { dumpPostgres, isPostgresJson, restorePostgres } from './backup/postgres-json.mjs';

const isPostgres = (url) => /^postgres(ql)?:\/\//.test(url);
const sqlitePath = (url) => url.replace(/^(sqlite|file):(\/\/)?/, '');

function pgTool(name) {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    for (const v of readdirSync(base).sort((a, b) => Number(b) - Number(a))) {
      const p = join(base, v, 'bin', name);
      if (existsSync(p)) return p;
    }
  }
  return name; // from PATH
}

/** The tool's major version, or 0 when it is missing. */
function toolMajor(tool) {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? Number(/(\d+)/.exec(r.stdout)?.[1] ?? 0) : 0;
}

async function serverMajor(url) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('show server_version_num');
  await c.end();
  return Math.floor(Number(r.rows[0].server_version_num) / 10000);
}

/** takt's migrations on the restore target: the schema of the version that runs this script. */
async function migrateTakt(url) {
  const { openStore } = await import('../dist/store/open-store.js').catch(() => {
    throw new Error('restoring a takt dump needs the build: run `npm run build` first');
  });
  const store = await openStore(url);
  await store.close();
}

function integrity(file) {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.pragma('integrity_check');
    const ok = rows.length === 1 && rows[0].integrity_check === 'ok';
    if (!ok) throw new Error(`integrity_check of ${file} failed: ${JSON.stringify(rows).slice(0, 500)}`);
  } finally {
    db.close();
  }
}

async function backup(url, file, builtin) {
  if (existsSync(file)) throw new Error(`${file} exists: choose a new file name for the backup`);
  if (isPostgres(url)) {
    const server = await serverMajor(url);
    const dumpMajor = toolMajor(pgTool('pg_dump'));
    if (builtin || dumpMajor < server) {
      if (!builtin) {
        console.error(
          `backup: no pg_dump ${server} or newer found (${dumpMajor ? `pg_dump ${dumpMajor}` : 'none'}): writing takt's own dump, which only this script restores`,
        );
      }
      await dumpPostgres(url, file);
      console.log(`backup: ${file} (${statSync(file).size} bytes, takt's own format)`);
      return;
    }
    execFileSync(pgTool('pg_dump'), ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${url}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } else {
    const db = new Database(sqlitePath(url), { fileMustExist: true });
    try {
      await db.backup(file);
    } finally {
      db.close();
    }
    integrity(file);
  }
  console.log(`backup: ${file} (${statSync(file).size} bytes)`);
}

async function restore(file, url) {
  if (!existsSync(file)) throw new Error(`no backup at ${file}`);
  if (isPostgres(url)) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const tables = await c.query(`select count(*)::int as n from pg_tables where schemaname = 'public'`);
    await c.end();
    if (tables.rows[0].n > 0) {
      throw new Error(
        'the target database is not empty: create a new one (createdb takt_restored) and restore into it',
      );
    }
    if (await isPostgresJson(file)) {
      await restorePostgres(file, url, migrateTakt);
      console.log(`restored: ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
      return;
    }
    execFileSync(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', `--dbname=${url}`, file], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } else {
    const target = sqlitePath(url);
    if (existsSync(target))
      throw new Error(`${target} exists: restore into a new path, then point TAKT_DATABASE_URL at it`);
    copyFileSync(file, target);
    integrity(target);
  }
  console.log(`restored: ${url.replace(/\/\/[^@/]*@/, '//…@')}`);
}

const TOTALS_SQL = `select
  (select count(*) from users) as users,
  (select count(*) from machines) as machines,
  (select count(*) from usage_records) as usage_records,
  (select coalesce(sum(input_tokens + output_tokens + cache_read_tokens + cache_creation_tokens), 0) from usage_records) as tokens,
  (select coalesce(sum(records), 0) from usage_hourly) as hourly_records,
  (select count(*) from activity_records) as activity_records,
  (select count(*) from audit_events) as audit_events`;

async function totals(url) {
  let row;
  if (isPostgres(url)) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    row = (await c.query(TOTALS_SQL)).rows[0];
    await c.end();
  } else {
    const db = new Database(sqlitePath(url), { readonly: true, fileMustExist: true });
    row = db.prepare(TOTALS_SQL).get();
    db.close();
  }
  const out = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
  console.log(JSON.stringify(out));
  return out;
}

const [command, a, b, ...flags] = process.argv.slice(2);
try {
  if (command === 'backup' && a && b) await backup(a, b, flags.includes('--builtin'));
  else if (command === 'restore' && a && b) await restore(a, b);
  else if (command === 'totals' && a) await totals(a);
  else {
    console.error(
      'usage: node scripts/backup.mjs backup <database-url> <backup-file> [--builtin] | restore <backup-file> <database-url> | totals <database-url>',
    );
    process.exit(2);
  }
} catch (error) {
  console.error(`backup: ${error.message}`);
  process.exit(1);
}
