import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { apiRequestLogs, encodeLogs } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * /validate answers about the token it is asked with: the machines that token sent for,
 * and what it sent for the host — not everything the user's other tokens sent.
 */
let takt: TestTakt;
let second: string;

beforeAll(async () => {
  takt = await startTakt();
  second = (await issueApiToken(takt.server.context.store.db, takt.userId, 'second laptop')).token;
});
afterAll(async () => {
  await takt.stop();
});

async function exportAs(token: string, host: string, input: number, requestId: string) {
  const body = apiRequestLogs({ host, sessionId: `s-${host}` }, [
    {
      model: 'claude-sonnet-4-5-20250929',
      requestId,
      input,
      output: 10,
      cacheRead: 5,
      cacheCreation: 0,
      costUsd: 0.01,
      timeMs: Date.now() - 60_000,
      sequence: 1,
    },
  ]);
  const r = await fetch(`${takt.directUrl}/v1/logs`, {
    method: 'POST',
    body: encodeLogs(body),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
  });
  expect(r.status).toBe(200);
}

async function validate(token: string, host: string) {
  const r = await fetch(`${takt.directUrl}/validate`, {
    method: 'POST',
    body: JSON.stringify({ host_name: host }),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return (await r.json()) as {
    tracking_status: string;
    recent_machines_for_token: string[];
    tokens_24h_for_host: number;
  };
}

describe('/validate per token', () => {
  it('counts only what the asking token sent', async () => {
    await exportAs(takt.token, 'box-a', 100, 'req_a');
    await exportAs(second, 'box-b', 200, 'req_b');
    await exportAs(second, 'box-a', 1000, 'req_c');
    const a = await validate(takt.token, 'box-a');
    const b = await validate(second, 'box-a');
    expect([
      a.recent_machines_for_token,
      a.tokens_24h_for_host,
      b.recent_machines_for_token,
      b.tokens_24h_for_host,
    ]).toEqual([['box-a'], 115, ['box-a', 'box-b'], 1015]);
  });
});
