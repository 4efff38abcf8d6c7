import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowsByTime } from './usage-table.ts';

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
