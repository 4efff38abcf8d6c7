import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Issue 19.8: POST /validate and `takt validate` tell the five ways usage reaches takt apart —
 * OpenTelemetry, `takt sync` uploads, hooks (and the status line), official readings, manual
 * entries — each with its last arrival, and what to do for the ones that never came. One of
 * each is sent in turn; after each, only that source moves from "missing" to its arrival.
 */
let takt: TestTakt;
let api: TestClient;
const MIN = 60_000;
const T = Math.floor(Date.now() / MIN) * MIN - 60 * MIN;
const ACCOUNT = 'acct-sources';

beforeAll(async () => {
  takt = await startTakt();
  api = new TestClient(takt.directUrl, takt.token);
}, 60_000);
afterAll(async () => {
  await takt?.stop();
});

type Sources = Record<string, { last_arrival: string | null; missing: string | null }>;
const sources = async (): Promise<Sources> =>
  (await api.call('POST', '/validate', { host_name: 'src-box' })).body.sources;
const arrived = (s: Sources) =>
  Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.last_arrival === null ? 'missing' : 'arrived']));

describe('takt validate tells the sources apart', () => {
  it('names every source missing at first, with what sets it up', async () => {
    const s = await sources();
    expect(Object.keys(s)).toEqual(['opentelemetry', 'sync', 'hooks', 'official', 'manual']);
    expect(Object.values(s).map((v) => v.last_arrival)).toEqual([null, null, null, null, null]);
    expect(s.opentelemetry?.missing).toBe(
      "no telemetry from Claude Code yet: run takt setup (it writes Claude Code's settings), restart Claude Code and send a prompt",
    );
    expect(s.sync?.missing).toContain('run takt sync');
    expect(s.hooks?.missing).toContain('takt hooks install');
    expect(s.official?.missing).toContain('takt usage official');
    expect(s.manual?.missing).toContain('takt track');
  });

  it('a takt sync upload is a sync arrival, not telemetry', async () => {
    const r = await api.call('POST', '/api/transcript-usage', {
      host_name: 'src-box',
      account_uuid: ACCOUNT,
      records: [
        {
          message_id: 'msg-src-1',
          session_id: 'sess-src',
          timestamp: T,
          model: 'claude-sonnet-4-5',
          input_tokens: 100,
          output_tokens: 10,
        },
      ],
    });
    expect(r.status).toBe(201);
    const s = await sources();
    expect(arrived(s)).toEqual({
      opentelemetry: 'missing',
      sync: 'arrived',
      hooks: 'missing',
      official: 'missing',
      manual: 'missing',
    });
    expect([s.sync?.last_arrival, s.sync?.missing]).toEqual([new Date(T).toISOString(), null]);
  });

  it('OpenTelemetry, a hook limit event, an official reading and a manual entry each arrive on their own line', async () => {
    const otlp = await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${takt.token}` },
      body: encodeMetrics(
        tokenMetrics(
          { host: 'src-box', sessionId: 'sess-src-otlp', accountUuid: ACCOUNT },
          [{ model: 'claude-sonnet-4-5', type: 'input', value: 500 }],
          { startMs: T + 5 * MIN - 1000, timeMs: T + 5 * MIN },
        ),
      ),
    });
    expect(otlp.status).toBe(200);
    expect(arrived(await sources())).toMatchObject({ opentelemetry: 'arrived', hooks: 'missing' });

    const before = Date.now();
    const hook = await api.call('POST', '/api/limit-events', {
      kind: 'hit_limit',
      window: 'five_hour',
      at: new Date(T + 10 * MIN).toISOString(),
      account_uuid: ACCOUNT,
      source: 'hook',
    });
    expect(hook.status).toBe(201);
    expect(arrived(await sources())).toMatchObject({ hooks: 'arrived', official: 'missing', manual: 'missing' });

    const official = await api.call('POST', '/api/official-usage', {
      source: 'oauth',
      account_uuid: ACCOUNT,
      captured_at: new Date(T + 20 * MIN).toISOString(),
      usage: { five_hour: { utilization: 12, resets_at: new Date(T + 3 * 60 * MIN).toISOString() } },
    });
    expect(official.status).toBe(201);
    expect(arrived(await sources())).toMatchObject({ official: 'arrived', manual: 'missing' });

    const manual = await api.call('POST', '/api/session', { input: 7, output: 3, at: T + 30 * MIN });
    expect(manual.status).toBe(201);
    const after = Date.now();

    const s = await sources();
    expect(Object.values(s).map((v) => v.missing)).toEqual([null, null, null, null, null]);
    // Usage sources: the time of the newest usage; hooks and official readings: when the server received them.
    expect([s.opentelemetry?.last_arrival, s.sync?.last_arrival, s.manual?.last_arrival]).toEqual([
      new Date(T + 5 * MIN).toISOString(),
      new Date(T).toISOString(),
      new Date(T + 30 * MIN).toISOString(),
    ]);
    for (const key of ['hooks', 'official'] as const) {
      const at = Date.parse(s[key]?.last_arrival ?? '');
      expect([at >= before, at <= after]).toEqual([true, true]);
    }
  });

  it('takt validate prints one line per source with its last arrival', async () => {
    const main = join(import.meta.dirname, '..', 'dist', 'main.js');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')));
    const r = await promisify(execFile)(
      process.execPath,
      [main, 'validate', '--server', takt.directUrl, '--token', takt.token, '--host', 'src-box'],
      { env: { ...env, HOME: join(import.meta.dirname, 'no-such-home') } },
    ).catch((e: { stdout: string }) => e);
    const lines = r.stdout.split('\n');
    const from = lines.indexOf('Sources:');
    expect(lines.slice(from + 1, from + 6).map((l) => l.replace(/last \S+$/, 'last <time>'))).toEqual([
      '  OpenTelemetry:          last <time>',
      '  takt sync uploads:      last <time>',
      '  hooks and status line:  last <time>',
      '  official readings:      last <time>',
      '  manual entries:         last <time>',
    ]);
    expect(lines[from + 2]).toBe(`  takt sync uploads:      last ${new Date(T).toISOString()}`);
  });
});
