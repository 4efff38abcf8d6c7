import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  assistantLine,
  declined,
  editedLine,
  fullLine,
  generatedCandidateLines,
  message,
  readFast,
} from '../../test/support/candidate-lines.ts';
import { compileWasm } from '../../wasm/compile.mjs';
import { lineKeyHash, lookupHash } from './lookup-hash.ts';
import { LEFT, type UsageLine, type UsageReader, usageLineOf } from './scan-usage-lines.ts';
import { usageFieldsOfLine } from './usage-fields-of-line.ts';
import { wasmUsageReader } from './usage-scan-wasm.ts';

/**
 * The WebAssembly reader against usageFieldsOfLine and usageLineOf, which it stands in for on
 * large reads: where it answers, the answer must be usageLineOf's of usageFieldsOfLine's record,
 * and it may answer only lines usageFieldsOfLine reads (it may leave more: they then go there).
 * The module is compiled here from wasm/usage-scan.ts, as the build does.
 */

let wasm: UsageReader;
beforeAll(async () => {
  const reader = wasmUsageReader(await compileWasm('usage-scan'));
  if (reader === undefined) throw new Error('the module did not load');
  wasm = reader;
}, 60_000);

const bytes = (line: string) => Buffer.from(line, 'utf8');
/**
 * A usage line as the index counts it, its fields in one order (JSON.stringify compares them): the
 * key as its hash (the module gives only the hash), iteration 0 when absent.
 */
const counted = (usage: ReturnType<UsageReader>) => {
  if (typeof usage !== 'object') return usage;
  const u = usage as UsageLine;
  return {
    keyHash: lineKeyHash(u),
    timestampMs: u.timestampMs,
    model: u.model,
    sessionId: u.sessionId,
    input: u.input,
    output: u.output,
    cacheWrite5m: u.cacheWrite5m,
    cacheWrite1h: u.cacheWrite1h,
    cacheRead: u.cacheRead,
    fast: u.fast,
    reportedCostUsd: u.reportedCostUsd,
    iteration: u.iteration ?? 0,
    extra: u.extra?.length ?? 0,
  };
};
const byWasm = (line: string) => counted(wasm(bytes(line), 0, bytes(line).length));
const record = (line: string) => usageFieldsOfLine(bytes(line), 0, bytes(line).length);
const byJs = (line: string) => counted(usageLineOf(record(line)));

/** Lines the module leaves to JavaScript although usageFieldsOfLine reads them. */
const left = new Set([
  'iterations: message, compaction and advisor parts', // elements in `iterations`
  'an iterations array elsewhere (checked, not read)',
  'escaped strings in the values read', // an escaped model, compared with <synthetic>
  'numbers JSON allows', // token counts written as 1e3 and 2.5E+1
]);

describe('the WebAssembly line scanner', () => {
  it.each(readFast.filter(([name]) => !left.has(name)))('reads %s as usageLineOf does', (_n, line) => {
    const usage = byWasm(line);
    expect(usage).not.toBe(LEFT);
    expect(usage).toEqual(byJs(line));
  });

  it.each(readFast.filter(([name]) => left.has(name)))('leaves %s to JavaScript', (_n, line) => {
    expect(record(line)).toBeDefined();
    expect(byWasm(line)).toBe(LEFT);
  });

  it.each(declined)('leaves %s, as usageFieldsOfLine declines it', (_name, line) => {
    expect(byWasm(line)).toBe(LEFT);
  });

  it('answers a progress record with its subagent message, and NaN for a cost that is not a number', () => {
    const line = readFast.find(([name]) => name === 'a progress record carrying a subagent message')?.[1] ?? '';
    expect(byWasm(line)).toMatchObject({
      keyHash: lookupHash('msg_1'),
      timestampMs: Date.parse('2026-11-02T10:59:00.000Z'),
    });
    expect(byWasm(assistantLine(message(), ',"costUSD":"0.5"'))).toMatchObject({ reportedCostUsd: Number.NaN });
    expect(byWasm(assistantLine(message(), ',"costUSD":1e999'))).toMatchObject({ reportedCostUsd: Number.NaN });
    expect(byWasm(assistantLine(message(), ',"costUSD":0.125'))).toMatchObject({ reportedCostUsd: 0.125 });
  });

  it('reads a line in the middle of a buffer, and strings from the caller’s bytes', () => {
    const line = assistantLine(message());
    const buf = bytes(`{"type":"user"}\n${line}\n{"x":1}`);
    const start = buf.indexOf('\n') + 1;
    const end = buf.indexOf('\n', start);
    expect(counted(wasm(buf, start, end))).toEqual(counted(usageLineOf(usageFieldsOfLine(buf, start, end))));
    expect(wasm(buf, start, end)).toMatchObject({ sessionId: 's-1', keyHash: lookupHash('msg_1'), input: 3 });
  });

  it('leaves a line longer than its memory to JavaScript', () => {
    const line = assistantLine(message(), `,"big":"${'x'.repeat(1_100_000)}"`);
    expect(byJs(line)).toBeDefined();
    expect(byWasm(line)).toBe(LEFT);
  });

  it('reads a line after a longer one without the longer one’s bytes showing through', () => {
    const long = assistantLine(message(), `,"pad":"${'y'.repeat(5000)}"`);
    const short =
      '{"type":"assistant","message":{"usage":{"input_tokens":1,"output_tokens":2}},"timestamp":"2026-01-01T00:00:00Z"}';
    byWasm(long);
    expect(byWasm(short)).toEqual(byJs(short));
    expect(byWasm(short)).toMatchObject({ keyHash: Number.NaN, model: '(unknown)', input: 1, output: 2 });
    expect(byWasm(`${short.slice(0, -1)}`)).toBe(LEFT);
  });

  it('reads timestamps as Date.parse does: every day 1-31 of every month, hours, and forms it leaves to it', () => {
    const stamps: string[] = [];
    for (const year of ['0001', '1969', '1970', '2000', '2024', '2026', '2100', '9999']) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const hour = String((day * 7) % 24).padStart(2, '0');
          stamps.push(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${hour}:59:58.123Z`);
        }
      }
    }
    stamps.push(
      '2026-01-10T00:00:00.000Z',
      '2026-01-10T24:00:00.000Z',
      '2026-01-10T23:59:60.000Z',
      '2026-01-10T23:60:00.000Z',
      '2026-13-10T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-01-00T00:00:00.000Z',
      '2026-01-32T00:00:00.000Z',
      '2026-01-10T10:00:00Z',
      '2026-01-10T10:00:00.000+09:00',
      '2026-01-10T10:00:00.000z',
      '2026-01-10 10:00:00.000Z',
      '2026-01-10T10:00:00.1234Z',
      '2026-1-10T10:00:00.000Z',
      'Sat, 10 Jan 2026 10:00:00 GMT',
    );
    const differ = stamps.filter((stamp) => {
      const line = assistantLine(message()).replace('2026-11-02T10:00:00.000Z', stamp);
      return JSON.stringify(byWasm(line)) !== JSON.stringify(byJs(line));
    });
    expect(stamps.length).toBe(8 * 12 * 31 + 15);
    expect(differ).toEqual([]);
  });

  it('makes a model or session string again only when its bytes differ from the last line’s', () => {
    const base = assistantLine(message());
    const lines = [
      base,
      base.replace('"s-1"', '"s-2"'),
      base.replace('claude-opus-4-5', 'claude-haiku-4-5'),
      base.replace('claude-opus-4-5', 'claude-haiku-4-5').replace('"s-1"', '"s\\u002d1"'),
      base.replace('claude-opus-4-5', 'claude-haiku-4-5'),
      base.replace('claude-opus-4-5', 'claude-haiku-4-5').replace('"requestId":"req_1",', ''),
      base.replace('"s-1"', '"s-10"'),
      base.replace('"s-1"', 'null'),
      base,
    ];
    const seen = lines.map((line) => byWasm(line));
    expect(seen).not.toContain(LEFT);
    expect(seen).toEqual(lines.map((line) => byJs(line)));
    expect(seen.map((u) => (typeof u === 'object' ? [u.model, u.sessionId] : u))).toEqual([
      ['claude-opus-4-5', 's-1'],
      ['claude-opus-4-5', 's-2'],
      ['claude-haiku-4-5', 's-1'],
      ['claude-haiku-4-5', 's-1'],
      ['claude-haiku-4-5', 's-1'],
      ['claude-haiku-4-5', 's-1'],
      ['claude-opus-4-5', 's-10'],
      ['claude-opus-4-5', ''],
      ['claude-opus-4-5', 's-1'],
    ]);
  });

  it('declines or agrees on any edit of a line, and reads only what usageFieldsOfLine reads (property)', () => {
    for (const base of [fullLine, assistantLine(message())]) {
      fc.assert(
        fc.property(editedLine(base), (line) => {
          const usage = byWasm(line);
          if (usage === LEFT) return true;
          return record(line) !== undefined && JSON.stringify(usage) === JSON.stringify(byJs(line));
        }),
        { numRuns: 3000 },
      );
    }
  });
});

describe('the WebAssembly line scanner over a generated history', () => {
  let lines: string[] = [];
  beforeAll(() => {
    lines = generatedCandidateLines(12, 23);
  });

  it('answers every line usageFieldsOfLine reads, as usageLineOf does', () => {
    const answered = lines.filter((line) => byWasm(line) !== LEFT);
    const differ = answered.filter((line) => JSON.stringify(byWasm(line)) !== JSON.stringify(byJs(line)));
    const leftButRead = lines.filter((line) => byWasm(line) === LEFT && record(line) !== undefined);
    expect(lines.length).toBeGreaterThan(500);
    expect(answered.filter((line) => typeof byWasm(line) === 'object').length).toBeGreaterThan(lines.length * 0.9);
    expect(differ).toEqual([]);
    expect(leftButRead).toEqual([]);
  });
});
