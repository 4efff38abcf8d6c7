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

async function exportAs(token: string, host: string, input: number, requestId: string, accountUuid?: string) {
  const body = apiRequestLogs({ host, sessionId: `s-${host}`, ...(accountUuid ? { accountUuid } : {}) }, [
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
    recent_accounts_for_token: { account_uuid: string | null }[];
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

  it("recent_accounts_for_token names the accounts the asking token sent for, not the user's (issue 19.10)", async () => {
    // One user, two tokens: the first sends for a personal account, the second for a team seat and the personal one.
    await exportAs(takt.token, 'box-c', 10, 'req_d', 'acct-personal');
    await exportAs(second, 'box-d', 20, 'req_e', 'acct-team');
    await exportAs(second, 'box-d', 30, 'req_f', 'acct-personal');
    const third = (await issueApiToken(takt.server.context.store.db, takt.userId, 'never used')).token;
    const uuids = async (token: string) =>
      (await validate(token, 'box-c')).recent_accounts_for_token.map((a) => a.account_uuid).sort();
    expect([await uuids(takt.token), await uuids(second), await uuids(third)]).toEqual([
      ['acct-personal'],
      ['acct-personal', 'acct-team'],
      [],
    ]);
  });
});
