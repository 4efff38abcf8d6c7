import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';

/**
 * Issue 21.3 in Chromium: an account whose status line sent a spend limit (the recorded reading,
 * 104.2 % of $500) gets its own "Spend limit" bar on the limit card, in dollars whatever the
 * account's unit, full and marked over, with its period.
 */
const PASSWORD = 'correct horse battery';
const statusLine = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'limits', 'statusline-with-spend-limit.json'), 'utf8'),
) as { rate_limits: Record<string, Record<string, unknown>> };
let takt: ServedTakt;
let browser: Browser;

async function call(path: string, body: unknown, auth: { cookie?: string; csrf?: string; token?: string } = {}) {
  const r = await fetch(`${takt.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth.cookie ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf ?? '' } : {}),
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    body: (await r.json()) as { csrf_token?: string; token?: string },
  };
}

beforeAll(async () => {
  takt = await serveBuiltTakt();
  browser = await launchChromium();
  const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
  await call('/auth/setup', { setup_code: code, email: 'admin@example.com', password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await takt?.stop();
});

describe('the spend limit on the dashboard', () => {
  it('draws its own bar: dollars, over 100 %, the period', async () => {
    const login = await call('/auth/login', { email: 'admin@example.com', password: PASSWORD });
    const session = { cookie: login.cookie, csrf: login.body.csrf_token ?? '' };
    const token = (await call('/auth/setup-additional', { machine: 'gateway-box' }, session)).body.token ?? '';
    const resetsAt = Math.floor(Date.now() / 1000) + 20 * 86_400;
    const rateLimits = Object.fromEntries(
      Object.entries(statusLine.rate_limits).map(([k, v]) => [k, { ...v, resets_at: resetsAt }]),
    );
    const posted = await call(
      '/api/official-usage',
      { source: 'statusline', account_uuid: 'acct-gateway', rate_limits: rateLimits },
      { token },
    );
    expect(posted.status).toBe(201);

    const context = await browser.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
    });
    const [name, value] = login.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: takt.url }]);
    const page = await context.newPage();
    await page.goto(takt.url);
    const spend = page.getByRole('article', { name: 'acct-gateway' }).locator('[data-window="spend_limit"]');
    await spend.getByText('104.2 %', { exact: true }).waitFor();
    expect(await spend.locator('.limit-name').textContent()).toBe('Spend limit');
    expect(await spend.locator('.limit-figures span').textContent()).toBe('$520.98 of $500.00');
    expect(await spend.locator('.limit-period').textContent()).toBe('monthly budget');
    const bar = spend.getByRole('progressbar');
    expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('class')]).toEqual(['104', 'bar bar-over']);
    expect(await spend.getByText('limit hit').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
