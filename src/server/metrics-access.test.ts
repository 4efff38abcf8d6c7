import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { metricsAccessOf } from './metrics-access.ts';

const access = (env: Record<string, string>) => metricsAccessOf(loadConfig({ TAKT_HOME: '/t', ...env }));

describe('metricsAccessOf', () => {
  it('is open on loopback binds and closed on others unless opened or given a token', () => {
    expect([
      access({}),
      access({ TAKT_HOST: '::1' }),
      access({ TAKT_HOST: 'localhost' }),
      access({ TAKT_HOST: '0.0.0.0' }),
      access({ TAKT_HOST: '192.168.1.20' }),
      access({ TAKT_HOST: '0.0.0.0', TAKT_METRICS_PUBLIC: '1' }),
      access({ TAKT_HOST: '127.0.0.1', TAKT_METRICS_PUBLIC: '0' }),
      access({ TAKT_HOST: '0.0.0.0', TAKT_METRICS_TOKEN: 'a-token-of-32-characters-or-so!!' }),
      access({ TAKT_METRICS_PUBLIC: '1', TAKT_METRICS_TOKEN: 'a-token-of-32-characters-or-so!!' }),
    ]).toEqual(['open', 'open', 'open', 'closed', 'closed', 'open', 'closed', 'token', 'token']);
  });
});
