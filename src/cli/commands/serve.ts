import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/log.ts';
import { startServer } from '../../server/start-server.ts';
import { countUsers } from '../../store/users.ts';

const help = `takt serve — run the takt server

Options (each also an environment variable):
  --home DIR            TAKT_HOME          data directory (default ~/.takt)
  --database-url URL    TAKT_DATABASE_URL  sqlite:/path/takt.db (default, under TAKT_HOME) or postgres://…
  --host ADDR           TAKT_HOST          address to bind (default 127.0.0.1; 0.0.0.0 for the network)
  --port N              TAKT_HTTP_PORT     HTTP: OTLP/HTTP, API, dashboard (default 4318)
  --grpc-port N         TAKT_GRPC_PORT     OTLP/gRPC (default 4317)
  --no-grpc             TAKT_GRPC=0        do not listen for gRPC
  --body-limit SIZE     TAKT_BODY_LIMIT    largest export body, also once decompressed (default 8mb)
  --public-url URL      TAKT_PUBLIC_URL    the URL machines use to reach this server
  --log-level LEVEL     TAKT_LOG_LEVEL     silent, error, warn, info (default) or debug (one line per request)

GET /metrics is open on a loopback bind only; elsewhere set TAKT_METRICS_TOKEN (scrape with
that bearer token) or TAKT_METRICS_PUBLIC=1. See docs/operations.md.
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      home: { type: 'string' },
      'database-url': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'grpc-port': { type: 'string' },
      'no-grpc': { type: 'boolean' },
      'body-limit': { type: 'string' },
      'public-url': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const config = loadConfig(process.env, {
    ...(values.home ? { home: values.home } : {}),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.port ? { httpPort: values.port } : {}),
    ...(values['grpc-port'] ? { grpcPort: values['grpc-port'] } : {}),
    ...(values['no-grpc'] ? { grpcEnabled: false } : {}),
    ...(values['body-limit'] ? { bodyLimitBytes: values['body-limit'] } : {}),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    ...(values['log-level'] ? { logLevel: values['log-level'] } : {}),
  });
  const log = createLogger(config.logLevel);
  const server = await startServer(config, { log });
  const where = config.databaseUrl.startsWith('postgres') ? 'PostgreSQL' : config.databaseUrl;
  // Plain sentences, not key=value: these lines are read by the person who just started takt.
  log.info(
    `takt serve: HTTP ${server.httpUrl}${server.grpcPort ? `, OTLP/gRPC ${config.host}:${server.grpcPort}` : ''}, store ${where}`,
  );
  if ((await countUsers(server.context.store.db)) === 0) {
    log.info(`takt serve: no users yet. Open ${config.publicUrl ?? server.httpUrl}/ and create the first admin with`);
    log.info(`takt serve: first-run setup code: ${server.context.setupCode ?? '(none)'} (valid 24 hours)`);
    log.info('or, on this machine, create the first admin and their token:');
    log.info('  takt token create --email you@example.com --admin');
    log.info('then invite others with POST /auth/invite (or: takt admin invite).');
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info(`takt serve: ${signal}, finishing in-flight exports…`);
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          log.error('takt serve: shutdown failed', { error: error as Error });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
