import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetrics, tokenMetrics } from '../support/otlp-payloads.ts';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';

/**
 * The dashboard in a real headless Chromium against `takt serve` from the build: first
 * run with the code from the server's log, sign-in, exact totals put in over OTLP, a page
 * that updates by itself, and axe-core on every page. Steps share one browser session.
 */
let takt: ServedTakt;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspErrors: string[] = [];
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  takt = await serveBuiltTakt();
  browser = await launchChromium();
  context = await browser.newContext({
    locale: 'en-US',
    timezoneId: 'Europe/Berlin',
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await takt?.stop();
});

async function exportTokens(token: string, points: Parameters<typeof tokenMetrics>[1]): Promise<number> {
  const now = Date.now();
  const r = await fetch(`${takt.url}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    body: encodeMetrics(
      tokenMetrics({ host: 'web-box', sessionId: 'web-session-1' }, points, {
        startMs: now - 5000,
        timeMs: now - 1000,
      }),
    ),
  });
  return r.status;
}

/** A bearer token for the admin, the way a browser user gets one: sign in, then POST /auth/setup-additional. */
async function tokenForAdmin(): Promise<string> {
  const login = await fetch(`${takt.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const r = await fetch(`${takt.url}/auth/setup-additional`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf_token },
    body: JSON.stringify({ machine: 'web-box' }),
  });
  return ((await r.json()) as { token: string }).token;
}

describe('the dashboard in Chromium', () => {
  it('first run: the page asks for the setup code from the log, refuses a wrong one, creates the admin', async () => {
    const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
    expect(code).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await page.goto(takt.url);
    await page.getByRole('heading', { name: 'Welcome to takt' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Setup code').fill('AAAA-BBBB-CCCC');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create admin' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('wrong setup code');

    await page.getByLabel('Setup code').fill(code.toLowerCase());
    await page.getByRole('button', { name: 'Create admin' }).click();
    await page.getByRole('heading', { name: 'Limits' }).waitFor();
    // The code died when used.
    const again = await fetch(`${takt.url}/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ setup_code: code, email: 'other@example.com', password: PASSWORD }),
    });
    expect([again.status, await (await fetch(`${takt.url}/auth/setup`)).json()]).toEqual([409, { needed: false }]);
  }, 60_000);

  it('shows the exact totals put in over OTLP, says no account has sent usage yet, passes axe in light and dark', async () => {
    const token = await tokenForAdmin();
    expect(
      await exportTokens(token, [
        { model: 'claude-sonnet-4-5', type: 'input', value: 1_234_567 },
        { model: 'claude-sonnet-4-5', type: 'output', value: 89_012 },
        { model: 'claude-sonnet-4-5', type: 'cacheRead', value: 3_000_000 },
        { model: 'claude-opus-4-1', type: 'cacheCreation', value: 45_678 },
      ]),
    ).toBe(200);
    await page.reload();
    await page.getByTestId('total-0').getByText('4,369,257 tokens').waitFor();
    expect(await page.getByTestId('total-2').locator('.big').textContent()).toBe('4,369,257 tokens');
    expect(await page.getByTestId('range-total').textContent()).toBe('4,369,257');
    await page.getByText('No Anthropic account has sent usage yet.').waitFor();
    expect(await page.getByTestId('live').textContent()).toBe('live');
    expect(await page.locator('footer').textContent()).toBe('Times in Europe/Berlin. Costs are API-price equivalents.');
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
  }, 60_000);

  it('updates by itself within 2 s of an OTLP export, without a reload', async () => {
    const token = await tokenForAdmin();
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = 'same page';
    });
    const sent = Date.now();
    expect(await exportTokens(token, [{ model: 'claude-sonnet-4-5', type: 'output', value: 1_000 }])).toBe(200);
    await page.getByTestId('total-0').getByText('4,370,257 tokens').waitFor({ timeout: 2000 });
    const took = Date.now() - sent;
    expect([took < 2000, await page.evaluate(() => (globalThis as unknown as { marker: string }).marker)]).toEqual([
      true,
      'same page',
    ]);
  }, 30_000);

  it('sessions, machines and account pages are keyboard reachable and pass axe', async () => {
    for (const [name, testId, row] of [
      ['Sessions', 'session-table', 'web-session-1'],
      ['Machines', 'machine-table', 'web-box'],
    ] as const) {
      await page.getByRole('link', { name }).click();
      await page.getByTestId(testId).getByRole('rowheader', { name: row }).waitFor();
      expect(
        await page
          .getByTestId(testId)
          .getByRole('row', { name: new RegExp(row) })
          .textContent(),
      ).toContain('4,370,257');
      expect(await axeViolations(page)).toEqual([]);
    }
    await page.getByRole('link', { name: 'Account' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect([new URL(page.url()).pathname, await axeViolations(page)]).toEqual(['/account', []]);
  }, 60_000);

  it('the machines page makes a setup payload for a new machine in a dialog', async () => {
    await page.getByRole('link', { name: 'Machines' }).click();
    await page.getByRole('button', { name: '+ another machine' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a machine' });
    await dialog.getByLabel('Machine name (host.name)').fill('new-box');
    await dialog.getByRole('button', { name: 'Make setup' }).click();
    const bash = await dialog.locator('#m-bash').textContent();
    expect(bash).toContain("export OTEL_RESOURCE_ATTRIBUTES='host.name=new-box'");
    expect(bash).toMatch(/Authorization=Bearer takt_/);
    expect(await dialog.locator('#m-json').textContent()).toContain('"OTEL_RESOURCE_ATTRIBUTES": "host.name=new-box"');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 60_000);

  it('renders limits cards from the issue-11 shapes (answers stubbed in the browser) and records a hit with confirm and undo', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const start = now - 3_600_000;
    const resets = now + 4 * 3_600_000;
    const calls: { method: string; url: string; body: string | null }[] = [];
    await page.route(`${takt.url}/api/me/usage`, (r) =>
      r.fulfill({
        json: {
          accounts: [
            {
              id: 'a1',
              uuid: 'acct-1',
              label: 'Personal Max',
              plan: 'max5',
              unit: 'usd',
              windows: {
                five_hour: {
                  window_start: iso(start),
                  resets_at: iso(resets),
                  used: 31.4,
                  used_tokens: 9_812_345,
                  limit: 40,
                  utilization: 78.5,
                  source: 'official',
                  as_of: iso(now - 120_000),
                  confidence: 'high',
                  expected_pct: 20,
                },
                seven_day: {
                  window_start: iso(now - 86_400_000),
                  resets_at: iso(now + 6 * 86_400_000),
                  used: 100,
                  used_tokens: 1,
                  limit: 400,
                  utilization: 25,
                  source: 'calibrated',
                  as_of: iso(now),
                  confidence: 'medium',
                },
              },
            },
          ],
        },
      }),
    );
    await page.route(`${takt.url}/api/forecast`, (r) =>
      r.fulfill({
        json: {
          accounts: [
            {
              id: 'a1',
              uuid: 'acct-1',
              windows: {
                five_hour: {
                  utilization: 78.5,
                  burn_rate_pct_per_hour: 20,
                  hits_cap_at: iso(resets - 40 * 60_000),
                  resets_at: iso(resets),
                  resets_first: false,
                  verdict: 'will_hit_cap',
                },
              },
            },
          ],
        },
      }),
    );
    await page.route(`${takt.url}/api/me/pace`, (r) =>
      r.fulfill({
        json: {
          recommended_account: { id: 'a1', uuid: 'acct-1', label: 'Personal Max' },
          reason: 'the only account',
          accounts: [],
        },
      }),
    );
    await page.route(`${takt.url}/api/limit-events**`, (r) => {
      calls.push({ method: r.request().method(), url: r.request().url(), body: r.request().postData() });
      return r.fulfill({ status: r.request().method() === 'POST' ? 201 : 200, json: { id: 'ev-1' } });
    });
    await page.getByRole('link', { name: 'Overview' }).click();
    const card = page.getByRole('article', { name: 'Personal Max' });
    const five = card.locator('.limit').first();
    await five.getByText('78.5 %').waitFor();
    expect(await five.locator('.limit-figures span').textContent()).toBe('$31.40 of $40.00');
    expect(await five.locator('.badge').textContent()).toBe('official · 2 min ago');
    expect(await five.locator('.limit-meta').textContent()).toMatch(
      /^resets in (3 h 59 min|4 h 0 min) \((\w{3} \d{1,2}, )?\d\d:\d\d [AP]M\)even pace 20 %runs out at (\w{3} \d{1,2}, )?\d\d:\d\d [AP]M, 40 min before reset$/,
    );
    expect(await five.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('79');
    expect(await page.getByTestId('pace').textContent()).toBe('Use Personal Max: the only account');
    expect(await axeViolations(page)).toEqual([]);

    await card.getByRole('button', { name: 'Hit Limit' }).click();
    await card.getByLabel('Hit the limit of').selectOption('seven_day');
    expect(calls).toEqual([]);
    await card.getByRole('button', { name: 'Confirm' }).click();
    await card.getByRole('button', { name: 'Undo' }).click();
    await card.getByRole('button', { name: 'Undo' }).waitFor({ state: 'detached' });
    expect(calls).toEqual([
      {
        method: 'POST',
        url: `${takt.url}/api/limit-events`,
        body: JSON.stringify({ kind: 'hit_limit', window: 'seven_day', account_uuid: 'acct-1', source: 'dashboard' }),
      },
      { method: 'DELETE', url: `${takt.url}/api/limit-events/ev-1`, body: null },
    ]);
    await page.unrouteAll();
  }, 60_000);

  it('the admin page mints invite codes and shows the audit log, filtered by action', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByLabel('Invite codes').fill('2');
    await page.getByRole('button', { name: 'Make codes' }).click();
    const codes = ((await page.getByTestId('invite-codes').textContent()) ?? '').split('\n');
    expect(codes.length).toBe(2);
    const audit = page.getByTestId('audit-table');
    await audit.getByRole('cell', { name: 'invite.create' }).waitFor();
    await page.getByLabel('Action').fill('user.first_admin');
    await page.getByRole('button', { name: 'Filter' }).click();
    await audit.getByRole('cell', { name: 'invite.create' }).waitFor({ state: 'detached' });
    expect(await audit.locator('tbody td:nth-child(2)').allTextContents()).toEqual(['user.first_admin']);
    expect(await axeViolations(page)).toEqual([]);
  }, 60_000);

  it('changes the password, signs out, and signs in with the new one', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByTestId('tokens-table').getByRole('rowheader', { name: 'new-box' }).waitFor();
    expect(await page.getByTestId('tokens-table').getByRole('rowheader').allTextContents()).toContain('web-box');
    expect(await axeViolations(page)).toEqual([]);
    const next = 'a new password 2';
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to takt' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe('email or password is wrong');
    await page.getByLabel('Password').fill(next);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    expect(cspErrors).toEqual([]);
  }, 60_000);

  it('says it is not live when the server goes away', async () => {
    await page.getByTestId('live').getByText('live', { exact: true }).waitFor();
    await takt.stop();
    await page.getByTestId('live').getByText('not live — reconnecting').waitFor({ timeout: 5000 });
  }, 30_000);
});
