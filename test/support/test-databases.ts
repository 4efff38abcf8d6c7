import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty SQLite file. */
export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'takt-db-'));
  return {
    dialect: 'sqlite',
    url: `sqlite:${join(dir, 'takt.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh, empty database on the test PostgreSQL server (test/global-setup.ts). */
export async function postgresDatabase(): Promise<TestDatabase> {
  const admin = inject('postgresUrl');
  const name = `takt_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    dialect: 'postgres',
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Both implementations, for *.case.test.ts suites. */
export const dialects = [
  { name: 'sqlite', create: async () => sqliteDatabase() },
  { name: 'postgres', create: postgresDatabase },
] as const;
