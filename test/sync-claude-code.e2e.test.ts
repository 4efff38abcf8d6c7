import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncSummary } from '../src/agent/sync-transcripts.ts';
import { type AnthropicMock, startAnthropicMock } from './support/anthropic-mock.ts';
import { claudeAvailable, runClaudeCode, usageOfResult } from './support/run-claude-code.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * The real Claude Code (2.1.330) with and without telemetry, and `takt sync` (the built CLI)
 * uploading its transcripts: the server's figures equal the CLI's own usage and cost, to the
 * token and the cent, never doubled; a hit limit in a transcript reaches the server once.
 */
const main = join(import.meta.dirname, '..', 'dist', 'takt.cjs');
let takt: TestTakt;
let mock: AnthropicMock;
const scratch = mkdtempSync(join(tmpdir(), 'takt-sync-claude-'));

beforeAll(async () => {
  expect(claudeAvailable).toBe(true);
  [takt, mock] = await Promise.all([startTakt(), startAnthropicMock()]);
});
afterAll(async () => {
  await Promise.all([takt?.stop(), mock?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
});

function workspace(name: string) {
  const home = join(scratch, name, 'home');
  const cwd = join(scratch, name, 'project');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  return { home, cwd };
}

function telemetryEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: '1',
    OTEL_METRICS_EXPORTER: 'otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: takt.httpUrl,
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${takt.token}`,
    OTEL_RESOURCE_ATTRIBUTES: 'host.name=e2e-box',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    OTEL_LOGS_EXPORT_INTERVAL: '500',
    ...extra,
  };
}

/** `takt sync` as a user runs it, finding the transcripts under HOME as `takt report` does. */
function sync(home: string): Promise<{ status: number | null; summary: SyncSummary; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, 'sync', '--server', takt.httpUrl, '--token', takt.token, '--json'], {
      env: { PATH: process.env.PATH, HOME: home, TAKT_HOME: join(home, '.takt') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (status) => resolve({ status, summary: JSON.parse(stdout || 'null'), stderr }));
  });
}

async function sessionUsage(sessionId: string, bySource = false) {
  const r = await fetch(
    `${takt.directUrl}/api/usage?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&group_by=${bySource ? 'source' : 'session'}`,
    { headers: { authorization: `Bearer ${takt.token}` } },
  );
  const body = (await r.json()) as { groups: ({ key: string } & Record<string, number | null>)[] };
  const g = body.groups.find((x) => x.key === sessionId);
  return {
    input_tokens: g?.input_tokens,
    output_tokens: g?.output_tokens,
    cache_read_tokens: g?.cache_read_tokens,
    cache_creation_tokens: g?.cache_creation_tokens,
    // takt's price table (no contracted prices here): Claude Code's own figure, whatever the source.
    cost_cents: Math.round((g?.list_cost_usd ?? 0) * 100),
    // What Claude Code reported to takt (OTel), null when nothing did (docs/api.md, "Two costs").
    reported_cost_cents: g?.cost_usd == null ? null : Math.round(g.cost_usd * 100),
  };
}

/** Claude Code's own figures; `viaTelemetry`: whether its cost reached takt over OTel. */
const reported = (result: Parameters<typeof usageOfResult>[0][number], viaTelemetry: boolean) => {
  const u = usageOfResult([result]);
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_read_tokens: u.cache_read_tokens,
    cache_creation_tokens: u.cache_creation_tokens,
    cost_cents: Math.round(u.cost_usd * 100),
    reported_cost_cents: viaTelemetry ? Math.round(u.cost_usd * 100) : null,
  };
};

describe('takt sync with the real Claude Code', { timeout: 180_000 }, () => {
  it('telemetry (metrics and events) and sync together: the CLI’s own figures, not doubled', async () => {
    const { home, cwd } = workspace('both');
    const before = mock.responses.length;
    const run = await runClaudeCode({
      prompt: 'please run the tool to say hi',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: telemetryEnv(),
    });
    expect(run.exitCode).toBe(0);
    expect(mock.responses.length - before).toBe(2);
    const telemetryOnly = await sessionUsage(run.result.session_id);
    const s = await sync(home);
    expect(s.status).toBe(0);
    // Every transcript record is a request the api_request events stored already (same request id).
    expect(s.summary).toMatchObject({ found: 2, stored: 0, duplicates: 2, rejected: 0, queued: 0 });
    expect(await sessionUsage(run.result.session_id)).toEqual(reported(run.result, true));
    expect(telemetryOnly).toEqual(reported(run.result, true));
  });

  it('metrics only and sync: one session reported by both counts once', async () => {
    const { home, cwd } = workspace('metrics-and-sync');
    const run = await runClaudeCode({
      prompt: 'please run the tool to say hi',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: telemetryEnv({ OTEL_LOGS_EXPORTER: 'none' }),
    });
    const s = await sync(home);
    expect(s.summary).toMatchObject({ found: 2, stored: 2, duplicates: 0 });
    // The session's tokens count from the transcripts; Claude Code's own cost is the one its
    // metrics reported (count-once.ts: chosen apart from the tokens), to the cent.
    expect(await sessionUsage(run.result.session_id)).toEqual(reported(run.result, true));
  });

  it('telemetry off: sync alone gives the same totals', async () => {
    const { home, cwd } = workspace('sync-only');
    const before = mock.responses.length;
    const run = await runClaudeCode({
      prompt: 'please run the tool to say hi',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: {},
    });
    expect(run.exitCode).toBe(0);
    const sent = mock.responses.slice(before);
    const first = await sync(home);
    expect(first.summary).toMatchObject({ found: 2, stored: 2, duplicates: 0, queued: 0 });
    const got = await sessionUsage(run.result.session_id);
    expect(got).toEqual(reported(run.result, false));
    expect(got).toMatchObject({
      input_tokens: sent.reduce((s, r) => s + r.input, 0),
      output_tokens: sent.reduce((s, r) => s + r.output, 0),
    });
    // Synced again: nothing new, nothing twice.
    const again = await sync(home);
    expect(again.summary).toMatchObject({ found: 0, stored: 0, queued: 0 });
    expect(await sessionUsage(run.result.session_id)).toEqual(got);
  });

  it('a hit limit written in a transcript reaches the server once, as a limit event', async () => {
    const { home, cwd } = workspace('hit');
    const run = await runClaudeCode({
      prompt: 'hit the limit',
      home,
      cwd,
      anthropicUrl: mock.url,
      env: {},
      oauth: true,
    });
    expect(run.result.session_id).toMatch(/^[0-9a-f-]{36}$/);
    // A subscriber's machine: Claude Code keeps the signed-in account in ~/.claude.json.
    const configFile = join(home, '.claude.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(configFile, JSON.stringify({ ...config, oauthAccount: { accountUuid: 'acc-e2e-hit' } }));
    const first = await sync(home);
    expect(first.summary).toMatchObject({ hitsSent: 1, errors: [] });
    const second = await sync(home);
    expect(second.summary).toMatchObject({ hitsSent: 0, hitsQueued: 0 });
    const events = await takt.server.context.store.db
      .selectFrom('limit_events')
      .innerJoin('accounts', 'accounts.id', 'limit_events.account_id')
      .select([
        'limit_events.kind',
        'limit_events.window',
        'limit_events.source',
        'limit_events.session_id',
        'limit_events.resets_at',
        'accounts.account_uuid',
      ])
      .where('limit_events.user_id', '=', takt.userId)
      .execute();
    expect(events.map((e) => ({ ...e, resets_at: Number(e.resets_at) }))).toEqual([
      {
        kind: 'hit_limit',
        window: 'five_hour',
        source: 'transcript',
        session_id: run.result.session_id,
        resets_at: mock.limitResetsAt * 1000,
        account_uuid: 'acc-e2e-hit',
      },
    ]);
  });
});
