import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs, encodeMetrics, tokenMetrics } from '../support/otlp-payloads.ts';
import { ADMIN, type Dashboard, PASSWORD, startDashboard } from './dashboard-harness.ts';

/**
 * Issue 19.9: at a laptop's 1366×768 and a phone's 390×844 no page is wider than the screen,
 * signed in as a member and as an admin, with data in every table; on a phone each session is a
 * card; admin table headers sit on their columns. Screenshots go to $TMPDIR/takt-fit/.
 */
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const SHOTS = join(tmpdir(), 'takt-fit');
let dashboard: Dashboard;

/** Usage a long-named machine sends: metrics, per-request events (context %), and a transcript with a directory. */
async function fill(email: string, machine: string) {
  const { call } = dashboard;
  const session = await dashboard.signIn(email);
  const token = await dashboard.machineToken(email, machine);
  const now = Date.now();
  const id = {
    host: machine,
    sessionId: `${email}-0f3b9a2e-6c1d-4b7e-9a55-2d8c7e1f4a90`,
    accountUuid: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  };
  const auth = { authorization: `Bearer ${token}` };
  await fetch(`${dashboard.takt.url}/v1/metrics`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-protobuf' },
    body: encodeMetrics(
      tokenMetrics(id, [{ model: 'claude-sonnet-4-5-20250929[1m]', type: 'cacheRead', value: 123_456_789 }], {
        startMs: now - 60_000,
        timeMs: now - 30_000,
      }),
    ),
  });
  await fetch(`${dashboard.takt.url}/v1/logs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-protobuf' },
    body: encodeLogs(
      apiRequestLogs(id, [
        {
          model: 'claude-opus-4-1-20250805',
          requestId: `req_${machine}`,
          input: 12_345,
          output: 6_789,
          cacheRead: 150_000,
          cacheCreation: 4_321,
          costUsd: 1.2345,
          timeMs: now - 20_000,
          sequence: 1,
        },
      ]),
    ),
  });
  await call(
    '/api/transcript-usage',
    {
      host_name: machine,
      records: [
        {
          message_id: `msg_${machine}`,
          session_id: `${email}-sync-5e2a`,
          timestamp: now - 10_000,
          model: 'claude-haiku-4-5-20251001',
          input_tokens: 1_000,
          output_tokens: 2_000,
          cwd: '/home/someone/src/a-rather-long-repository-name/packages/dashboard-frontend',
        },
        {
          // The session began two days ago (a record with no tokens): its start names its day
          // ("Dec 5, 11:59 PM"), which made the table wider than a laptop at any hour.
          message_id: `msg_${machine}_start`,
          session_id: `${email}-sync-5e2a`,
          timestamp: now - 2 * 86_400_000,
          model: 'claude-haiku-4-5-20251001',
          input_tokens: 0,
          output_tokens: 0,
          cwd: '/home/someone/src/a-rather-long-repository-name/packages/dashboard-frontend',
        },
      ],
    },
    { token },
  );
  await call(
    '/api/official-usage',
    {
      source: 'statusline',
      account_uuid: id.accountUuid,
      rate_limits: {
        five_hour: { used_percentage: 42, resets_at: Math.floor(now / 1000) + 3600 },
        seven_day: { used_percentage: 17, resets_at: Math.floor(now / 1000) + 86_400 },
      },
    },
    { token },
  );
  await call(
    '/api/webhooks',
    {
      url: 'https://hooks.example.com/services/T00000000/B00000000/a-long-webhook-path-that-does-not-wrap-by-itself',
      events: ['limit_approaching', 'limit_hit', 'limit_predicted', 'telemetry_stale'],
      format: 'standard',
    },
    session,
  );
}

beforeAll(async () => {
  dashboard = await startDashboard();
  mkdirSync(SHOTS, { recursive: true });
  await dashboard.call(
    '/api/admin/users',
    { email: 'member.with.a.long.address@example.com', password: PASSWORD, role: 'member' },
    await dashboard.signIn(ADMIN),
  );
  await fill(ADMIN, 'build-server-with-a-very-long-host-name.internal.example.com');
  await fill('member.with.a.long.address@example.com', 'members-laptop.local');
}, 90_000);

afterAll(async () => {
  await dashboard?.stop();
});

const pageAs = (email: string, viewport: { width: number; height: number }) =>
  dashboard.pageAs(email, { viewport, timezoneId: 'Europe/Berlin' });

/** Pages whose scroll width passes the window's, with both widths: [] when every page fits. */
async function overflowing(email: string, paths: string[], viewport: { width: number; height: number }) {
  const page = await pageAs(email, viewport);
  const wide: string[] = [];
  for (const path of paths) {
    await page.goto(`${dashboard.takt.url}${path}`);
    await page.locator('main h2').first().waitFor();
    await page.waitForLoadState('networkidle');
    const [scroll, inner, cutTables] = await page.evaluate(() => {
      type Box = { scrollWidth: number; clientWidth: number; getAttribute(n: string): string | null };
      const w = globalThis as unknown as {
        innerWidth: number;
        document: { documentElement: Box; querySelectorAll(s: string): Box[] };
      };
      const cut = [...w.document.querySelectorAll('.table-wrap')]
        .filter((t) => t.clientWidth > 0 && t.scrollWidth > t.clientWidth)
        .map((t) => t.getAttribute('aria-label') ?? '?');
      return [w.document.documentElement.scrollWidth, w.innerWidth, cut] as const;
    });
    await page.screenshot({
      path: join(SHOTS, `${email.split('@')[0]}-${viewport.width}${path.replace(/\//g, '-') || '-'}.png`),
      fullPage: true,
    });
    if (scroll > inner) wide.push(`${path}: ${scroll} > ${inner}`);
    // On a laptop no table is cut off at the right either (its box would scroll sideways).
    if (viewport === LAPTOP && cutTables.length > 0) wide.push(`${path}: ${cutTables.join(', ')} cut off`);
  }
  await page.context().close();
  return wide;
}

/**
 * The Admin page as it ends up: its four tables load on their own calls and each moves what is
 * below it, so a measure taken before the last one arrived saw another page (it happened once).
 */
async function adminPageLoaded(page: Awaited<ReturnType<typeof pageAs>>) {
  for (const table of ['seats-table', 'audit-table', 'users-table', 'all-tokens-table']) {
    await page.getByTestId(table).locator('tbody tr').first().waitFor();
  }
  await page.waitForLoadState('networkidle');
}

const MEMBER_PAGES = ['/', '/sessions', '/machines', '/webhooks', '/account'];

describe('pages that fit the screen', () => {
  it('no page is wider than a 1366×768 laptop, as a member and as an admin', async () => {
    const member = await overflowing('member.with.a.long.address@example.com', MEMBER_PAGES, LAPTOP);
    const admin = await overflowing(ADMIN, [...MEMBER_PAGES, '/admin'], LAPTOP);
    expect([member, admin]).toEqual([[], []]);
  }, 120_000);

  it('no page is wider than a 390×844 phone, as a member and as an admin', async () => {
    const member = await overflowing('member.with.a.long.address@example.com', MEMBER_PAGES, PHONE);
    const admin = await overflowing(ADMIN, [...MEMBER_PAGES, '/admin'], PHONE);
    expect([member, admin]).toEqual([[], []]);
  }, 120_000);

  it('shows each session as a card on a phone: project, started, duration, tokens, cost, context', async () => {
    const page = await pageAs(ADMIN, PHONE);
    await page.goto(`${dashboard.takt.url}/sessions`);
    const card = page.getByTestId('session-card').filter({ hasText: 'packages/dashboard-frontend' });
    await card.waitFor();
    const labels = await card.locator('dt').allTextContents();
    const table = await page.getByTestId('session-table').isVisible();
    const sync = await card.locator('dd').allTextContents();
    await page.context().close();
    expect([table, labels]).toEqual([false, ['Project', 'Started', 'Duration', 'Tokens', 'Cost', 'Context']]);
    expect(sync[1]).toMatch(/^[A-Z][a-z]{2} \d{1,2}, /); // a start two days ago names its day
    expect([sync[0], sync[3], sync[4]]).toEqual([
      'packages/dashboard-frontend',
      '3,000 tokens',
      'Claude Code: none reported · list price: $0.01',
    ]);
  }, 60_000);

  it("keeps the Account page's buttons apart from what follows them, on a phone", async () => {
    const page = await pageAs(ADMIN, PHONE);
    await page.goto(`${dashboard.takt.url}/account`);
    const signOut = page.getByRole('button', { name: 'Sign out', exact: true });
    await signOut.waitFor();
    const everywhere = page.locator('.card', { has: page.getByRole('heading', { name: 'Sign out everywhere' }) });
    const box = async (l: typeof signOut) => (await l.boundingBox()) ?? { y: 0, height: 0 };
    await page.getByTestId('capacity-history').first().waitFor();
    const [a, card, check, button, settings, capacity] = [
      await box(signOut),
      await box(everywhere),
      await box(everywhere.locator('label')),
      await box(everywhere.getByRole('button')),
      await box(page.getByTestId('account-settings').last()),
      await box(page.getByTestId('capacity-history').first()),
    ];
    // The windows of one account's capacity history are boxes of their own, apart too.
    const charts = page.getByTestId('capacity-history').first().locator('.chart');
    const chartBoxes = await Promise.all((await charts.all()).map((c) => box(c)));
    const chartGaps = chartBoxes.slice(1).map((b, i) => b.y - ((chartBoxes[i]?.y ?? 0) + (chartBoxes[i]?.height ?? 0)));
    await page.context().close();
    expect([chartBoxes.length >= 2, chartGaps.every((g) => g >= 8)]).toEqual([true, true]);
    // At least 8 px between the Sign out button and the card, the checkbox and its button, and
    // an account's settings and its capacity history.
    expect([
      card.y - (a.y + a.height) >= 8,
      button.y - (check.y + check.height) >= 8,
      capacity.y - (settings.y + settings.height) >= 8,
    ]).toEqual([true, true, true]);
  }, 60_000);

  it("keeps the Admin page's capacity changes apart from the contracted prices, and its grid's cards level", async () => {
    const gaps: number[] = [];
    const levels: boolean[] = [];
    for (const viewport of [LAPTOP, PHONE]) {
      const page = await pageAs(ADMIN, viewport);
      await page.goto(`${dashboard.takt.url}/admin`);
      const prices = page.getByTestId('contracted-prices');
      await prices.waitFor();
      await adminPageLoaded(page);
      const box = async (l: typeof prices) => (await l.boundingBox()) ?? { x: 0, y: 0, height: 0 };
      const capacity = await box(page.getByTestId('admin-capacity-changes'));
      const below = await box(prices);
      const people = await box(page.locator('.card', { has: page.locator('#add-person-h') }));
      const seats = await box(page.getByTestId('seats-table'));
      // The invite and set-password cards share a .cards grid: side by side on a laptop, at one height.
      const invite = await box(page.locator('.card', { has: page.locator('#invite-h') }));
      const password = await box(page.locator('.card', { has: page.locator('#setpw-h') }));
      await page.context().close();
      gaps.push(below.y - (capacity.y + capacity.height), capacity.y - (seats.y + seats.height));
      // Add a person, invites and passwords share one .cards grid: one row on a laptop; on a phone
      // one card under the other, apart.
      levels.push(
        viewport === LAPTOP
          ? people.y === invite.y && invite.y === password.y
          : invite.y - (people.y + people.height) >= 8 && password.y - (invite.y + invite.height) >= 8,
      );
    }
    // At least 8 px between capacity changes and contracted prices, and the team's usage table and
    // capacity changes, on a laptop and on a phone.
    expect([gaps.map((g) => g >= 8), levels]).toEqual([
      [true, true, true, true],
      [true, true],
    ]);
  }, 60_000);

  it('shows the project column in the sessions table on a laptop', async () => {
    const page = await pageAs(ADMIN, LAPTOP);
    await page.goto(`${dashboard.takt.url}/sessions`);
    await page.getByTestId('session-table').waitFor();
    const headers = await page.getByTestId('session-table').locator('thead th').allTextContents();
    const cards = await page.getByTestId('session-card').first().isVisible();
    const cell = await page
      .getByTestId('session-table')
      .getByRole('cell', { name: 'packages/dashboard-frontend' })
      .getAttribute('title');
    await page.context().close();
    expect([headers[0], headers[1], cards, cell]).toEqual([
      'Project',
      'Session',
      false,
      '/home/someone/src/a-rather-long-repository-name/packages/dashboard-frontend',
    ]);
  }, 60_000);

  it('sorts the sessions table by a header: largest first, then smallest first', async () => {
    const page = await pageAs(ADMIN, LAPTOP);
    await page.goto(`${dashboard.takt.url}/sessions`);
    const table = page.getByTestId('session-table');
    await table.locator('tbody tr').nth(1).waitFor();
    const header = table.getByRole('columnheader', { name: 'Tokens' });
    const tokens = () => table.locator('tbody tr > :nth-child(10)').allTextContents();
    const before = [await header.getAttribute('aria-sort'), await tokens()];
    await header.getByRole('button').click();
    const descending = [await header.getAttribute('aria-sort'), await tokens()];
    await header.getByRole('button').click();
    const ascending = [await header.getAttribute('aria-sort'), await tokens()];
    await page.context().close();
    // The server's order is newest activity first: the synced session (10 s ago) leads.
    expect([before, descending, ascending]).toEqual([
      ['none', ['3,000', '123,630,244']],
      ['descending', ['123,630,244', '3,000']],
      ['ascending', ['3,000', '123,630,244']],
    ]);
  }, 60_000);

  it('puts every admin table header over its column', async () => {
    const page = await pageAs(ADMIN, LAPTOP);
    await page.goto(`${dashboard.takt.url}/admin`);
    await adminPageLoaded(page);
    const off = await page.evaluate(() => {
      type Box = { x: number; width: number };
      type El = { getBoundingClientRect(): Box; querySelectorAll(s: string): El[]; getAttribute(n: string): string };
      const g = globalThis as unknown as { document: El; getComputedStyle(e: El): { textAlign: string } };
      const d = g.document;
      const align = (e: El) => g.getComputedStyle(e).textAlign;
      const out: string[] = [];
      for (const table of d.querySelectorAll('main table')) {
        const heads = table.querySelectorAll('thead th');
        const cells = table.querySelectorAll('tbody tr:first-child > *');
        heads.forEach((h, i) => {
          const a = h.getBoundingClientRect();
          const b = cells[i]?.getBoundingClientRect();
          // The box, and the text inside it: a right-aligned header over left-aligned cells sits off its column.
          const c = cells[i];
          if (!b || !c || Math.abs(a.x - b.x) > 1 || Math.abs(a.width - b.width) > 1 || align(h) !== align(c)) {
            out.push(`${table.getAttribute('data-testid')} column ${i}`);
          }
        });
      }
      return out;
    });
    const tables = await page.locator('main table').count();
    await page.context().close();
    expect([tables, off]).toEqual([4, []]);
  }, 60_000);
});
