import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './browser.ts';
import { ADMIN, type Dashboard, startDashboard } from './dashboard-harness.ts';

/**
 * Issue 19.5 on the dashboard, on the two-cost model (issue 21.5): usage of a model takt has no
 * price for is "unpriced", never $0.00 — alone, and as "+ unpriced" beside a priced model's
 * list cost. The API names the models (unpriced_models) and leaves them out of list_cost_usd;
 * Claude Code's cost_usd is what it reported (none here: transcripts report no cost).
 */
const UNKNOWN = 'claude-mystery-9-20991231';
let dashboard: Dashboard;
let token: string;
/**
 * The usage's time: the last 12:00 UTC at least a minute ago, and the overview's clock is fixed
 * five minutes later (in UTC), so "Today" holds it on any date (with a time of 10 s ago, "Today"
 * was empty when the page opened after a UTC midnight that came between).
 */
let at = 0;

beforeAll(async () => {
  dashboard = await startDashboard();
  token = await dashboard.machineToken(ADMIN, 'priced-and-not');
  const now = Date.now();
  const noon = new Date(now);
  noon.setUTCHours(12, 0, 0, 0);
  at = noon.getTime() > now - 60_000 ? noon.getTime() - 86_400_000 : noon.getTime();
  const record = (id: string, model: string, input: number, output: number) => ({
    message_id: id,
    session_id: 'session-unpriced-1',
    timestamp: at,
    model,
    input_tokens: input,
    output_tokens: output,
  });
  const sent = await dashboard.call(
    '/api/transcript-usage',
    {
      host_name: 'priced-and-not',
      records: [
        record('msg_priced', 'claude-haiku-4-5-20251001', 1_000, 2_000),
        record('msg_unknown', UNKNOWN, 5_000, 700),
      ],
    },
    { token },
  );
  if (sent.status !== 201) throw new Error(`transcript upload answered ${sent.status}`);
}, 60_000);

afterAll(async () => {
  await dashboard?.stop();
});

async function getJson<T>(path: string): Promise<T> {
  const r = await fetch(`${dashboard.takt.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
  return (await r.json()) as T;
}

type Costs = { cost_usd: number | null; list_cost_usd: number | null; unpriced_models?: string[] };

describe('usage of a model with no price', () => {
  it('the API leaves it out of list_cost_usd and names it in unpriced_models, in /api/usage and /api/me/sessions', async () => {
    const q = new URLSearchParams({
      from: new Date(at - 3_600_000).toISOString(),
      to: new Date(at + 60_000).toISOString(),
      group_by: 'model',
    });
    const usage = await getJson<{ totals: Costs; groups: ({ key: string } & Costs)[] }>(`/api/usage?${q}`);
    // The session's usage is up to a day and a minute old.
    const sessions = await getJson<{ sessions: ({ session_id: string } & Costs)[] }>('/api/me/sessions?days=2');
    expect([
      usage.totals.cost_usd,
      usage.totals.list_cost_usd,
      usage.totals.unpriced_models,
      usage.groups.map((g) => [
        g.key,
        g.cost_usd,
        g.list_cost_usd,
        'unpriced_models' in g ? g.unpriced_models : 'absent',
      ]),
      sessions.sessions.map((s) => [s.session_id, s.cost_usd, s.list_cost_usd, s.unpriced_models]),
    ]).toEqual([
      null,
      0.011,
      [UNKNOWN],
      [
        ['claude-haiku-4-5-20251001', null, 0.011, 'absent'],
        [UNKNOWN, null, null, [UNKNOWN]],
      ],
      [['session-unpriced-1', null, 0.011, [UNKNOWN]]],
    ]);
  });

  it('the overview shows it as unpriced, not $0.00, and passes axe', async () => {
    const page = await dashboard.pageAs(ADMIN, { viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    await page.clock.setFixedTime(new Date(at + 5 * 60_000));
    await page.goto(dashboard.takt.url);
    const perModel = page.getByRole('table', { name: /Per model/ });
    const unknownRow = perModel.getByRole('row', { name: new RegExp(UNKNOWN) });
    await unknownRow.waitFor();
    const cells = await unknownRow.getByRole('cell').allTextContents();
    const haiku = await perModel
      .getByRole('row', { name: /claude-haiku/ })
      .getByRole('cell')
      .allTextContents();
    const rangeCost = page.getByTestId('daily-table').locator('tfoot td').last();
    const footer = [await rangeCost.textContent(), await rangeCost.getAttribute('title')];
    const today = page.getByTestId('total-cost-0');
    const total = [await today.textContent(), await today.getAttribute('title')];
    const violations = await axeViolations(page);
    await page.context().close();
    expect([cells, haiku, footer, total, violations]).toEqual([
      ['5,700', '—', 'unpriced'],
      ['3,000', '—', '$0.01'],
      ['$0.01 + unpriced', `no price known for ${UNKNOWN}`],
      ['Claude Code: none reported · list price: $0.01 + unpriced', `no price known for ${UNKNOWN}`],
      [],
    ]);
  }, 60_000);

  it('with usage from takt sync alone, "Activity this week" says it needs telemetry, not "0 sessions"', async () => {
    const page = await dashboard.pageAs(ADMIN, { viewport: { width: 1366, height: 768 }, timezoneId: 'UTC' });
    await page.goto(dashboard.takt.url);
    const card = page.getByTestId('activity-week');
    await card.getByText('no activity data').waitFor();
    const text = [await card.locator('.big').textContent(), await card.locator('.muted').textContent()];
    await page.context().close();
    expect(text).toEqual([
      'no activity data',
      "Lines, commits, PRs and sessions come from Claude Code's activity metrics (OpenTelemetry); none arrived this week, and takt sync's transcripts carry none.",
    ]);
  }, 60_000);

  it('with no account yet, the admin page says why the per-seat table is empty instead of showing bare headers', async () => {
    const page = await dashboard.pageAs(ADMIN, { viewport: { width: 1366, height: 768 }, timezoneId: 'UTC' });
    await page.goto(`${dashboard.takt.url}/admin`);
    const empty = page.getByTestId('seats-empty');
    await empty.waitFor();
    const shown = [await empty.textContent(), await page.getByTestId('seats-table').count()];
    await page.context().close();
    expect(shown).toEqual([
      "No Anthropic account is known yet: a row appears per person and account once Claude Code's usage names one.",
      0,
    ]);
  }, 60_000);

  it('the sessions page says so for the session, on a laptop and on a phone', async () => {
    const laptop = await dashboard.pageAs(ADMIN, { viewport: { width: 1366, height: 768 }, timezoneId: 'UTC' });
    await laptop.goto(`${dashboard.takt.url}/sessions`);
    const row = laptop.getByTestId('session-table').getByRole('row', { name: /session-unpriced-1/ });
    await row.waitFor();
    // The Cost cell: Claude Code's figure, then takt's.
    const listCost = row.locator('> :nth-child(11) > div').nth(1);
    const inTable = [await listCost.textContent(), await listCost.getAttribute('title')];
    await laptop.context().close();
    const phone = await dashboard.pageAs(ADMIN, { viewport: { width: 390, height: 844 }, timezoneId: 'UTC' });
    await phone.goto(`${dashboard.takt.url}/sessions`);
    const card = phone.getByTestId('session-card').filter({ hasText: 'session-unpriced-1' });
    await card.waitFor();
    const cost = card.getByTestId('session-cost');
    const onCard = [await cost.textContent(), await cost.getAttribute('title')];
    await phone.context().close();
    expect([inTable, onCard]).toEqual([
      ['$0.01 + unpriced', `no price known for ${UNKNOWN}`],
      ['Claude Code: none reported · list price: $0.01 + unpriced', `no price known for ${UNKNOWN}`],
    ]);
  }, 60_000);
});
