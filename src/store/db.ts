import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

/** A query runner: the database itself or a transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;
