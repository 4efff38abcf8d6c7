import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseByteSize } from './config.ts';

describe('loadConfig', () => {
  it('needs no configuration', () => {
    const c = loadConfig({ HOME: '/home/u', TAKT_HOME: '/data/takt' });
    expect(c).toEqual({
      home: '/data/takt',
      databaseUrl: 'sqlite:/data/takt/takt.db',
      host: '127.0.0.1',
      httpPort: 4318,
      grpcPort: 4317,
      grpcEnabled: true,
      bodyLimitBytes: 8 * 1024 * 1024,
      lanAdminCidrs: [],
      trustedProxies: [],
      logLevel: 'info',
      authRateLimit: 10,
      ingestDryRun: false,
      webhookAllowHttp: false,
      webhookAllowedNetworks: [],
      staleMachineMinutes: 60,
      webhookRetrySchedule: [10, 60, 300, 900, 1800, 3600, 7200, 10800, 14400, 21600, 21600],
      webhookTimeoutSeconds: 15,
      webhookLeaseSeconds: 60,
      alertIntervalSeconds: 60,
      allowedHosts: [],
      liveStreamsMax: 500,
      webhookMaxEndpoints: 20,
      webhookMaxEndpointsAdmin: 100,
      webhookSendsPerMinute: 10,
      webhookMaxPerHost: 5,
      accountsPerUserMax: 20,
      claudeHome: '/home/u',
    });
  });

  it('takes flags over environment variables', () => {
    const c = loadConfig(
      { TAKT_HOME: '/t', TAKT_HTTP_PORT: '9000', TAKT_BODY_LIMIT: '512kb', TAKT_DATABASE_URL: 'postgres://db/takt' },
      { httpPort: '9100', grpcEnabled: false },
    );
    expect([c.httpPort, c.grpcEnabled, c.bodyLimitBytes, c.databaseUrl]).toEqual([
      9100,
      false,
      512 * 1024,
      'postgres://db/takt',
    ]);
  });

  it('stops with a message naming every bad setting and what it allows', () => {
    const load = () =>
      loadConfig({
        TAKT_HOME: '/t',
        TAKT_HTTP_PORT: '70000',
        TAKT_BODY_LIMIT: 'huge',
        TAKT_PUBLIC_URL: 'takt.example.com',
        TAKT_LAN_ADMIN_CIDRS: '10.0.0.0/8,office',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(
      [
        'takt cannot start, a setting is invalid:',
        '  TAKT_HTTP_PORT (--port): TAKT_HTTP_PORT must be between 0 and 65535 (got "70000")',
        '  TAKT_BODY_LIMIT (--body-limit): use a size such as 5242880, 512kb or 8mb (got "huge")',
        '  TAKT_PUBLIC_URL (--public-url): TAKT_PUBLIC_URL must be an absolute URL such as https://takt.example.com (got "takt.example.com")',
        '  TAKT_LAN_ADMIN_CIDRS (--lan-admin-cidrs): use addresses or CIDR ranges like 10.0.0.0/8 (got "10.0.0.0/8,office")',
      ].join('\n'),
    );
  });

  it('names the /metrics and log settings when they are wrong', () => {
    const load = () =>
      loadConfig({ TAKT_HOME: '/t', TAKT_METRICS_PUBLIC: 'yes', TAKT_METRICS_TOKEN: 'short', TAKT_LOG_LEVEL: 'loud' });
    expect(load).toThrow(
      [
        'takt cannot start, a setting is invalid:',
        '  TAKT_LOG_LEVEL (--log-level): TAKT_LOG_LEVEL must be one of silent, error, warn, info, debug (got "loud")',
        '  TAKT_METRICS_TOKEN: TAKT_METRICS_TOKEN must be at least 16 characters: generate one with openssl rand -hex 32 (got "short")',
        '  TAKT_METRICS_PUBLIC: TAKT_METRICS_PUBLIC must be 1 (open to all) or 0 (closed) (got "yes")',
      ].join('\n'),
    );
  });

  it('rejects a body limit too small to hold an export', () => {
    expect(() => loadConfig({ TAKT_HOME: '/t', TAKT_BODY_LIMIT: '100' })).toThrow(
      'TAKT_BODY_LIMIT must be at least 1kb: smaller would reject ordinary exports',
    );
  });
});

describe('parseByteSize', () => {
  it('reads plain bytes and binary units', () => {
    expect(['123', '1kb', '1.5 MiB', '2gb', '7 b'].map(parseByteSize)).toEqual([123, 1024, 1572864, 2147483648, 7]);
  });
});
