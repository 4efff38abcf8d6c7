import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSetup } from '../src/cli/setup/local-setup.ts';
import { loadConfig } from '../src/config/config.ts';
import { localModeStatus } from '../src/server/local-mode.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { insertUser } from '../src/store/users.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { rawRequest } from './support/raw-http.ts';

/**
 * The one-person local mode (issue 19.3): seed 002's tracker had no sign-in. On a store
 * `takt setup --local` made, bound to loopback, with one person, requests without a token
 * from this machine count as the owner's; browsers' pages of other sites are refused.
 */
const home = mkdtempSync(join(tmpdir(), 'takt-localmode-'));
let server: RunningServer;
let base: string;
let port: string;
let ownerToken: string;
const now = Date.now();
const env = {
  HOME: home,
  TAKT_HOME: join(home, 'takt'),
  TAKT_HTTP_PORT: '0',
  TAKT_GRPC_PORT: '0',
  TAKT_LOG_LEVEL: 'silent',
};

beforeAll(async () => {
  mkdirSync(join(home, '.claude'));
  ownerToken = (
    await localSetup({
      email: 'you@localhost',
      machine: 'box',
      settings: join(home, '.claude', 'settings.json'),
      service: false,
      env,
    })
  ).token;
  server = await startServer(loadConfig(env));
  base = server.httpUrl;
  port = new URL(base).port;
});
afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

const json = { 'content-type': 'application/json' };
const get = (path: string, headers: Record<string, string> = {}) => rawRequest(`${base}${path}`, { headers });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  rawRequest(`${base}${path}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
const range = () => `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 86_400_000).toISOString()}`;
const totals = async () => JSON.parse((await get(`/api/usage?${range()}`)).text).totals;

function grpcExport(authority: string) {
  const client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure(), {
    'grpc.default_authority': authority,
  });
  const body = encodeLogs(
    apiRequestLogs({ host: 'box', sessionId: 'sess-grpc' }, [
      {
        model: 'claude-sonnet-4-5',
        input: 300,
        output: 30,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0,
        timeMs: now,
        sequence: 1,
      },
    ]),
  );
  return new Promise<number>((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(body),
      new grpc.Metadata(),
      { deadline: Date.now() + 10_000 },
      (error) => {
        client.close();
        resolve(error ? error.code : 0);
      },
    );
  });
}

describe('the local mode of a one-person store', () => {
  it('is on, and says so on /healthz', async () => {
    expect(JSON.parse((await get('/healthz')).text).local_mode).toEqual({
      on: true,
      reason: 'one person, loopback bind',
    });
  });

  it('takes seed 002’s calls without a token, as the owner’s: manual entries, /api/usage, delete', async () => {
    const a = await post('/api/session', { input: 5420, output: 2100, note: 'pairing' });
    const b = await post('/api/manual-entries', { input: 1, output: 2 }, { host: `localhost:${port}` });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await totals()).toMatchObject({ input_tokens: 5421, output_tokens: 2102 });
    const del = await post('/api/delete-session', { index: 1 });
    expect([del.status, (await totals()).input_tokens]).toEqual([200, 5420]);
    expect((await get('/api/manual-entries')).status).toBe(200);
  });

  it('takes OTLP over HTTP (JSON, no headers) and gRPC without a token', async () => {
    const logs = (session: string, input: number) =>
      apiRequestLogs({ host: 'box', sessionId: session }, [
        {
          model: 'claude-sonnet-4-5',
          input,
          output: 0,
          cacheRead: 0,
          cacheCreation: 0,
          costUsd: 0,
          timeMs: now,
          sequence: 1,
        },
      ]);
    const http = await post('/v1/logs', logs('sess-http', 700));
    expect(http.status).toBe(200);
    expect(await grpcExport(`localhost:${server.grpcPort}`)).toBe(0);
    expect((await totals()).input_tokens).toBe(5420 + 700 + 300);
  });

  it('refuses a rebound Host, a foreign Origin and Sec-Fetch-Site: cross-site (HTTP and gRPC)', async () => {
    const answers = await Promise.all([
      post('/api/session', { input: 1, output: 1 }, { host: `rebind.evil.test:${port}` }),
      get(`/api/usage?${range()}`, { host: `rebind.evil.test:${port}` }),
      post('/api/session', { input: 1, output: 1 }, { origin: 'http://evil.example' }),
      post('/api/session', { input: 1, output: 1 }, { 'sec-fetch-site': 'cross-site' }),
      get(`/api/usage?${range()}`, { 'sec-fetch-site': 'cross-site' }),
      post('/v1/logs', {}, { host: `rebind.evil.test:${port}` }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(JSON.parse((answers[0] as { text: string }).text).error.message).toBe(
      `Host rebind.evil.test:${port} is not a loopback name: without a token this server answers only http://127.0.0.1, http://localhost or http://[::1]; send a token otherwise`,
    );
    expect(await grpcExport(`rebind.evil.test:${server.grpcPort}`)).toBe(grpc.status.PERMISSION_DENIED);
  });

  it('answers /stats and seed 001’s /app/claude-usage/stats/ without a token from loopback, refuses a non-own Host', async () => {
    // An account named without a token too (a user without one is seed 001's zeros: issue 19.4).
    const named = await post(
      '/v1/logs',
      apiRequestLogs({ host: 'box', sessionId: 'sess-stats', accountUuid: 'acct-local' }, [
        {
          model: 'claude-sonnet-4-5',
          input: 50,
          output: 5,
          cacheRead: 0,
          cacheCreation: 0,
          costUsd: 0,
          timeMs: now,
          sequence: 1,
        },
      ]),
    );
    expect(named.status).toBe(200);
    const [stats, seedPath, viaLocalhost, rebound, reboundSeed, crossSite] = await Promise.all([
      get('/stats'),
      get('/app/claude-usage/stats/'),
      get('/stats', { host: `localhost:${port}` }),
      get('/stats', { host: `rebind.evil.test:${port}` }),
      get('/app/claude-usage/stats/', { host: `takt.example.com:${port}` }),
      get('/stats', { 'sec-fetch-site': 'cross-site' }),
    ]);
    expect([stats, seedPath, viaLocalhost, rebound, reboundSeed, crossSite].map((r) => r.status)).toEqual([
      200, 200, 200, 403, 403, 403,
    ]);
    const fields = [
      'current_window_tokens',
      'is_within_active_window',
      'next_reset_at',
      'time_until_reset_human',
      'time_until_reset_seconds',
      'total_tokens',
    ];
    expect(
      Object.keys(JSON.parse(stats.text))
        .filter((k) => fields.includes(k))
        .sort(),
    ).toEqual(fields);
    expect(JSON.parse(reboundSeed.text).error.message).toBe(
      `Host takt.example.com:${port} is not a loopback name: without a token this server answers only http://127.0.0.1, http://localhost or http://[::1]; send a token otherwise`,
    );
  });

  it('shows in takt validate', async () => {
    const main = join(import.meta.dirname, '..', 'dist', 'main.js');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    // Exit 1 (nothing sent from host "box" yet, in the settings' view): the output is what counts.
    const r = await promisify(execFile)(process.execPath, [main, 'validate', '--server', base, '--token', ownerToken], {
      env: { ...clean, ...env },
    }).catch((e: { stdout: string }) => e);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      'Local mode: on (one person, loopback bind): programs on this machine may send and read usage without a token, as yours',
    );
  });

  it('is off on a non-loopback bind', async () => {
    const status = await localModeStatus(server.context.store.db, { host: '0.0.0.0', trustedProxies: [] });
    expect([status.on, status.reason]).toEqual([false, 'the server binds 0.0.0.0, not loopback only']);
  });

  it('is off as soon as a second person exists', async () => {
    await insertUser(server.context.store.db, { email: 'colleague@example.com' });
    const [health, write, grpcCode] = await Promise.all([
      get('/healthz'),
      post('/api/session', { input: 1, output: 1 }),
      grpcExport(`localhost:${server.grpcPort}`),
    ]);
    expect(JSON.parse(health.text).local_mode).toEqual({
      on: false,
      reason: 'the server has a second person: use tokens',
    });
    expect([write.status, grpcCode]).toEqual([401, grpc.status.UNAUTHENTICATED]);
  });
});
