import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reduceLine, type ScanResult, scanUsageLines, usageLineOf } from './scan-usage-lines.ts';

/**
 * usage.iterations[] (issue 21.4): a response's billed tokens are the sum of its iterations,
 * each at its own model; without a `message` iteration, top-level plus the others. The fixture
 * holds a compaction step (the API docs' figures, with a partial streaming copy), two advisor
 * calls at Opus under a Sonnet message, an ordinary line and an old client's cache split.
 */
const fixture = join(
  import.meta.dirname,
  '../../test/fixtures/transcripts/iterations/projects/-home-dev-app/5d0c2a47-8e1b-4f3a-9c6d-7e8f9a0b1c2d.jsonl',
);
const bytes = readFileSync(fixture);
const lines = bytes.toString('utf8').trimEnd().split('\n');

function scan(): ScanResult {
  const into: ScanResult = { lines: [], skipped: [], synthetic: 0 };
  scanUsageLines(bytes, 0, bytes.length, 0, into);
  return into;
}

const pick = (l: { key: string; model: string; input: number; output: number; iteration?: number }) => ({
  key: l.key,
  model: l.model,
  input: l.input,
  output: l.output,
  iteration: l.iteration ?? 0,
});

describe('usage.iterations[]', () => {
  it('keeps the iterations array through reduceLine (other arrays are emptied)', () => {
    const line = Buffer.from(lines[2] as string);
    const reduced = JSON.parse(reduceLine(line, 0, line.length) as string);
    expect(reduced.message.content).toEqual([]);
    expect(reduced.message.usage.iterations.map((i: { type: string }) => i.type)).toEqual(['compaction', 'message']);
  });

  it('a compaction step is its own row beside the message iteration, never on top of the top-level usage', () => {
    const line = usageLineOf(JSON.parse(lines[2] as string));
    expect(line === undefined || line === 'synthetic' ? line : [line, ...(line.extra ?? [])].map(pick)).toEqual([
      { key: 'msg_01Compaction', model: 'claude-sonnet-4-5-20250929', input: 23000, output: 1000, iteration: 0 },
      {
        key: 'msg_01Compaction#compaction#claude-sonnet-4-5-20250929',
        model: 'claude-sonnet-4-5-20250929',
        input: 180000,
        output: 3500,
        iteration: 1,
      },
    ]);
  });

  it('advisor calls at their own model: top-level plus the advisor iterations when no message iteration is listed', () => {
    const line = usageLineOf(JSON.parse(lines[3] as string));
    expect(line === undefined || line === 'synthetic' ? line : [line, ...(line.extra ?? [])].map(pick)).toEqual([
      { key: 'msg_01Advisor', model: 'claude-sonnet-4-5-20250929', input: 1200, output: 300, iteration: 0 },
      {
        key: 'msg_01Advisor#advisor_message#claude-opus-4-5-20251101',
        model: 'claude-opus-4-5-20251101',
        input: 1513345,
        output: 1750,
        iteration: 2,
      },
    ]);
  });

  it('the scanner emits every row: streaming copies share keys, so each response merges to its largest figures', () => {
    const r = scan();
    expect(r.skipped).toEqual([]);
    expect(r.lines.map((l) => `${l.key} ${l.input}/${l.output}`)).toEqual([
      'msg_01Compaction 23000/12',
      'msg_01Compaction#compaction#claude-sonnet-4-5-20250929 180000/3500',
      'msg_01Compaction 23000/1000',
      'msg_01Compaction#compaction#claude-sonnet-4-5-20250929 180000/3500',
      'msg_01Advisor 1200/300',
      'msg_01Advisor#advisor_message#claude-opus-4-5-20251101 1513345/1750',
      'msg_01Plain 10/20',
      'msg_01OldSplit 5/7',
    ]);
  });

  it('before 2.1.152: cache_creation_input_tokens 0 beside a non-zero 5m/1h split counts the split', () => {
    const line = usageLineOf(JSON.parse(lines[5] as string));
    expect(line === undefined || line === 'synthetic' ? line : [line.cacheWrite5m, line.cacheWrite1h]).toEqual([
      300, 700,
    ]);
  });

  it('an iteration whose figures are not whole numbers skips the whole line', () => {
    const bad = (lines[3] as string).replace('"input_tokens":812345', '"input_tokens":1.5');
    const buf = Buffer.from(`${bad}\n`);
    const into: ScanResult = { lines: [], skipped: [], synthetic: 0 };
    scanUsageLines(buf, 0, buf.length, 0, into);
    expect([into.lines.length, into.skipped.length]).toEqual([0, 1]);
  });
});
