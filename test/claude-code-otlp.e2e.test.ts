import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicMock, startAnthropicMock } from './support/anthropic-mock.ts';
import { type ClaudeResult, claudeAvailable, runClaudeCode, usageOfResult } from './support/run-claude-code.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * The real Claude Code CLI (2.1.330) exporting to takt over every protocol. takt's
 * totals must equal, to the token and to the cent, what the CLI itself reports.
 */
let takt: TestTakt;
let mock: AnthropicMock;
const scratch = mkdtempSync(join(tmpdir(), 'takt-claude-'));

beforeAll(async () => {
  expect(claudeAvailable).toBe(true);
  [takt, mock] = await Promise.all([startTakt(), startAnthropicMock()]);
});
afterAll(async () => {
  await Promise.all([takt?.stop(), mock?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

type Protocol = 'http/json' | 'http/protobuf' | 'grpc';

function telemetryEnv(protocol: Protocol, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? `http://${takt.grpcAddress}` : takt.httpUrl,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${takt.token}`,
    OTEL_RESOURCE_ATTRIBUTES: 'host.name=e2e-box',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    OTEL_LOGS_EXPORT_INTERVAL: '500',
    ...extra,
  };
}

function workspace(name: string) {
  const home = join(scratch, name, 'home');
  const cwd = join(scratch, name, 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  return { home, cwd };
}

async function sessionUsage(sessionId: string) {
  const r = await fetch(
    `${takt.directUrl}/api/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&group_by=session`,
    { headers: { authorization: `Bearer ${takt.token}` } },
  );
  const body = (await r.json()) as { groups: ({ key: string } & Record<string, number>)[] };
  const g = body.groups.find((x) => x.key === sessionId);
  return {
    input_tokens: g?.input_tokens,
    output_tokens: g?.output_tokens,
    cache_read_tokens: g?.cache_read_tokens,
    cache_creation_tokens: g?.cache_creation_tokens,
    cost_cents: Math.round((g?.cost_usd ?? 0) * 100),
    cost_usd: g?.cost_usd,
  };
}

function expected(results: ClaudeResult[]) {
  const u = usageOfResult(results);
  return { ...u, cost_cents: Math.round(u.cost_usd * 100) };
}

/** What the mock itself sent, for the responses of this run. */
function mockTotals(from: number, to: number) {
  const sent = mock.responses.slice(from, to);
  return {
    input_tokens: sent.reduce((s, r) => s + r.input, 0),
    output_tokens: sent.reduce((s, r) => s + r.output, 0),
    cache_read_tokens: sent.reduce((s, r) => s + r.cacheRead, 0),
    cache_creation_tokens: sent.reduce((s, r) => s + r.cache5m + r.cache1h, 0),
  };
}

async function scenario(name: string, protocol: Protocol, extraEnv: Record<string, string> = {}, prompt = 'say hi') {
  const { home, cwd } = workspace(name);
  const before = mock.responses.length;
  const run = await runClaudeCode({ prompt, home, cwd, anthropicUrl: mock.url, env: telemetryEnv(protocol, extraEnv) });
  return { run, sent: mockTotals(before, mock.responses.length), calls: mock.responses.length - before };
}

function tokensOnly(u: Record<string, number | undefined>) {
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_read_tokens: u.cache_read_tokens,
    cache_creation_tokens: u.cache_creation_tokens,
  };
}

describe('the real Claude Code exporting to takt', { timeout: 180_000 }, () => {
  it('http/json with metrics only (the six classic variables): every token counts', async () => {
    const { run, sent } = await scenario('json-metrics-only', 'http/json', { OTEL_LOGS_EXPORTER: 'none' });
    const got = await sessionUsage(run.result.session_id);
    expect(run.exitCode).toBe(0);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(got.cost_usd).toBeCloseTo(run.result.total_cost_usd, 9);
    expect(tokensOnly(got)).toEqual(sent);
  });

  it('http/protobuf with gzip, metrics and events: counted once', async () => {
    const { run, sent } = await scenario('protobuf-gzip', 'http/protobuf', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    const got = await sessionUsage(run.result.session_id);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(sent);
  });

  it('grpc with gzip', async () => {
    const { run, sent } = await scenario('grpc-gzip', 'grpc', { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' });
    const got = await sessionUsage(run.result.session_id);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(sent);
  });

  it('cumulative temporality gives the same totals', async () => {
    const { run, sent } = await scenario('cumulative', 'http/protobuf', {
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative',
      OTEL_LOGS_EXPORTER: 'none',
    });
    const got = await sessionUsage(run.result.session_id);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(sent);
  });

  it('a tool-using turn (two API requests)', async () => {
    const { run, sent, calls } = await scenario('tool-turn', 'http/protobuf', {}, 'please run the tool to say hi');
    const got = await sessionUsage(run.result.session_id);
    expect(calls).toBe(2);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(sent);
  });

  it('a --continue resume adds the second process to the same session', async () => {
    const { home, cwd } = workspace('continue');
    const env = telemetryEnv('http/protobuf');
    const before = mock.responses.length;
    const first = await runClaudeCode({ prompt: 'say hi', home, cwd, anthropicUrl: mock.url, env });
    const second = await runClaudeCode({
      prompt: 'say hi again',
      home,
      cwd,
      anthropicUrl: mock.url,
      env,
      args: ['--continue'],
    });
    const got = await sessionUsage(first.result.session_id);
    // 2.1.330 keeps the session id on --continue, and the resumed process's result
    // reports the whole session (both processes), so it is the figure to match.
    expect(second.result.session_id).toBe(first.result.session_id);
    expect(got).toEqual({ ...expected([second.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(mockTotals(before, mock.responses.length));
  });

  it('takt answering 503 to the first attempt loses and doubles nothing', async () => {
    takt.failNextOtlpRequests(1);
    const seen = takt.otlpRequests.length;
    const { run, sent } = await scenario('retry-503', 'http/protobuf');
    const got = await sessionUsage(run.result.session_id);
    expect(takt.otlpRequests.slice(seen)[0]?.status).toBe(503);
    expect(got).toEqual({ ...expected([run.result]), cost_usd: got.cost_usd });
    expect(tokensOnly(got)).toEqual(sent);
  });
});
