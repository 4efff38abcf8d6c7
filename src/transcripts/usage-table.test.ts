import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { SavedNames } from './index-file-format.ts';
import { lookupHash } from './lookup-hash.ts';
import type { UsageLine } from './scan-usage-lines.ts';
import { internString, rowsByTime, StringTable, UsageTable } from './usage-table.ts';

const expected = (ts: number[], keep: boolean[]) =>
  ts
    .map((t, row) => ({ t, row }))
    .filter(({ row }) => keep[row])
    .sort((a, b) => a.t - b.t || a.row - b.row)
    .map(({ row }) => row);

describe('rows in time order', () => {
  it('orders kept rows by time, ties by row, on both the packed and the comparator path', () => {
    const times = fc.oneof(
      fc.integer({ min: 1_760_000_000_000, max: 1_760_000_100_000 }), // close together: packed keys
      fc.constantFrom(0, 8_000_000_000_000_000), // far apart: span × rows beyond 2^53
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(times, fc.boolean()), { maxLength: 60 }), (rows) => {
        const ts = rows.map(([t]) => t);
        const keep = rows.map(([, k]) => k);
        const live = keep.filter(Boolean).length;
        const got = rowsByTime(Float64Array.from(ts), ts.length, live, (row) => keep[row] === true);
        expect(Array.from(got)).toEqual(expected(ts, keep));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the saved key table', () => {
  it('finds every response by its key after compacting, and no key it does not hold', () => {
    const table = new UsageTable();
    const line = (key: string, i: number): UsageLine => ({
      key,
      timestampMs: 1_760_000_000_000 + ((i * 7919) % 100_000) * 1000, // out of time order
      model: 'm',
      sessionId: 's',
      input: i,
      output: 1,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      cacheRead: 0,
      fast: false,
      reportedCostUsd: Number.NaN,
    });
    for (let i = 0; i < 5000; i++) table.addLine(line(i % 10 === 0 ? '' : `msg_${i}`, i), 'p'); // some unkeyed
    table.compact();
    const { slots, rows } = table.keyIndex;
    expect(rows.length * 0.7).toBeGreaterThanOrEqual(4500);
    for (let i = 0; i < 5000; i++) {
      if (i % 10 === 0) continue;
      const row = table.findRow(lookupHash(`msg_${i}`));
      expect(table.columns.input[row]).toBe(i);
    }
    expect(table.findRow(lookupHash('msg_5000'))).toBe(-1);
    expect(slots.length).toBe(rows.length);
    // Merging a line of a saved response finds its row through the table, not a new one.
    expect(table.addLine(line('msg_4321', 4321), 'p')).toBe(table.findRow(lookupHash('msg_4321')));
    expect(table.count).toBe(5000);
  });
});

describe('session ids as saved (SavedNames) and a table that reads them as needed', () => {
  const name = fc.string({
    unit: fc.constantFrom('"', '\\', ',', 'a', 'é', '😀', '[', ']', '\u0000', '-'),
    maxLength: 6,
  });

  it('finds, counts and names each saved id as the parsed list does', () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 12 }), name, (names, other) => {
        const saved = () => new SavedNames(Buffer.from(JSON.stringify(names), 'utf8'));
        expect(names.map((n) => saved().find(n))).toEqual(names.map((_, i) => i));
        expect(saved().find(other)).toBe(names.indexOf(other));
        expect(saved().count()).toBe(names.length);
        expect(names.map((_, i) => saved().nameAt(i))).toEqual(names);
        expect(saved().nameAt(names.length)).toBeUndefined();
        expect(saved().all()).toEqual(names);
      }),
      { numRuns: 400 },
    );
  });

  it('numbers interned strings as a table of the parsed list would, before and after parsing it', () => {
    const step = fc.oneof(
      fc.record({ intern: name }),
      fc.record({ idOf: name }),
      fc.record({ nameOf: fc.nat({ max: 20 }) }),
      fc.record({ values: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 10 }), fc.array(step, { maxLength: 14 }), (names, steps) => {
        const lazy = new StringTable(new SavedNames(Buffer.from(JSON.stringify(names), 'utf8')));
        const eager = new StringTable([...names]);
        const answer = (t: StringTable, s: (typeof steps)[number]) =>
          'intern' in s
            ? internString(t, s.intern)
            : 'idOf' in s
              ? t.idOf(s.idOf)
              : 'nameOf' in s
                ? t.nameOf(s.nameOf)
                : [...t.values];
        expect(steps.map((s) => answer(lazy, s))).toEqual(steps.map((s) => answer(eager, s)));
        expect(lazy.values).toEqual(eager.values);
      }),
      { numRuns: 600 },
    );
  });

  it('a status line that asks for one session parses none of the saved ids', () => {
    const names = ['s-1', 's-2', 's-3'];
    const saved = new SavedNames(Buffer.from(JSON.stringify(names), 'utf8'));
    const all = vi.spyOn(saved, 'all');
    const table = new StringTable(saved);
    expect(table.idOf('s-2')).toBe(1);
    expect(internString(table, 's-9')).toBe(3);
    expect(table.nameOf(3)).toBe('s-9');
    expect(all).not.toHaveBeenCalled();
  });
});
