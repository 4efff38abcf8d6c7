import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs } from '../support/otlp-payloads.ts';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';
import { type Credentials, postJsonTo } from './dashboard-harness.ts';

/**
 * Issue 21.7 in Chromium: an account someone works on now shows when its 5-hour window runs
 * out with the band around it, drawn as a range from now to the reset; an account nobody has
 * used for over an hour shows no time, only how much work is left "if work resumes".
 */
const PASSWORD = 'correct horse battery';
const MINUTE = 60_000;
let takt: ServedTakt;
let browser: Browser;

const call = (path: string, body: unknown, auth: Credentials = {}) => postJsonTo(takt.url, path, body, auth);

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

describe('the forecast on the dashboard', () => {
  it('draws the band as a range while someone works, and says "if work resumes" when nobody does', async () => {
    const login = await call('/auth/login', { email: 'admin@example.com', password: PASSWORD });
    const session = { cookie: login.cookie, csrf: login.body.csrf_token ?? '' };
    const token = (await call('/auth/setup-additional', { machine: 'forecast-box' }, session)).body.token ?? '';
    const now = Date.now();
    const at = (minutesAgo: number) => now - minutesAgo * MINUTE;
    const resetsAt = now + 120 * MINUTE;
    let seq = 0;
    const use = async (account: string, minutesAgo: number, tokens: number) => {
      seq++;
      const logs = apiRequestLogs({ host: 'forecast-box', sessionId: `s-${account}`, accountUuid: account }, [
        {
          model: 'claude-sonnet-4-5-20250929',
          requestId: `req_${account}_${seq}`,
          input: tokens * 0.6,
          output: tokens * 0.4,
          cacheRead: 0,
          cacheCreation: 0,
          costUsd: 0,
          timeMs: at(minutesAgo),
          sequence: seq,
        },
      ]);
      const r = await fetch(`${takt.url}/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
        body: encodeLogs(logs),
      });
      return r.status;
    };
    const observe = (account: string, minutesAgo: number, pct: number) =>
      call(
        '/api/official-usage',
        {
          source: 'statusline',
          captured_at: new Date(at(minutesAgo)).toISOString(),
          account_uuid: account,
          rate_limits: { five_hour: { used_percentage: pct, resets_at: resetsAt / 1000 } },
        },
        { token },
      ).then((r) => r.status);
    // Both accounts: a 5-hour capacity of 1,000,000 tokens (100,000 were 10 %, 250,000 were 25 %).
    const statuses: number[] = [];
    for (const account of ['acct-busy', 'acct-idle']) {
      statuses.push(await use(account, 170, 100_000), await observe(account, 150, 10));
      statuses.push(await use(account, 120, 150_000), await observe(account, 100, 25));
    }
    // The busy one works now: 30,000 tokens every 3 minutes for the last half hour.
    for (let m = 28; m >= 1; m -= 3) statuses.push(await use('acct-busy', m, 30_000));
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);

    const context = await browser.newContext({
      locale: 'en-US',
      timezoneId: 'UTC',
      viewport: { width: 1280, height: 900 },
    });
    const [name, value] = login.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: takt.url }]);
    const page = await context.newPage();
    await page.goto(takt.url);

    const busy = page.getByRole('article', { name: 'acct-busy' }).locator('[data-window="five_hour"]');
    await busy.getByText('55 %', { exact: true }).waitFor();
    // A time on another day than now names its date ("Dec 7, 12:06 AM"): from 22:00 UTC on, the
    // band's end falls after midnight (as dashboard.test.ts's reset time allows for).
    const clock = '(\\w{3} \\d{1,2}, )?\\d\\d:\\d\\d [AP]M';
    expect(await busy.locator('.forecast').textContent()).toMatch(
      new RegExp(`^runs out at ${clock} \\(between ${clock} and ${clock}\\), (\\d+ h )?\\d+ min before reset$`),
    );
    const range = busy.getByTestId('forecast-range');
    expect(await range.getAttribute('aria-label')).toMatch(new RegExp(`^runs out between ${clock} and ${clock}$`));
    // The band is drawn where it is: after now (left) and before the reset (right), holding the point.
    const box = async (selector: string) => (await range.locator(selector).boundingBox()) ?? { x: 0, width: 0 };
    const [whole, band, point] = [await range.boundingBox(), await box('.forecast-band'), await box('.forecast-point')];
    expect({
      startsAfterNow: band.x > (whole?.x ?? 0),
      endsBeforeReset: band.x + band.width < (whole?.x ?? 0) + (whole?.width ?? 0),
      holdsThePoint: band.x <= point.x && point.x <= band.x + band.width,
    }).toEqual({ startsAfterNow: true, endsBeforeReset: true, holdsThePoint: true });

    const idle = page.getByRole('article', { name: 'acct-idle' }).locator('[data-window="five_hour"]');
    await idle.getByText('25 %', { exact: true }).waitFor();
    expect(await idle.locator('.forecast').textContent()).toMatch(
      /^if work resumes: runs out after \d+ min of work \(\d+–\d+ min\)$/,
    );
    expect(await idle.getByTestId('forecast-range').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
