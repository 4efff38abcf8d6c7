import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../lib/log.ts';
import { startServer } from '../../server/start-server.ts';
import { countUsers } from '../../store/users.ts';
import { type CommandSpec, helpOf, parseCommand, storeFlags } from '../command-spec.ts';

const spec: CommandSpec = {
  name: 'serve',
  usage: '[options]',
  about: `Each option can also be set by the environment variable it names (docs/operations.md).
GET /metrics is open on a loopback address only; elsewhere set TAKT_METRICS_TOKEN (scrape
with that bearer token) or TAKT_METRICS_PUBLIC=1.`,
  shared: [...storeFlags, 'help'],
  flags: {
    host: {
      type: 'string',
      value: 'ADDR',
      help: 'TAKT_HOST: the address to listen on (default 127.0.0.1; 0.0.0.0 for the network)',
    },
    port: {
      type: 'string',
      value: 'N',
      help: 'TAKT_HTTP_PORT: OpenTelemetry over HTTP, the API and the dashboard (default 4318)',
    },
    'grpc-port': { type: 'string', value: 'N', help: 'TAKT_GRPC_PORT: OpenTelemetry over gRPC (default 4317)' },
    'no-grpc': { type: 'boolean', help: 'TAKT_GRPC=0: do not listen for gRPC' },
    'body-limit': {
      type: 'string',
      value: 'SIZE',
      help: 'TAKT_BODY_LIMIT: the largest upload, also once decompressed (default 8mb)',
    },
    'public-url': {
      type: 'string',
      value: 'URL',
      help: 'TAKT_PUBLIC_URL: the URL machines and browsers use to reach this server',
    },
    'log-level': {
      type: 'string',
      value: 'LEVEL',
      help: 'TAKT_LOG_LEVEL: silent, error, warn, info (default) or debug (one line per request)',
    },
  },
};

export async function run(args: string[]): Promise<number> {
  const { values: parsed } = parseCommand(spec, args);
  const values = parsed as Record<string, string | undefined> & { 'no-grpc'?: boolean; help?: boolean };
  if (values.help) {
    process.stdout.write(helpOf(spec));
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
