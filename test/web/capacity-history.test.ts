import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs } from '../support/otlp-payloads.ts';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';

/**
 * Issue 21.6 in Chromium: an account whose 5-hour capacity halved after four windows shows its
 * capacity history as a chart on the account page, with the change in words, and the admin
 * page says it pooled per plan ("Max …: −50 % since …, 1 account").
 */
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UUID = 'acct-shrunk';
let takt: ServedTakt;
let browser: Browser;

async function call(
  method: string,
  path: string,
  body: unknown,
  auth: { cookie?: string; csrf?: string; token?: string } = {},
) {
  const r = await fetch(`${takt.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(auth.cookie ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf ?? '' } : {}),
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: r.status,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    // biome-ignore lint/suspicious/noExplicitAny: test answers are read field by field
    body: (await r.json()) as any,
  };
}

beforeAll(async () => {
  takt = await serveBuiltTakt();
  browser = await launchChromium();
  const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
  await call('POST', '/auth/setup', { setup_code: code, email: 'admin@example.com', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await takt?.stop();
});

describe('capacity history on the dashboard', () => {
  it('draws the account’s capacity per window and says the change, on the account and admin pages', async () => {
    const login = await call('POST', '/auth/login', { email: 'admin@example.com', password: PASSWORD });
    const session = { cookie: login.cookie, csrf: login.body.csrf_token ?? '' };
    const token = (await call('POST', '/auth/setup-additional', { machine: 'laptop' }, session)).body.token ?? '';
    const now = Date.now();
    let seq = 0;
    const use = async (at: number, tokens: number) => {
      seq++;
      const logs = apiRequestLogs({ host: 'laptop', sessionId: 's-1', accountUuid: UUID }, [
        {
          model: 'claude-sonnet-4-5-20250929',
          requestId: `req_${seq}`,
          input: tokens * 0.6,
          output: tokens * 0.4,
          cacheRead: 0,
          cacheCreation: 0,
          costUsd: 0,
          timeMs: at,
          sequence: seq,
        },
      ]);
      const r = await fetch(`${takt.url}/v1/logs`, {
        method: 'POST',
        body: encodeLogs(logs),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
      });
      expect(r.status).toBe(200);
    };
    const start = (w: number) => now - (9 - w) * 6 * HOUR;
    await use(start(0), 10);
    const account = (await call('GET', '/api/accounts', undefined, { token })).body.accounts[0];
    expect((await call('PATCH', `/api/accounts/${account.id}`, { unit: 'tokens', plan: 'max' }, session)).status).toBe(
      200,
    );
    // Eight windows of 100,000 tokens: 10 % of 1,000,000 four times, then 20 % of 500,000.
    for (let w = 1; w <= 8; w++) {
      await use(start(w) + 10 * MINUTE, 100_000);
      const observed = await call(
        'POST',
        '/api/official-usage',
        {
          source: 'statusline',
          captured_at: new Date(start(w) + 20 * MINUTE).toISOString(),
          account_uuid: UUID,
          rate_limits: { five_hour: { used_percentage: w <= 4 ? 10 : 20, resets_at: (start(w) + 5 * HOUR) / 1000 } },
        },
        { token },
      );
      expect(observed.status).toBe(201);
    }
    const day = new Date(start(5) + 20 * MINUTE).toLocaleDateString('en-US', {
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    });

    const context = await browser.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
    });
    const [name, value] = login.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: takt.url }]);
    const page = await context.newPage();
    await page.goto(`${takt.url}/account`);
    const panel = page.getByTestId('capacity-history');
    await panel.getByTestId('capacity-changes').waitFor();
    expect(await panel.getByTestId('capacity-changes').textContent()).toBe(
      `5-hour window: −50 % since ${day} (1,000,000 tokens → 500,000 tokens, medium confidence)`,
    );
    expect(
      await panel.getByText('5-hour window: 500,000 tokens in the latest window (8 windows measured)').count(),
    ).toBe(1);
    // uPlot drew it: a canvas inside the labelled chart.
    const chart = panel.getByRole('img', { name: `5-hour window capacity of ${UUID} per window, 8 windows` });
    expect(await chart.locator('canvas').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${takt.url}/admin`);
    const pooled = page.getByTestId('admin-capacity-changes').locator('li');
    await pooled.first().waitFor();
    expect(await pooled.allTextContents()).toEqual([
      `Max (formerly Max 5x): −50 % since ${day}, 1 account (5-hour window; 1 of 1)`,
    ]);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 90_000);
});
