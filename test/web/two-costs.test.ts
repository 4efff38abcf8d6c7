import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs } from '../support/otlp-payloads.ts';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';
import { type Credentials, postJsonTo } from './dashboard-harness.ts';

/**
 * Issue 21.5 in Chromium: the dashboard shows both costs, labelled — "Claude Code: $0.75 ·
 * list price: $0.81" — and an admin who saves contracted prices on the admin page turns the
 * second into "contracted price" (Claude Code's figure unchanged).
 *
 * Recorded usage (test/two-costs.case.test.ts has the arithmetic): a transcript record, list
 * $0.75 and no Claude Code cost, and two api_request events, Claude Code's $0.50 + $0.25 and
 * list $0.062928. It is stamped at the last 12:00 UTC and the browser's clock is fixed five
 * minutes later (in UTC), so "Today" holds it on any date.
 */
const PASSWORD = 'correct horse battery';
const MODEL = 'claude-sonnet-4-5-20250929';
let takt: ServedTakt;
let browser: Browser;
let cookie = '';
let at = 0;

const post = (path: string, body: unknown, auth: Credentials = {}) => postJsonTo(takt.url, path, body, auth);

async function openPage(path: string): Promise<Page> {
  const context = await browser.newContext({
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1280, height: 900 },
  });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: takt.url }]);
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date(at + 5 * 60_000));
  await page.goto(`${takt.url}${path}`);
  return page;
}

beforeAll(async () => {
  takt = await serveBuiltTakt();
  browser = await launchChromium();
  const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
  await post('/auth/setup', { setup_code: code, email: 'admin@example.com', password: PASSWORD });
  const login = await post('/auth/login', { email: 'admin@example.com', password: PASSWORD });
  cookie = login.cookie;
  const session = { cookie, csrf: login.body.csrf_token ?? '' };
  const token = (await post('/auth/setup-additional', { machine: 'desk' }, session)).body.token ?? '';
  const now = Date.now();
  const noon = new Date(now);
  noon.setUTCHours(12, 0, 0, 0);
  at = noon.getTime() > now - 60_000 ? noon.getTime() - 86_400_000 : noon.getTime();
  const upload = await post(
    '/api/transcript-usage',
    {
      host_name: 'desk',
      records: [
        {
          message_id: 'msg_t1',
          request_id: 'req_t1',
          session_id: 'sess-t',
          timestamp: new Date(at).toISOString(),
          model: MODEL,
          input_tokens: 100_000,
          output_tokens: 20_000,
          cache_read_tokens: 50_000,
          cache_creation_5m_tokens: 20_000,
          cache_creation_1h_tokens: 10_000,
        },
      ],
    },
    { token },
  );
  expect(upload.status).toBe(201);
  const event = (n: number, tokens: number, costUsd: number) => ({
    model: MODEL,
    requestId: `req_e${n}`,
    input: tokens,
    output: 10 * tokens,
    cacheRead: 100 * tokens,
    cacheCreation: 1000 * tokens,
    costUsd,
    timeMs: at + n * 1000,
    sequence: n,
  });
  const logs = await fetch(`${takt.url}/v1/logs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
    body: encodeLogs(
      apiRequestLogs({ host: 'desk', sessionId: 'sess-e', accountUuid: 'acct-web' }, [
        event(1, 7, 0.5),
        event(2, 9, 0.25),
      ]),
    ),
  });
  expect(logs.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await takt?.stop();
});

describe('both costs on the dashboard', () => {
  it('labels Claude Code’s figure and the list price, then the contracted price an admin saves', async () => {
    const overview = await openPage('/');
    const today = overview.getByTestId('total-cost-0');
    await today.getByText('Claude Code: $0.75 · list price: $0.81', { exact: true }).waitFor();
    await overview.context().close();

    const admin = await openPage('/admin');
    const form = admin.getByTestId('contracted-prices');
    await form.getByText('Now: list prices', { exact: false }).waitFor();
    await form.getByLabel('Data-residency factor').fill('1.1');
    await form
      .getByLabel('Per-model prices')
      .fill(
        '{"claude-sonnet-4-5": {"input": 2, "output": 10, "cache_write_5m": 2.5, "cache_write_1h": 4, "cache_read": 0.2}}',
      );
    await form.getByRole('button', { name: 'Save prices' }).click();
    await form.getByRole('status').getByText('1 contracted model price(s) × 1.1', { exact: false }).waitFor();
    expect(await axeViolations(admin)).toEqual([]);
    await admin.context().close();

    // 0.5961472: the transcript's $0.55 and the events' $0.0461472 at the contract × 1.1.
    const after = await openPage('/');
    await after
      .getByTestId('total-cost-0')
      .getByText('Claude Code: $0.75 · contracted price: $0.60', { exact: true })
      .waitFor();
    await after.context().close();
  }, 60_000);
});
