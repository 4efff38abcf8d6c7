import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AnthropicMock, startAnthropicMock } from '../support/anthropic-mock.ts';
import { claudeAvailable, runClaudeCode, usageOfResult } from '../support/run-claude-code.ts';
import { startTakt, type TestTakt } from '../support/takt-server.ts';

/**
 * The real Claude Code (2.1.330) exporting metrics and events through a takt that answers
 * 503 + Retry-After to every other OTLP request for a while (half of the first 8): its
 * exporter retries, and takt's totals equal the CLI's own reported usage, nothing twice.
 */
let takt: TestTakt;
let mock: AnthropicMock;
const scratch = mkdtempSync(join(tmpdir(), 'takt-claude-503-'));

beforeAll(async () => {
  expect(claudeAvailable).toBe(true);
  [takt, mock] = await Promise.all([startTakt(), startAnthropicMock()]);
});
afterAll(async () => {
  await Promise.all([takt?.stop(), mock?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

it("half the exports refused with 503 for a while: totals equal the CLI's usage, nothing twice", async () => {
  const home = join(scratch, 'home');
  const cwd = join(scratch, 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  takt.failAlternateOtlpRequests(8);
  const run = await runClaudeCode({
    prompt: 'please run the tool to say hi',
    home,
    cwd,
    anthropicUrl: mock.url,
    env: {
      CLAUDE_CODE_ENABLE_TELEMETRY: '1',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: takt.httpUrl,
      OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${takt.token}`,
      // Short intervals: more exports in the CLI's few seconds, so several are refused.
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      OTEL_LOGS_EXPORT_INTERVAL: '200',
    },
  });
  const r = await fetch(
    `${takt.directUrl}/api/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&group_by=session`,
    { headers: { authorization: `Bearer ${takt.token}` } },
  );
  const body = (await r.json()) as { groups: ({ key: string } & Record<string, number>)[] };
  const got = body.groups.find((g) => g.key === run.result.session_id);
  const reported = usageOfResult([run.result]);
  const refused = takt.otlpRequests.filter((q) => q.status === 503).length;

  expect(run.exitCode).toBe(0);
  // Of the first k ≤ 8 requests (retries included) the 1st, 3rd, 5th… were refused; the CLI
  // sends 4 to 10 in all, depending on how fast it runs and how its export intervals fall.
  expect(refused).toBe(Math.ceil(Math.min(takt.otlpRequests.length, 8) / 2));
  expect(refused).toBeGreaterThanOrEqual(2);
  expect({
    input_tokens: got?.input_tokens,
    output_tokens: got?.output_tokens,
    cache_read_tokens: got?.cache_read_tokens,
    cache_creation_tokens: got?.cache_creation_tokens,
  }).toEqual({
    input_tokens: reported.input_tokens,
    output_tokens: reported.output_tokens,
    cache_read_tokens: reported.cache_read_tokens,
    cache_creation_tokens: reported.cache_creation_tokens,
  });
  expect(got?.cost_usd).toBeCloseTo(run.result.total_cost_usd, 9);
}, 180_000);
