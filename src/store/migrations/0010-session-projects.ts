import type { Kysely } from 'kysely';

// The working directory each session ran in, as `takt sync` reads it from the transcript
// (`cwd`), so that the sessions page can name the project (issue 19.9). OTLP carries none.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_projects')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('cwd', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_projects_pk', ['user_id', 'session_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_projects').execute();
}
