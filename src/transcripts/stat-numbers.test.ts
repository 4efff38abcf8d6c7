import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RawStat, setRawStat, statNumbers, usesRawStat } from './stat-numbers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-stat-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.jsonl'), 'x'.repeat(1234));
  return () => rmSync(dir, { recursive: true, force: true });
});
afterEach(() => setRawStat(undefined));

function reference(path: string) {
  const st = statSync(path);
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, isDirectory: st.isDirectory() };
}

/** What this Node's fs.statSync does, asked not to throw for a missing entry, below a file. */
function statsBelowAFile(): 'throws' | 'undefined' {
  try {
    const st = statSync(join(dir, 'a.jsonl', 'below-a-file'), { throwIfNoEntry: false });
    if (st !== undefined) throw new Error('a path below a file has a stat');
    return 'undefined';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    return 'throws';
  }
}

describe('statNumbers', () => {
  for (const raw of [true, false]) {
    it(`gives fs.statSync's numbers for files, directories and missing paths (${raw ? "Node's raw stat" : 'fs.statSync'})`, () => {
      setRawStat(raw ? undefined : null);
      for (const path of [join(dir, 'a.jsonl'), join(dir, 'sub'), dir])
        expect(statNumbers(path)).toEqual(reference(path));
      expect(statNumbers(join(dir, 'missing.jsonl'))).toBeUndefined();
      // A path below a file: Node 20 throws ENOTDIR, Node 24 answers "no entry"; as fs.statSync does.
      const belowAFile = join(dir, 'a.jsonl', 'below-a-file');
      if (statsBelowAFile() === 'throws') expect(() => statNumbers(belowAFile)).toThrow(/ENOTDIR/);
      else expect(statNumbers(belowAFile)).toBeUndefined();
      const into = { dev: 0, ino: 0, size: 0, mtimeMs: 0, isDirectory: true };
      const filled = statNumbers(join(dir, 'a.jsonl'), into);
      expect(filled).toEqual(reference(join(dir, 'a.jsonl')));
      if (raw) expect(filled).toBe(into); // filled in place, no new object
      if (process.platform !== 'win32') expect(usesRawStat()).toBe(raw);
    });
  }

  it('turns the raw stat off when its first answer differs from fs.statSync, and answers right', () => {
    const path = join(dir, 'a.jsonl');
    let calls = 0;
    const wrong: RawStat = () => {
      calls++;
      const values = new Float64Array(36);
      values[8] = 99; // a size that is not the file's
      return values;
    };
    setRawStat(wrong);
    expect(statNumbers(path)).toEqual(reference(path));
    expect(usesRawStat()).toBe(false);
    expect(statNumbers(path)).toEqual(reference(path));
    expect(calls).toBe(1); // never asked again
  });

  it('decides on the first path that exists: a missing first path leaves the raw stat unchecked', () => {
    let calls = 0;
    const real =
      process.platform === 'win32'
        ? undefined
        : (process as unknown as { binding(n: string): { stat: RawStat } }).binding('fs');
    if (real === undefined) return;
    setRawStat((path, bigint, request, throwIfNoEntry) => {
      calls++;
      return real.stat(path, bigint, request, throwIfNoEntry);
    });
    expect(statNumbers(join(dir, 'missing.jsonl'))).toBeUndefined();
    expect(usesRawStat()).toBe(true);
    expect(statNumbers(join(dir, 'a.jsonl'))).toEqual(reference(join(dir, 'a.jsonl')));
    expect(usesRawStat()).toBe(true);
    expect(calls).toBe(2);
  });

  it('lets fs.statSync throw errors other than a missing path', () => {
    setRawStat(() => {
      throw new Error('EACCES');
    });
    expect(() => statNumbers('relative\0path')).toThrow(); // fs.statSync refuses a NUL byte
    expect(statNumbers(join(dir, 'a.jsonl'))).toEqual(reference(join(dir, 'a.jsonl')));
  });
});
