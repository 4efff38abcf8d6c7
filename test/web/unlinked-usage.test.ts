import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import { TestClient } from '../support/http-client.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';
import { axeViolations, launchChromium } from './browser.ts';

/**
 * Issue 19.6 in a real Chromium: usage synced before ~/.claude.json existed is shown on the
 * overview as "not yet linked to an account" with the fix — never "No Anthropic account has
 * sent usage yet" — and once the machine's next sync names the account, the notice goes and
 * the account's card appears. Needs `npm run build` (the dashboard in dist/web).
 */
let takt: TestTakt;
const PASSWORD = 'linking password 1';

beforeAll(async () => {
  takt = await startTakt();
  await takt.server.context.store.db
    .updateTable('users')
    .set({ password_hash: await hashPassword(PASSWORD) })
    .where('id', '=', takt.userId)
    .execute();
}, 60_000);
afterAll(async () => {
  await takt?.stop();
});

const record = (id: string, session: string, at: number, input: number, output: number) => ({
  message_id: id,
  session_id: session,
  timestamp: at,
  model: 'claude-sonnet-4-5',
  input_tokens: input,
  output_tokens: output,
});

describe('usage not yet linked to an account, in Chromium', () => {
  it('says how much waits and how to link it, then shows the account once it is known', async () => {
    const api = new TestClient(takt.directUrl, takt.token);
    const at = Date.now() - 60 * 60_000;
    const first = await api.call('POST', '/api/transcript-usage', {
      host_name: 'laptop',
      records: [record('w1', 'sess-a', at, 18_000_000, 812_345)],
    });
    expect(first.status).toBe(201);

    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(takt.directUrl);
    await page.getByLabel('Email').fill('dev@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const notice = page.getByTestId('unlinked');
    await notice.waitFor();
    const text = (await notice.textContent()) ?? '';
    const noAccount = await page.getByText('No Anthropic account has sent usage yet').count();
    const violations = await axeViolations(page);

    const second = await api.call('POST', '/api/transcript-usage', {
      host_name: 'laptop',
      account_uuid: 'acct-laptop',
      records: [record('w2', 'sess-b', at + 60_000, 1_000, 10)],
    });
    await page.reload();
    await page.getByTestId('account-card').waitFor();
    const noticesAfter = await page.getByTestId('unlinked').count();
    await browser.close();

    expect(text).toContain('18,812,345 tokens not yet linked to an account');
    expect(text).toContain('from machine laptop');
    expect(text).toContain('run `takt sync`');
    expect([noAccount, violations]).toEqual([0, []]);
    expect([second.status, noticesAfter]).toEqual([201, 0]);
  }, 60_000);
});
