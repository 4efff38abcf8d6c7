import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mintInvites } from '../src/auth/invites.ts';
import { type AnthropicMock, startAnthropicMock } from './support/anthropic-mock.ts';
import { TestClient } from './support/http-client.ts';
import { runClaudeCode } from './support/run-claude-code.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Onboarding as a person does it: an invite, /auth/register, the settings.json
 * contents from its setup payload — nothing hand-written — then the real Claude
 * Code, until /validate says the machine is active.
 */
let takt: TestTakt;
let mock: AnthropicMock;
const scratch = mkdtempSync(join(tmpdir(), 'takt-onboard-'));

beforeAll(async () => {
  [takt, mock] = await Promise.all([startTakt(), startAnthropicMock()]);
});
afterAll(async () => {
  await Promise.all([takt.stop(), mock.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

it('the real Claude Code, configured only from the /auth/register payload, is tracked', {
  timeout: 120_000,
}, async () => {
  const { codes } = await mintInvites(takt.server.context.store.db, {
    count: 1,
    expiresInSeconds: 600,
    createdBy: null,
  });
  const anon = new TestClient(takt.directUrl);
  const reg = await anon.call('POST', '/auth/register', {
    email: 'newcomer@example.com',
    invite_code: codes[0],
    machine: 'newcomer-laptop',
  });
  expect(reg.status).toBe(201);

  const home = join(scratch, 'home');
  const cwd = join(scratch, 'project');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(cwd, { recursive: true });
  // Apply the settings_json method exactly as delivered.
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(reg.body.setup.methods.settings_json.contents));

  const me = new TestClient(takt.directUrl, reg.body.token);
  const before = await me.call('POST', '/validate', { host_name: 'newcomer-laptop' });
  const run = await runClaudeCode({ prompt: 'say hi', home, cwd, anthropicUrl: mock.url, env: {} });
  const after = await me.call('POST', '/validate', { host_name: 'newcomer-laptop' });
  const usage = await me.call('GET', '/api/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z');
  const model = Object.values(run.result.modelUsage)[0];

  expect(JSON.parse(readFileSync(join(home, '.claude', 'settings.json'), 'utf8')).env.OTEL_RESOURCE_ATTRIBUTES).toBe(
    'host.name=newcomer-laptop',
  );
  expect([before.body.tracking_status, after.body.tracking_status, after.body.host_name_ever_seen]).toEqual([
    'host_never_seen',
    'active',
    true,
  ]);
  expect(after.body.tokens_24h_for_host).toBe(
    (model?.inputTokens ?? 0) +
      (model?.outputTokens ?? 0) +
      (model?.cacheReadInputTokens ?? 0) +
      (model?.cacheCreationInputTokens ?? 0),
  );
  expect(usage.body.totals.input_tokens).toBe(model?.inputTokens);
});
