import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearOfTurn, msToUtcWeekStart } from '../support/clock-turns.ts';
import { encodeMetrics, str, tokenMetrics } from '../support/otlp-payloads.ts';
import { axeViolations, launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';

/**
 * The dashboard's "Download CSV" links (usage and sessions pages) and the week's activity
 * card, in a real Chromium against `takt serve` from the build, signed in with a session cookie.
 */
let takt: ServedTakt;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const EMAIL = 'admin@example.com';
const PASSWORD = 'correct horse battery';
const MODEL = 'claude-sonnet-4-5-20250929';

/** An activity export for the session: lines, commits and PRs (docs/claude-code-telemetry.md). */
function activityMetrics(timeMs: number) {
  const dp = (v: number, attrs: ReturnType<typeof str>[]) => ({
    attributes: [str('session.id', 'web-session-9'), ...attrs],
    startTimeUnixNano: `${BigInt(timeMs - 5000) * 1_000_000n}`,
    timeUnixNano: `${BigInt(timeMs) * 1_000_000n}`,
    asDouble: v,
  });
  const sum = (name: string, points: ReturnType<typeof dp>[]) => ({
    name,
    sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: points },
  });
  return {
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'claude-code'), str('host.name', 'web-box')] },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            metrics: [
              sum('claude_code.lines_of_code.count', [
                dp(4000, [str('type', 'added')]),
                dp(120, [str('type', 'removed')]),
              ]),
              sum('claude_code.commit.count', [dp(9, [])]),
              sum('claude_code.pull_request.count', [dp(2, [])]),
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  // The activity card shows this week's (from Monday, UTC here): not across its start.
  await clearOfTurn(msToUtcWeekStart(), 120_000);
  takt = await serveBuiltTakt();
  browser = await launchChromium();
  context = await browser.newContext({
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  page = await context.newPage();
  const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
  const setup = await context.request.post(`${takt.url}/auth/setup`, {
    data: { setup_code: code, email: EMAIL, password: PASSWORD },
  });
  expect(setup.status()).toBe(201);
  const login = await context.request.post(`${takt.url}/auth/login`, { data: { email: EMAIL, password: PASSWORD } });
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const tokenAnswer = await context.request.post(`${takt.url}/auth/setup-additional`, {
    data: { machine: 'web-box' },
    headers: { 'x-csrf-token': csrf_token },
  });
  const { token } = (await tokenAnswer.json()) as { token: string };
  const now = Date.now();
  for (const body of [
    tokenMetrics(
      { host: 'web-box', sessionId: 'web-session-9' },
      [
        { model: MODEL, type: 'input', value: 1_234_567 },
        { model: MODEL, type: 'output', value: 89_012 },
      ],
      { startMs: now - 5000, timeMs: now - 1000, costs: [{ model: MODEL, value: 10 }] },
    ),
    activityMetrics(now - 1000),
  ]) {
    const r = await fetch(`${takt.url}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
      body: encodeMetrics(body),
    });
    expect(r.status).toBe(200);
  }
}, 190_000);

afterAll(async () => {
  await browser?.close();
  await takt?.stop();
});

async function downloadCsv(testId: string): Promise<Record<string, string>[]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  expect(download.suggestedFilename()).toMatch(/^takt-usage-(day|session)-\d{4}-\d{2}-\d{2}\.csv$/);
  return parse(readFileSync(await download.path(), 'utf8'), { columns: true });
}

describe('export and activity on the dashboard', () => {
  it("shows the week's lines, commits and PRs with the cost per PR beside the token totals", async () => {
    await page.goto(takt.url);
    const card = page.getByTestId('activity-week');
    await card.getByText('4,120 lines, 9 commits, 2 PRs').waitFor();
    // $10 reported by Claude Code over 2 PRs.
    expect(await card.locator('.muted').textContent()).toBe('$5.00 per PR at API prices');
    expect(await axeViolations(page)).toEqual([]);
  }, 30_000);

  it('"Download CSV" on the usage page: the days of the range, exact tokens', async () => {
    const rows = await downloadCsv('usage-csv');
    expect(rows.map((r) => [r.machine, r.model, r.input_tokens, r.output_tokens, r.cost_usd, r.source])).toEqual([
      ['web-box', MODEL, '1234567', '89012', '10', 'metric'],
    ]);
    expect(rows[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  }, 30_000);

  it('"Download CSV" on the sessions page: one row per session', async () => {
    await page.getByRole('link', { name: 'Sessions' }).click();
    await page.getByTestId('sessions-csv').waitFor();
    const rows = await downloadCsv('sessions-csv');
    expect(rows.map((r) => [r.session, r.input_tokens, r.output_tokens])).toEqual([
      ['web-session-9', '1234567', '89012'],
    ]);
    expect(await axeViolations(page)).toEqual([]);
  }, 30_000);
});
