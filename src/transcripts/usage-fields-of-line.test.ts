import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  declined,
  editedLine,
  fullLine,
  generatedCandidateLines,
  readFast,
} from '../../test/support/candidate-lines.ts';
import { reduceLine, usageLineOf } from './scan-usage-lines.ts';
import { usageFieldsOfLine } from './usage-fields-of-line.ts';

/**
 * usageFieldsOfLine against the way it replaces (reduceLine, JSON.parse): wherever it reads a
 * line, usageLineOf must give the same answer from its record as from JSON.parse's; where it
 * declines (undefined), the slow way reads the line as before.
 */

const bytes = (line: string) => Buffer.from(line, 'utf8');
const fastRecord = (line: string) => usageFieldsOfLine(bytes(line), 0, bytes(line).length);
const fast = (line: string) => usageLineOf(fastRecord(line));

/** The slow way's answer: the usage line, or why the line is skipped. */
function slow(line: string): ReturnType<typeof usageLineOf> | 'unbalanced' | 'not JSON' {
  const reduced = reduceLine(bytes(line), 0, bytes(line).length);
  if (reduced === undefined) return 'unbalanced';
  try {
    return usageLineOf(JSON.parse(reduced));
  } catch {
    return 'not JSON';
  }
}

describe('usageFieldsOfLine', () => {
  it.each(readFast)('reads %s as JSON.parse does', (_name, line) => {
    expect(fastRecord(line)).toBeDefined();
    expect(fast(line)).toEqual(slow(line));
  });

  it.each(declined)('leaves %s to the slow way', (_name, line) => {
    expect(fastRecord(line)).toBeUndefined();
  });

  it('keeps every key usageLineOf reads (a new one read there must be added to FIELDS)', () => {
    const lines = readFast.map(([, line]) => line).filter((line) => slow(line) !== 'not JSON');
    const read = new Set<string>();
    for (const line of lines) usageLineOf(watched(JSON.parse(line), '', read));
    const missing = [...read].filter(
      (path) => !hasPath(fastRecord(lines.find((l) => pathIn(JSON.parse(l), path)) ?? '{}'), path),
    );
    expect(read.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('declines or agrees on any edit of a line (property)', () => {
    fc.assert(
      fc.property(editedLine(fullLine), (line) => {
        return fastRecord(line) === undefined || JSON.stringify(fast(line)) === JSON.stringify(slow(line));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('usageFieldsOfLine over a generated history', () => {
  let lines: string[] = [];
  beforeAll(() => {
    lines = generatedCandidateLines(12, 23);
  });

  it('reads every whole line of it as JSON.parse does, and declines the cut-off ones', () => {
    const readHere = lines.filter((line) => fastRecord(line) !== undefined);
    const differ = readHere.filter((line) => JSON.stringify(fast(line)) !== JSON.stringify(slow(line)));
    const declinedWhole = lines.filter(
      (line) => fastRecord(line) === undefined && slow(line) !== 'unbalanced' && slow(line) !== 'not JSON',
    );
    expect(lines.length).toBeGreaterThan(500);
    expect(readHere.length).toBeGreaterThan(lines.length * 0.95);
    expect(differ).toEqual([]);
    expect(declinedWhole).toEqual([]);
  });
});

/** A proxy of a parsed record that notes the path of every key read (array elements as []). */
function watched(value: unknown, path: string, read: Set<string>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const inner = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || key === 'length') return inner;
      const at = Array.isArray(target) ? `${path}[]` : path === '' ? key : `${path}.${key}`;
      if (!Array.isArray(target)) read.add(at);
      return watched(inner, at, read);
    },
  });
}

const steps = (path: string) => path.split(/\.|(?=\[\])/).filter((s) => s !== '');

/** Whether the object that holds the last key of `path` is in a parsed record (the key itself may be absent). */
function pathIn(record: unknown, path: string): boolean {
  return follow(record, steps(path), () => true);
}

/** Whether the record built by usageFieldsOfLine has the key at the end of `path` (even if undefined). */
function hasPath(record: unknown, path: string): boolean {
  return follow(record, steps(path), (o, key) => key in o);
}

function follow(at: unknown, rest: string[], last: (o: object, key: string) => boolean): boolean {
  const [key, ...more] = rest;
  if (typeof at !== 'object' || at === null || key === undefined) return false;
  if (key === '[]') return Array.isArray(at) && at.some((item) => follow(item, more, last));
  if (more.length === 0) return last(at, key);
  return follow((at as Record<string, unknown>)[key], more, last);
}
