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
import { usageFieldsOfLine } from './usage-fields-of-line.ts';
import { type LineReader, wasmLineReader } from './usage-scan-wasm.ts';

/**
 * The WebAssembly scanner against usageFieldsOfLine, which it stands in for on large reads: where
 * it reads a line it must build the very record usageFieldsOfLine builds, and it may read only
 * lines usageFieldsOfLine reads (it may decline more: they then go to usageFieldsOfLine). The
 * module is compiled here from wasm/usage-scan.ts, as the build does.
 */

const DECLINED = { declined: true };
let wasm: LineReader;
beforeAll(async () => {
  const reader = wasmLineReader(await compileWasm('usage-scan'), () => DECLINED);
  if (reader === undefined) throw new Error('the module did not load');
  wasm = reader;
}, 60_000);

const bytes = (line: string) => Buffer.from(line, 'utf8');
const byWasm = (line: string) => wasm(bytes(line), 0, bytes(line).length);
const byJs = (line: string) => usageFieldsOfLine(bytes(line), 0, bytes(line).length);

/** Lines with elements in an `iterations` array: the module leaves them to usageFieldsOfLine. */
const withIterations = new Set([
  'iterations: message, compaction and advisor parts',
  'an iterations array elsewhere (checked, not read)',
]);

describe('the WebAssembly line scanner', () => {
  it.each(readFast.filter(([name]) => !withIterations.has(name)))('reads %s as usageFieldsOfLine does', (_n, line) => {
    const record = byWasm(line);
    expect(record).not.toBe(DECLINED);
    expect(record).toEqual(byJs(line));
    expect(record?.constructor).toBe(byJs(line)?.constructor);
  });

  it.each(readFast.filter(([name]) => withIterations.has(name)))('leaves %s to usageFieldsOfLine', (_n, line) => {
    expect(byWasm(line)).toBe(DECLINED);
  });

  it.each(declined)('declines %s, as usageFieldsOfLine does', (_name, line) => {
    expect(byWasm(line)).toBe(DECLINED);
  });

  it('reads a line in the middle of a buffer, and strings from the caller’s bytes', () => {
    const line = assistantLine(message());
    const buf = bytes(`{"type":"user"}\n${line}\n{"x":1}`);
    const start = buf.indexOf('\n') + 1;
    const end = buf.indexOf('\n', start);
    expect(wasm(buf, start, end)).toEqual(usageFieldsOfLine(buf, start, end));
    expect((wasm(buf, start, end) as { sessionId: unknown }).sessionId).toBe('s-1');
  });

  it('leaves a line longer than its memory to usageFieldsOfLine', () => {
    const line = assistantLine(message(), `,"big":"${'x'.repeat(1_100_000)}"`);
    expect(byJs(line)).toBeDefined();
    expect(byWasm(line)).toBe(DECLINED);
  });

  it('reads a line after a longer one without the longer one’s bytes showing through', () => {
    const long = assistantLine(message(), `,"pad":"${'y'.repeat(5000)}"`);
    const short = '{"type":"assistant","message":{"usage":{"input_tokens":1,"output_tokens":2}},"timestamp":"t"}';
    byWasm(long);
    expect(byWasm(short)).toEqual(byJs(short));
    expect(byWasm(`${short.slice(0, -1)}`)).toBe(DECLINED);
  });

  it('declines or agrees on any edit of a line, and reads only what usageFieldsOfLine reads (property)', () => {
    for (const base of [fullLine, assistantLine(message())]) {
      fc.assert(
        fc.property(editedLine(base), (line) => {
          const record = byWasm(line);
          if (record === DECLINED) return true;
          const js = byJs(line);
          return js !== undefined && JSON.stringify(record) === JSON.stringify(js);
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

  it('reads every line usageFieldsOfLine reads, to the same record', () => {
    const read = lines.filter((line) => byWasm(line) !== DECLINED);
    const differ = read.filter((line) => JSON.stringify(byWasm(line)) !== JSON.stringify(byJs(line)));
    const declinedButRead = lines.filter((line) => byWasm(line) === DECLINED && byJs(line) !== undefined);
    expect(lines.length).toBeGreaterThan(500);
    expect(differ).toEqual([]);
    expect(declinedButRead).toEqual([]);
    expect(read.length).toBe(lines.filter((line) => byJs(line) !== undefined).length);
  });
});
