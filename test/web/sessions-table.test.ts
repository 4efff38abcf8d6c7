import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, encodeLogs } from '../support/otlp-payloads.ts';
import { ADMIN, type Dashboard, startDashboard } from './dashboard-harness.ts';

/**
 * The sessions table at a laptop's width reads as words: no cell breaks a word in two (it used to
 * squeeze "unknown" into "unknow|n" while the numbers kept their width), Claude Code's UUID session
 * ids show their first 8 characters and model ids their family and version, with the whole id as
 * the title, and a session without a working directory shows a muted dash.
 */
const LAPTOP = { width: 1366, height: 768 };
const SESSION = '3f2c9a1e-7b4d-4e8a-9c61-0d5e2b8f7a34';
let dashboard: Dashboard;

beforeAll(async () => {
  dashboard = await startDashboard();
  const token = await dashboard.machineToken(ADMIN, 'laptop');
  const now = Date.now();
  const requests = [
    { model: 'claude-opus-4-1-20250805', n: 1 },
    { model: 'claude-sonnet-4-5-20250929', n: 2 },
    { model: 'claude-haiku-4-5-20251001', n: 3 },
  ];
  const r = await fetch(`${dashboard.takt.url}/v1/logs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-protobuf' },
    body: encodeLogs(
      apiRequestLogs(
        { host: 'laptop', sessionId: SESSION, accountUuid: '9a7b3c2d-1e4f-4a5b-8c6d-7e8f9a0b1c2d' },
        requests.map(({ model, n }) => ({
          model,
          requestId: `req_${n}`,
          input: 12_345 * n,
          output: 6_789,
          cacheRead: 150_000 * n,
          cacheCreation: 4_321,
          costUsd: 1.2345 * n,
          timeMs: now - 60_000 + n * 1_000,
          sequence: n,
        })),
      ),
    ),
  });
  expect(r.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await dashboard?.stop();
});

describe('the sessions table at 1366 px', () => {
  it('breaks no word inside itself, shortens UUIDs and model ids, and shows a dash for no project', async () => {
    const page = await dashboard.pageAs(ADMIN, { viewport: LAPTOP, timezoneId: 'Europe/Berlin' });
    await page.goto(`${dashboard.takt.url}/sessions`);
    const table = page.getByTestId('session-table');
    await table.locator('tbody tr').first().waitFor();
    // Every run of letters and digits in a text cell (host names excepted: they may wrap anywhere)
    // must sit on one line: a Range over it has one box.
    const split = await page.evaluate(() => {
      type Rects = { length: number };
      type Node = { nodeValue: string | null };
      type Doc = {
        querySelectorAll(s: string): { textContent: string | null }[];
        createTreeWalker(root: unknown, what: number): { nextNode(): Node | null };
        createRange(): {
          setStart(n: Node, o: number): void;
          setEnd(n: Node, o: number): void;
          getClientRects(): Rects;
        };
      };
      const d = (globalThis as unknown as { document: Doc }).document;
      const out: string[] = [];
      for (const cell of d.querySelectorAll('[data-testid="session-table"] tbody td.left:not(.wrap-anywhere)')) {
        const walk = d.createTreeWalker(cell, 4);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          for (const m of (n.nodeValue ?? '').matchAll(/[\p{L}\p{N}]{2,}/gu)) {
            const range = d.createRange();
            range.setStart(n, m.index ?? 0);
            range.setEnd(n, (m.index ?? 0) + m[0].length);
            if (range.getClientRects().length > 1) out.push(m[0]);
          }
        }
      }
      return out;
    });
    const row = table.locator('tbody tr').first();
    const session = row.locator('th, td').nth(1);
    const models = await row.locator('td.mono div').allTextContents();
    const modelTitles = await row.locator('td.mono div').evaluateAll((ds) => ds.map((d) => d.getAttribute('title')));
    const found = {
      split,
      project: await row.locator('td').first().textContent(),
      session: [await session.textContent(), await session.getAttribute('title')],
      models: [...models].sort(),
      modelTitles: [...modelTitles].sort(),
    };
    await page.context().close();
    expect(found).toEqual({
      split: [],
      project: '—',
      session: ['3f2c9a1e', SESSION],
      models: ['haiku-4-5', 'opus-4-1', 'sonnet-4-5'],
      modelTitles: ['claude-haiku-4-5-20251001', 'claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929'],
    });
  }, 60_000);
});
