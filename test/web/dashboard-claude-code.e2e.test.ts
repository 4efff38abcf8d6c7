import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSession, SESSION_COOKIE } from '../../src/auth/web-session.ts';
import { type AnthropicMock, startAnthropicMock } from '../support/anthropic-mock.ts';
import { claudeAvailable, runClaudeCode, usageOfResult } from '../support/run-claude-code.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';
import { launchChromium } from './browser.ts';

/** The real Claude Code exports a prompt to takt while the dashboard is open: the page shows it without a reload. */
let takt: TestTakt;
let mock: AnthropicMock;
let browser: Browser;
const scratch = mkdtempSync(join(tmpdir(), 'takt-claude-web-'));

beforeAll(async () => {
  expect(claudeAvailable).toBe(true);
  [takt, mock, browser] = await Promise.all([startTakt(), startAnthropicMock(), launchChromium()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([browser?.close(), takt?.stop(), mock?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the real Claude Code and an open dashboard', () => {
  it('a prompt exported over OTLP appears on the open page, to the token, without a reload', async () => {
    const session = await createWebSession(takt.server.context.store.db, takt.userId);
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    await context.addCookies([{ name: SESSION_COOKIE, value: session.id, url: takt.directUrl }]);
    const page = await context.newPage();
    await page.goto(takt.directUrl);
    await page.getByTestId('total-0').getByText('0 tokens').waitFor();
    await page.getByTestId('live').getByText('live', { exact: true }).waitFor();

    const home = join(scratch, 'home');
    const cwd = join(scratch, 'project');
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    const run = await runClaudeCode({
      prompt: 'say hi',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: {
        CLAUDE_CODE_ENABLE_TELEMETRY: '1',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: takt.directUrl,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${takt.token}`,
        OTEL_RESOURCE_ATTRIBUTES: 'host.name=e2e-web-box',
        OTEL_METRIC_EXPORT_INTERVAL: '1000',
        OTEL_LOGS_EXPORT_INTERVAL: '500',
      },
    });
    const u = usageOfResult([run.result]);
    const total = u.input_tokens + u.output_tokens + u.cache_read_tokens + u.cache_creation_tokens;
    const shown = `${new Intl.NumberFormat('en-US').format(total)} tokens`;
    // Claude Code flushes its telemetry before it exits: within 2 s after, the page shows it.
    await page.getByTestId('total-0').getByText(shown).waitFor({ timeout: 2000 });
    expect([run.exitCode, total > 0, await page.getByTestId('total-0').locator('.big').textContent()]).toEqual([
      0,
      true,
      shown,
    ]);
    await context.close();
  }, 180_000);
});
