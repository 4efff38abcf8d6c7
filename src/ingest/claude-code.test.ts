import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapLogsExport, mapMetricsExport } from './claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from './otlp-decode.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'otlp', 'claude-code-2.1.330');
const SESSION = 'afa365d8-73da-4c30-864b-9b68652488e5';

describe('mapping what Claude Code 2.1.330 really sends', () => {
  it('reads token and cost metrics per type, and activity counters', () => {
    const mapped = mapMetricsExport(decodeMetricsRequest(readFileSync(join(fixtures, 'metrics.json')), 'json'));
    expect(mapped.rejected).toBe(0);
    expect(
      mapped.observations.map((o) => [
        o.target.kind === 'usage' ? o.target.field : o.target.name,
        o.value,
        o.temporality,
        o.ctx.hostName,
        o.ctx.sessionId === SESSION,
        o.ctx.account,
      ]),
    ).toEqual([
      ['claude_code.session.count', 1, 'delta', 'cc-box', true, null],
      ['cost_usd', 0.0016761, 'delta', 'cc-box', true, null],
      ['input_tokens', 102, 'delta', 'cc-box', true, null],
      ['output_tokens', 12, 'delta', 'cc-box', true, null],
      ['cache_read_tokens', 302, 'delta', 'cc-box', true, null],
      ['cache_creation_tokens', 202, 'delta', 'cc-box', true, null],
      ['claude_code.active_time.total', 0.212, 'delta', 'cc-box', true, null],
    ]);
    // The four token points and the cost point of one session and model form one group.
    const usageGroups = new Set(mapped.observations.filter((o) => o.target.kind === 'usage').map((o) => o.groupKey));
    expect(usageGroups.size).toBe(1);
    // The group key is part of stored dedupe keys: its text must never change (a resent
    // export after an upgrade would count twice).
    expect([...usageGroups]).toEqual([
      [
        [
          'host.arch=string:amd64',
          'host.name=string:cc-box',
          'os.type=string:linux',
          'os.version=string:6.18.44-fc-v769',
          'service.name=string:claude-code',
          'service.version=string:2.1.330',
        ].join('\u0001'),
        [
          'anthropic.custom_base_url=boolean:true',
          'anthropic.provider=string:firstParty',
          'host.name=string:cc-box',
          'model=string:claude-sonnet-4-5-20250929',
          'query_source=string:main',
          'session.id=string:afa365d8-73da-4c30-864b-9b68652488e5',
          'terminal.type=string:xterm',
          'user.id=string:11876d47fdafdf2d11c47e91afb24f3990bbf5f27f30c90bd72aacde8ab255b7',
        ].join('\u0001'),
      ].join('\u0002'),
    ]);
    // The points of a group share one context object (copied once to the writer thread).
    const usage = mapped.observations.filter((o) => o.target.kind === 'usage');
    expect(new Set(usage.map((o) => o.ctx)).size).toBe(1);
  });

  it('reads api_request with its request id and the 5m/1h split, keeps prompts as activity, ignores the rest', () => {
    const mapped = mapLogsExport(decodeLogsRequest(readFileSync(join(fixtures, 'logs.json')), 'json'));
    expect(mapped.rejected).toBe(0);
    expect(
      mapped.observations.map((o) => ({ key: o.key.replace(SESSION, 'S'), timeMs: o.timeMs, target: o.target })),
    ).toEqual([
      {
        key: 'e:user_prompt:S:2026-11-22T19:42:54.233Z:4:f56a8179-92bb-41f6-b9e4-998d4aa782b1',
        timeMs: Date.parse('2026-11-22T19:42:54.233Z'),
        target: { kind: 'activity', name: 'claude_code.user_prompt', value: 1, attributes: { prompt_length: '6' } },
      },
      {
        key: 'e:req:req_mock_2',
        timeMs: Date.parse('2026-11-22T19:42:54.363Z'),
        target: {
          kind: 'usage',
          model: 'claude-sonnet-4-5-20250929',
          requestId: 'req_mock_2',
          tokens: {
            input_tokens: 102,
            output_tokens: 12,
            cache_read_tokens: 302,
            cache_creation_tokens: 202,
            cache_creation_5m_tokens: 50,
            cache_creation_1h_tokens: 152,
            cost_usd: 0.0016761,
          },
        },
      },
    ]);
  });
});

describe('coercion and rejection', () => {
  const point = (attrs: Record<string, unknown>, value: Record<string, unknown>) => ({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'claude_code.token.usage',
                sum: {
                  aggregationTemporality: 1,
                  dataPoints: [
                    {
                      attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: v })),
                      startTimeUnixNano: '1764000000000000000',
                      timeUnixNano: '1764000001000000000',
                      ...value,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const map = (o: Record<string, unknown>) =>
    mapMetricsExport(decodeMetricsRequest(Buffer.from(JSON.stringify(o)), 'json'));

  it('accepts integer values and attributes sent as ints, doubles or strings', () => {
    const m = map(
      point(
        { type: { stringValue: 'input' }, 'session.id': { intValue: '42' }, model: { stringValue: 'm' } },
        { asInt: '7' },
      ),
    );
    expect(m.observations.map((o) => [o.value, o.ctx.sessionId])).toEqual([[7, '42']]);
  });

  it('rejects negative values, unknown token types and missing times, each with a reason', () => {
    const negative = map(point({ type: { stringValue: 'input' } }, { asDouble: -1 }));
    const badType = map(point({ type: { stringValue: 'thinking' } }, { asDouble: 1 }));
    expect([negative.rejected, badType.rejected]).toEqual([1, 1]);
    expect([...negative.errors, ...badType.errors]).toEqual([
      'claude_code.token.usage: the value must be a whole number from 0 to 1099511627775, got -1',
      'claude_code.token.usage: attribute "type" must be one of input, output, cacheRead, cacheCreation',
    ]);
  });
});
