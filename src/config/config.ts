import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defaultHome } from './takt-home.ts';

/**
 * The one place that reads process.env for the server. Parsed once, at start-up;
 * a bad value stops takt with a message naming the setting and what is allowed.
 */

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a port number (0-65535)` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`);

const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|kib|mb|mib|gb|gib)?$/i, 'use a size such as 5242880, 512kb or 8mb')
  .transform(parseByteSize);

const cidrList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[0-9a-fA-F.:]+(\/\d{1,3})?$/, 'use addresses or CIDR ranges like 10.0.0.0/8')));

/** Host names (no port, no scheme): the names this server answers to besides its own (docs/security.md). */
const hostList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*)$/,
          'use host names or addresses without port or scheme, such as takt.home.arpa,192.168.1.5',
        ),
    ),
  );

export const configSchema = z.object({
  home: z.string().min(1, 'TAKT_HOME must be a directory path'),
  databaseUrl: z
    .string()
    .min(1)
    .refine(
      (u) => /^(postgres|postgresql):\/\//.test(u) || /^(sqlite:|file:)?[^:]*$/.test(u) || /^sqlite:/.test(u),
      'TAKT_DATABASE_URL must be a postgres://… URL or a SQLite file path (sqlite:/path/takt.db)',
    ),
  host: z
    .string()
    .min(1, 'TAKT_HOST must be an address to bind, such as 127.0.0.1 or 0.0.0.0')
    // Loopback by default: a fresh install must not expose an open ingest port to the network.
    .default('127.0.0.1'),
  httpPort: port('TAKT_HTTP_PORT').default(4318), // OTLP/HTTP default port, so Claude Code's endpoint is just http://host:4318
  grpcPort: port('TAKT_GRPC_PORT').default(4317), // OTLP/gRPC default port
  grpcEnabled: z.boolean().default(true),
  bodyLimitBytes: byteSize.default(parseByteSize('8mb')).pipe(
    z
      .number()
      .int()
      .min(1024, 'TAKT_BODY_LIMIT must be at least 1kb: smaller would reject ordinary exports')
      .max(512 * 1024 * 1024, 'TAKT_BODY_LIMIT must be at most 512mb'),
  ),
  publicUrl: z.url('TAKT_PUBLIC_URL must be an absolute URL such as https://takt.example.com').optional(),
  lanAdminCidrs: cidrList.default([]),
  /**
   * More names this server is reached by (beside loopback names, the bound address, the
   * machine's addresses and TAKT_PUBLIC_URL's host): where the address alone authorises (LAN
   * admin, the one-person local mode) any other Host is refused, which stops DNS rebinding.
   */
  allowedHosts: hostList.default([]),
  trustedProxies: cidrList.default([]),
  logLevel: z
    .enum(['silent', 'error', 'warn', 'info', 'debug'], {
      error: 'TAKT_LOG_LEVEL must be one of silent, error, warn, info, debug',
    })
    .default('info'),
  /** GET /metrics: a bearer token it requires (any bind). */
  metricsToken: z
    .string()
    .min(16, 'TAKT_METRICS_TOKEN must be at least 16 characters: generate one with openssl rand -hex 32')
    .optional(),
  /**
   * GET /metrics without a token: open (true), closed (false), or unset — open on a loopback
   * bind only, since the counters tell anyone on the network who sends what and how often.
   */
  metricsPublic: z.boolean({ error: 'TAKT_METRICS_PUBLIC must be 1 (open to all) or 0 (closed)' }).optional(),
  /** Attempts a minute, per address and per account, on login, register and token (device endpoints: 3×). */
  authRateLimit: z.coerce
    .number({ error: 'TAKT_AUTH_RATE_LIMIT must be a whole number of attempts per minute' })
    .int('TAKT_AUTH_RATE_LIMIT must be a whole number of attempts per minute')
    .min(1, 'TAKT_AUTH_RATE_LIMIT must be at least 1')
    .default(10),
  /** Benchmarks only: decode, authenticate and validate exports but store nothing (the baseline of npm run bench). */
  ingestDryRun: z.boolean().default(false),
  /** Webhook URLs may be http:// (home networks, tests); https only otherwise. */
  webhookAllowHttp: z.boolean({ error: 'TAKT_WEBHOOK_ALLOW_HTTP must be 1 (allow http://) or 0' }).default(false),
  /** Networks webhooks may reach although private, loopback or link-local (the URL guard refuses them otherwise). */
  webhookAllowedNetworks: cidrList.default([]),
  /** telemetry_stale: a machine active in the last day that has sent nothing for this long. */
  staleMachineMinutes: z.coerce
    .number({ error: 'TAKT_STALE_MACHINE_MINUTES must be a number of minutes' })
    .positive('TAKT_STALE_MACHINE_MINUTES must be more than 0')
    .default(60),
  /** Seconds to wait after each failed attempt; one attempt more than entries (docs/webhooks.md). */
  webhookRetrySchedule: z
    .string()
    .regex(/^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$/, 'use seconds separated by commas, such as 10,60,300')
    .transform((t) => t.split(',').map((x) => Number(x.trim())))
    .default([10, 60, 300, 900, 1800, 3600, 7200, 10800, 14400, 21600, 21600]),
  /** A delivery counts only if a 2xx answer comes within this many seconds. */
  webhookTimeoutSeconds: z.coerce
    .number({ error: 'TAKT_WEBHOOK_TIMEOUT must be a number of seconds' })
    .positive('TAKT_WEBHOOK_TIMEOUT must be more than 0')
    .max(60, 'TAKT_WEBHOOK_TIMEOUT must be at most 60 seconds')
    .default(15),
  /** How long a worker holds a claimed delivery; a crashed worker's deliveries are sent again after it. */
  webhookLeaseSeconds: z.coerce
    .number({ error: 'TAKT_WEBHOOK_LEASE must be a number of seconds' })
    .positive('TAKT_WEBHOOK_LEASE must be more than 0')
    .default(60),
  /**
   * The key that encrypts webhook URLs and secrets at rest; unset: a key file beside the
   * database, made at first start. Replicas must share one.
   */
  secretKey: z
    .string()
    .regex(
      /^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/,
      'TAKT_SECRET_KEY must be 32 bytes as base64 or 64 hex digits: generate one with openssl rand -base64 32',
    )
    .optional(),
  /** Webhook endpoints a member may have (issue 22.5: one event must not become hundreds of POSTs). */
  webhookMaxEndpoints: z.coerce
    .number({ error: 'TAKT_WEBHOOK_MAX_ENDPOINTS must be a whole number of endpoints' })
    .int('TAKT_WEBHOOK_MAX_ENDPOINTS must be a whole number of endpoints')
    .min(1, 'TAKT_WEBHOOK_MAX_ENDPOINTS must be at least 1')
    .default(20),
  /** Webhook endpoints an admin may have (admins' endpoints may cover everyone's accounts). */
  webhookMaxEndpointsAdmin: z.coerce
    .number({ error: 'TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN must be a whole number of endpoints' })
    .int('TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN must be a whole number of endpoints')
    .min(1, 'TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN must be at least 1')
    .default(100),
  /** POST /api/webhooks/{id}/test and …/replay a user may call a minute, together. */
  webhookSendsPerMinute: z.coerce
    .number({ error: 'TAKT_WEBHOOK_SENDS_PER_MINUTE must be a whole number of calls a minute' })
    .int('TAKT_WEBHOOK_SENDS_PER_MINUTE must be a whole number of calls a minute')
    .min(1, 'TAKT_WEBHOOK_SENDS_PER_MINUTE must be at least 1')
    .default(10),
  /** Endpoints on one destination host that one event is sent to; further ones on that host are skipped. */
  webhookMaxPerHost: z.coerce
    .number({ error: 'TAKT_WEBHOOK_MAX_PER_HOST must be a whole number of endpoints' })
    .int('TAKT_WEBHOOK_MAX_PER_HOST must be a whole number of endpoints')
    .min(1, 'TAKT_WEBHOOK_MAX_PER_HOST must be at least 1')
    .default(5),
  /** How often every user's alerts are evaluated (stale machines, windows that reset without new data). */
  alertIntervalSeconds: z.coerce
    .number({ error: 'TAKT_ALERT_INTERVAL must be a number of seconds' })
    .positive('TAKT_ALERT_INTERVAL must be more than 0')
    .default(60),
  /** Open GET /api/events streams on this server, all users together (each holds a socket; issue 22.2). */
  /**
   * The server machine's HOME and CLAUDE_CONFIG_DIR: where POST /app/claude-usage/refresh/
   * finds Claude Code's transcripts and ~/.claude.json (one-person local mode only).
   */
  claudeHome: z.string().min(1).optional(),
  claudeConfigDir: z.string().min(1).optional(),
  liveStreamsMax: z.coerce
    .number({ error: 'TAKT_LIVE_STREAMS_MAX must be a whole number of streams' })
    .int('TAKT_LIVE_STREAMS_MAX must be a whole number of streams')
    .min(1, 'TAKT_LIVE_STREAMS_MAX must be at least 1')
    .default(500),
  /**
   * Anthropic accounts one user may have (issue 22.14): official readings, the status line and
   * limit events naming a new account past it get 409; OTLP and sync usage of a new account
   * past it is kept, counted toward no account.
   */
  accountsPerUserMax: z.coerce
    .number({ error: 'TAKT_MAX_ACCOUNTS_PER_USER must be a whole number of accounts' })
    .int('TAKT_MAX_ACCOUNTS_PER_USER must be a whole number of accounts')
    .min(1, 'TAKT_MAX_ACCOUNTS_PER_USER must be at least 1')
    .default(20),
});

export type Config = z.infer<typeof configSchema>;

/** Maps a schema key to the environment variable / flag a user sets, for error messages. */
export const settingNames: Record<keyof Config, { env: string; flag?: string }> = {
  home: { env: 'TAKT_HOME', flag: '--home' },
  databaseUrl: { env: 'TAKT_DATABASE_URL', flag: '--database-url' },
  host: { env: 'TAKT_HOST', flag: '--host' },
  httpPort: { env: 'TAKT_HTTP_PORT', flag: '--port' },
  grpcPort: { env: 'TAKT_GRPC_PORT', flag: '--grpc-port' },
  grpcEnabled: { env: 'TAKT_GRPC', flag: '--no-grpc' },
  bodyLimitBytes: { env: 'TAKT_BODY_LIMIT', flag: '--body-limit' },
  publicUrl: { env: 'TAKT_PUBLIC_URL', flag: '--public-url' },
  lanAdminCidrs: { env: 'TAKT_LAN_ADMIN_CIDRS', flag: '--lan-admin-cidrs' },
  allowedHosts: { env: 'TAKT_ALLOWED_HOSTS' },
  trustedProxies: { env: 'TAKT_TRUSTED_PROXIES', flag: '--trusted-proxies' },
  logLevel: { env: 'TAKT_LOG_LEVEL', flag: '--log-level' },
  // No flag: a secret on the command line is visible to every user in ps.
  metricsToken: { env: 'TAKT_METRICS_TOKEN' },
  metricsPublic: { env: 'TAKT_METRICS_PUBLIC' },
  ingestDryRun: { env: 'TAKT_INGEST_DRY_RUN', flag: '--ingest-dry-run' },
  authRateLimit: { env: 'TAKT_AUTH_RATE_LIMIT', flag: '--auth-rate-limit' },
  webhookAllowHttp: { env: 'TAKT_WEBHOOK_ALLOW_HTTP' },
  webhookAllowedNetworks: { env: 'TAKT_WEBHOOK_ALLOWED_NETWORKS' },
  staleMachineMinutes: { env: 'TAKT_STALE_MACHINE_MINUTES' },
  webhookRetrySchedule: { env: 'TAKT_WEBHOOK_RETRY_SCHEDULE' },
  webhookTimeoutSeconds: { env: 'TAKT_WEBHOOK_TIMEOUT' },
  webhookLeaseSeconds: { env: 'TAKT_WEBHOOK_LEASE' },
  alertIntervalSeconds: { env: 'TAKT_ALERT_INTERVAL' },
  liveStreamsMax: { env: 'TAKT_LIVE_STREAMS_MAX' },
  claudeHome: { env: 'HOME' },
  claudeConfigDir: { env: 'CLAUDE_CONFIG_DIR' },
  // No flag: a secret on the command line is visible to every user in ps.
  secretKey: { env: 'TAKT_SECRET_KEY' },
  webhookMaxEndpoints: { env: 'TAKT_WEBHOOK_MAX_ENDPOINTS' },
  webhookMaxEndpointsAdmin: { env: 'TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN' },
  webhookSendsPerMinute: { env: 'TAKT_WEBHOOK_SENDS_PER_MINUTE' },
  webhookMaxPerHost: { env: 'TAKT_WEBHOOK_MAX_PER_HOST' },
  accountsPerUserMax: { env: 'TAKT_MAX_ACCOUNTS_PER_USER' },
};

import { ConfigError } from './config-error.ts';

export { ConfigError, defaultHome };

/**
 * Builds the config from environment and flags (flags win). Throws ConfigError
 * whose message names every bad setting and what it accepts.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: Partial<Record<keyof Config, string | boolean>> = {},
): Config {
  const home = (flags.home as string | undefined) ?? defaultHome(env);
  const raw: Record<string, unknown> = {
    home: resolve(home),
    databaseUrl: flags.databaseUrl ?? env.TAKT_DATABASE_URL ?? `sqlite:${join(resolve(home), 'takt.db')}`,
    host: flags.host ?? env.TAKT_HOST,
    httpPort: flags.httpPort ?? env.TAKT_HTTP_PORT,
    grpcPort: flags.grpcPort ?? env.TAKT_GRPC_PORT,
    grpcEnabled: flags.grpcEnabled ?? (env.TAKT_GRPC === undefined ? undefined : env.TAKT_GRPC !== '0'),
    bodyLimitBytes: flags.bodyLimitBytes ?? env.TAKT_BODY_LIMIT,
    publicUrl: flags.publicUrl ?? env.TAKT_PUBLIC_URL,
    lanAdminCidrs: flags.lanAdminCidrs ?? env.TAKT_LAN_ADMIN_CIDRS,
    allowedHosts: flags.allowedHosts ?? env.TAKT_ALLOWED_HOSTS,
    trustedProxies: flags.trustedProxies ?? env.TAKT_TRUSTED_PROXIES,
    logLevel: flags.logLevel ?? env.TAKT_LOG_LEVEL,
    metricsToken: flags.metricsToken ?? env.TAKT_METRICS_TOKEN,
    metricsPublic: flags.metricsPublic ?? switchValue(env.TAKT_METRICS_PUBLIC),
    authRateLimit: flags.authRateLimit ?? env.TAKT_AUTH_RATE_LIMIT,
    ingestDryRun:
      flags.ingestDryRun ?? (env.TAKT_INGEST_DRY_RUN === undefined ? undefined : env.TAKT_INGEST_DRY_RUN === '1'),
    webhookAllowHttp: switchValue(env.TAKT_WEBHOOK_ALLOW_HTTP),
    webhookAllowedNetworks: env.TAKT_WEBHOOK_ALLOWED_NETWORKS,
    staleMachineMinutes: env.TAKT_STALE_MACHINE_MINUTES,
    webhookRetrySchedule: env.TAKT_WEBHOOK_RETRY_SCHEDULE,
    webhookTimeoutSeconds: env.TAKT_WEBHOOK_TIMEOUT,
    webhookLeaseSeconds: env.TAKT_WEBHOOK_LEASE,
    alertIntervalSeconds: env.TAKT_ALERT_INTERVAL,
    liveStreamsMax: env.TAKT_LIVE_STREAMS_MAX,
    claudeHome: env.HOME,
    claudeConfigDir: env.CLAUDE_CONFIG_DIR,
    secretKey: env.TAKT_SECRET_KEY,
    webhookMaxEndpoints: env.TAKT_WEBHOOK_MAX_ENDPOINTS,
    webhookMaxEndpointsAdmin: env.TAKT_WEBHOOK_MAX_ENDPOINTS_ADMIN,
    webhookSendsPerMinute: env.TAKT_WEBHOOK_SENDS_PER_MINUTE,
    webhookMaxPerHost: env.TAKT_WEBHOOK_MAX_PER_HOST,
    accountsPerUserMax: env.TAKT_MAX_ACCOUNTS_PER_USER,
  };
  for (const key of Object.keys(raw)) if (raw[key] === undefined || raw[key] === '') delete raw[key];
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '') as keyof Config;
      const names = settingNames[key];
      const where = names ? (names.flag ? `${names.env} (${names.flag})` : names.env) : key;
      return `  ${where}: ${issue.message} (got ${JSON.stringify(raw[key])})`;
    });
    throw new ConfigError(`takt cannot start, a setting is invalid:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** "1"/"true" and "0"/"false" as booleans; anything else as given, for the schema to reject by name. */
function switchValue(text: string | undefined): boolean | string | undefined {
  const t = text?.trim().toLowerCase();
  if (t === '1' || t === 'true') return true;
  if (t === '0' || t === 'false') return false;
  return text;
}

/** A bind address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export function parseByteSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return Number.NaN;
  const unit = (m[2] ?? '').toLowerCase();
  const factor =
    unit === 'kb' || unit === 'kib'
      ? 1024
      : unit === 'mb' || unit === 'mib'
        ? 1024 ** 2
        : unit === 'gb' || unit === 'gib'
          ? 1024 ** 3
          : 1;
  return Math.round(Number(m[1]) * factor);
}
