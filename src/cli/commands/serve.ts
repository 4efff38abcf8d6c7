import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../../config/config.ts';
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env, {
      ...(values.home ? { home: values.home } : {}),
      ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
      ...(values.host ? { host: values.host } : {}),
      ...(values.port ? { httpPort: values.port } : {}),
      ...(values['grpc-port'] ? { grpcPort: values['grpc-port'] } : {}),
      ...(values['no-grpc'] ? { grpcEnabled: false } : {}),
      ...(values['body-limit'] ? { bodyLimitBytes: values['body-limit'] } : {}),
      ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const server = await startServer(config);
  const where = config.databaseUrl.startsWith('postgres') ? 'PostgreSQL' : config.databaseUrl;
  process.stdout.write(
    `takt serve: HTTP ${server.httpUrl}${server.grpcPort ? `, OTLP/gRPC ${config.host}:${server.grpcPort}` : ''}, store ${where}\n`,
  );
  if ((await countUsers(server.context.store.db)) === 0) {
    process.stdout.write(
      [
        `takt serve: no users yet. Open ${config.publicUrl ?? server.httpUrl}/ and create the first admin with`,
        `takt serve: first-run setup code: ${server.context.setupCode ?? '(none)'}`,
        'or, on this machine, create the first admin and their token:',
        '  takt token create --email you@example.com --admin',
        'then invite others with POST /auth/invite (or: takt admin invite).',
        '',
      ].join('\n'),
    );
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`takt serve: ${signal}, finishing in-flight exports…\n`);
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`takt serve: shutdown failed: ${(error as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
