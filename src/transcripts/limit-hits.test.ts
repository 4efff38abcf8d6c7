import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { limitHitOfLine, recentLimitHits } from './limit-hits.ts';

/** The line Claude Code 2.1.330 wrote for a 429 with Anthropic's unified rate-limit headers (OAuth login). */
const quotaLine = JSON.stringify({
  type: 'assistant',
  uuid: 'u-1',
  sessionId: 's-1',
  timestamp: '2026-12-01T20:15:49.000Z',
  isApiErrorMessage: true,
  error: 'rate_limit',
  apiErrorStatus: 429,
  apiError: 'usage_limit_reached',
  quotaLimits: { status: 'rejected', resetsAt: 1796159749, rateLimitType: 'five_hour', isUsingOverage: false },
  message: {
    model: '<synthetic>',
    content: [{ type: 'text', text: "You've hit your 5-hour limit · resets 9:15pm (UTC)" }],
  },
});

describe('limit hits in transcripts', () => {
  it('reads quotaLimits first, the old banner text, and a bare rate_limit error', () => {
    const legacy = JSON.stringify({
      type: 'assistant',
      sessionId: 's-2',
      timestamp: '2025-06-01T10:00:00.000Z',
      message: { model: '<synthetic>', content: [{ type: 'text', text: 'Claude AI usage limit reached|1748786400' }] },
    });
    const apiKey = JSON.stringify({
      type: 'assistant',
      uuid: 'u-3',
      sessionId: 's-3',
      timestamp: '2026-12-01T20:00:00.000Z',
      isApiErrorMessage: true,
      error: 'rate_limit',
      apiErrorStatus: 429,
      message: { model: '<synthetic>', content: [{ type: 'text', text: 'API Error: Request rejected (429)' }] },
    });
    expect([limitHitOfLine(quotaLine), limitHitOfLine(legacy), limitHitOfLine(apiKey)]).toEqual([
      {
        at: Date.parse('2026-12-01T20:15:49.000Z'),
        sessionId: 's-1',
        window: 'five_hour',
        resetsAt: 1796159749000,
        form: 'quota_limits',
        key: 'u-1',
      },
      {
        at: Date.parse('2025-06-01T10:00:00.000Z'),
        sessionId: 's-2',
        window: 'five_hour',
        resetsAt: 1748786400000,
        form: 'legacy_text',
        key: `s-2:${Date.parse('2025-06-01T10:00:00.000Z')}`,
      },
      {
        at: Date.parse('2026-12-01T20:00:00.000Z'),
        sessionId: 's-3',
        window: null,
        resetsAt: null,
        form: 'rate_limit',
        key: 'u-3',
      },
    ]);
  });

  it('is not fooled: a user quoting the banner, a cut-off line, usage lines', () => {
    const user = JSON.stringify({
      type: 'user',
      timestamp: '2026-12-01T20:00:00.000Z',
      message: { content: 'why did I get "Claude AI usage limit reached|1748786400" and error "rate_limit"?' },
    });
    expect([
      limitHitOfLine(user),
      limitHitOfLine(quotaLine.slice(0, 80)),
      limitHitOfLine('{"type":"assistant"}'),
    ]).toEqual([null, null, null]);
  });

  it('finds the recent hits in recently changed files only, each line once', () => {
    const root = mkdtempSync(join(tmpdir(), 'takt-hits-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'proj'), { recursive: true });
    writeFileSync(join(root, 'proj', 'a.jsonl'), `${quotaLine}\n${quotaLine}\n`);
    writeFileSync(join(root, 'proj', 'old.jsonl'), `${quotaLine}\n`);
    const old = new Date('2026-11-01T00:00:00Z');
    utimesSync(join(root, 'proj', 'old.jsonl'), old, old);
    const hits = recentLimitHits([root], Date.parse('2026-12-01T00:00:00Z'));
    expect(hits.map((h) => [h.key, h.window])).toEqual([['u-1', 'five_hour']]);
  });
});
