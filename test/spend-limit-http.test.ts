import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Issue 21.3 over HTTP, on SQLite and PostgreSQL: the recorded status-line reading with
 * `spend_limit` and the recorded OAuth answer with `extra_usage`, posted to
 * /api/official-usage, come back as each account's `spend_limit` window in /api/me/usage.
 */
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'limits', name), 'utf8'));
const statusLine = fixture('statusline-with-spend-limit.json') as {
  rate_limits: Record<string, Record<string, unknown>>;
};
const oauth = fixture('oauth-usage-extra-usage.json');

describe.each(dialects)('spend limits over HTTP on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  const now = Date.now();
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${takt.directUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${takt.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  };
  /** The recorded reading, its resets moved after now (the recorded ones are fixed instants). */
  const resetsAt = Math.floor(now / 1000) + 20 * 86_400;
  const rateLimits = Object.fromEntries(
    Object.entries(statusLine.rate_limits).map(([k, v]) => [k, { ...v, resets_at: resetsAt }]),
  );
  /**
   * extra_usage has no reset: its period is the calendar month (UTC) of the reading, so a reading
   * from last month has rolled over. A minute before now, in this month (in the first minute of a
   * month, now − 1 min was last month's and the test failed).
   */
  const oauthAt = Math.max(now - 60_000, Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1));

  beforeAll(async () => {
    db = await create();
    takt = await startTakt({ databaseUrl: db.url });
    const posted = await call('POST', '/api/official-usage', {
      source: 'statusline',
      account_uuid: 'acct-gateway-1',
      captured_at: new Date(now - 60_000).toISOString(),
      rate_limits: rateLimits,
    });
    expect(posted.status).toBe(201);
    const polled = await call('POST', '/api/official-usage', {
      source: 'oauth',
      account_uuid: 'acct-max-extra-2',
      captured_at: new Date(oauthAt).toISOString(),
      usage: oauth,
    });
    expect(polled.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await takt?.stop();
    await db?.drop();
  });

  const spendOf = async (uuid: string) => {
    const me = await call('GET', '/api/me/usage');
    const account = (
      me.body.accounts as Array<{ uuid: string; windows: Record<string, Record<string, unknown>> }>
    ).find((a) => a.uuid === uuid);
    const w = account?.windows.spend_limit ?? {};
    return {
      label: w.label,
      applies: w.applies,
      utilization: w.utilization,
      used_usd: w.used_usd,
      limit_usd: w.limit_usd,
      period: w.period,
      resets_at: w.resets_at,
      source: w.source,
      unit: w.unit,
      limited: w.limited,
    };
  };

  it('status line spend_limit: the window passes 100 % and carries its dollars, period and reset', async () => {
    expect(await spendOf('acct-gateway-1')).toEqual({
      label: 'Spend limit',
      applies: true,
      utilization: 104.2,
      used_usd: 520.98,
      limit_usd: 500,
      period: 'monthly',
      resets_at: new Date(resetsAt * 1000).toISOString(),
      source: 'official',
      unit: 'usd',
      limited: true,
    });
  });

  it('OAuth extra_usage: cents read as dollars, the calendar month as its period', async () => {
    const d = new Date(oauthAt);
    expect(await spendOf('acct-max-extra-2')).toEqual({
      label: 'Spend limit',
      applies: true,
      utilization: 24.68,
      used_usd: 12.34,
      limit_usd: 50,
      period: 'monthly',
      resets_at: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString(),
      source: 'official',
      unit: 'usd',
      limited: false,
    });
  });
});
