import { describe, expect, it } from 'vitest';
import { lookupHash } from './lookup-hash.ts';
import { packReadResult, type ReadResult, unpackReadResult } from './read-appended.ts';
import type { UsageLine } from './scan-usage-lines.ts';

const line = (key: string, model: string, sessionId: string, n: number): UsageLine => ({
  key,
  timestampMs: Date.UTC(2026, 10, 2, 10, n),
  model,
  sessionId,
  input: n,
  output: 2 * n,
  cacheWrite5m: 3 * n,
  cacheWrite1h: 4 * n,
  cacheRead: 5 * n,
  fast: n % 2 === 1,
  reportedCostUsd: n === 2 ? 0.25 : Number.NaN,
});

describe('a worker thread’s read result', () => {
  it('arrives with every line as read: key as its hash, each model and session string sent once', () => {
    const lines = [
      line('msg_1', 'claude-opus-4-5', 's-1', 1),
      line('msg_2', 'claude-opus-4-5', 's-1', 2),
      line('', 'claude-haiku-4-5', 's-2', 3),
      { ...line('msg_1#compaction#claude-haiku-4-5', 'claude-haiku-4-5', 's-1', 4), iteration: 2 },
    ];
    const read: ReadResult = {
      got: 100,
      complete: 90,
      tail: 'tail',
      scan: { lines, skipped: [{ offset: 7, reason: 'cut off or unbalanced JSON' }], synthetic: 1 },
    };
    const packed = packReadResult(read);
    expect(packed.strings).toEqual(['claude-opus-4-5', 's-1', 'claude-haiku-4-5', 's-2']);
    const back = unpackReadResult(structuredClone(packed));
    expect(back.scan.lines).toEqual(
      lines.map((l) => ({
        ...l,
        key: '',
        keyHash: l.key === '' ? Number.NaN : lookupHash(l.key),
        iteration: l.iteration ?? 0,
      })),
    );
    expect(back).toMatchObject({
      got: 100,
      complete: 90,
      tail: 'tail',
      scan: { skipped: read.scan.skipped, synthetic: 1 },
    });
  });
});
