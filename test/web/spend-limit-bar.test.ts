import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './browser.ts';
import { ADMIN, type Dashboard, startDashboard } from './dashboard-harness.ts';

/**
 * Issue 21.3 in Chromium: an account whose status line sent a spend limit (the recorded reading,
 * 104.2 % of $500) gets its own "Spend limit" bar on the limit card, in dollars whatever the
 * account's unit, full and marked over, with its period.
 */
const statusLine = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'limits', 'statusline-with-spend-limit.json'), 'utf8'),
) as { rate_limits: Record<string, Record<string, unknown>> };
let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard();
}, 60_000);

afterAll(async () => {
  await dashboard?.stop();
});

describe('the spend limit on the dashboard', () => {
  it('draws its own bar: dollars, over 100 %, the period', async () => {
    const token = await dashboard.machineToken(ADMIN, 'gateway-box');
    const resetsAt = Math.floor(Date.now() / 1000) + 20 * 86_400;
    const rateLimits = Object.fromEntries(
      Object.entries(statusLine.rate_limits).map(([k, v]) => [k, { ...v, resets_at: resetsAt }]),
    );
    const posted = await dashboard.call(
      '/api/official-usage',
      { source: 'statusline', account_uuid: 'acct-gateway', rate_limits: rateLimits },
      { token },
    );
    expect(posted.status).toBe(201);

    const page = await dashboard.pageAs(ADMIN, { viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    await page.goto(dashboard.takt.url);
    const spend = page.getByRole('article', { name: 'acct-gateway' }).locator('[data-window="spend_limit"]');
    await spend.getByText('104.2 %', { exact: true }).waitFor();
    expect(await spend.locator('.limit-name').textContent()).toBe('Spend limit');
    expect(await spend.locator('.limit-figures span').textContent()).toBe('$520.98 of $500.00');
    expect(await spend.locator('.limit-period').textContent()).toBe('monthly budget');
    const bar = spend.getByRole('progressbar');
    expect([await bar.getAttribute('aria-valuenow'), await bar.getAttribute('class')]).toEqual(['104', 'bar bar-over']);
    expect(await spend.getByText('limit hit').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  }, 60_000);
});
