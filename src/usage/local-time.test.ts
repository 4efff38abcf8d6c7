import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTimeZone, localDateIn, weekOf } from './local-time.ts';

const previousTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'Europe/Berlin'; // this process's own zone: the Date path
});
afterAll(() => {
  process.env.TZ = previousTz;
});

const intlDate = (zone: string) => {
  const f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (ms: number) => f.format(ms);
};
const instants = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2027-12-31T23:59:59Z') });

describe('local dates', () => {
  it("reads this process's zone from TZ", () => {
    expect(defaultTimeZone()).toBe('Europe/Berlin');
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Kiritimati', 'UTC'])(
    'agree with Intl in %s at any instant, DST changes included',
    (zone) => {
      const ours = localDateIn(zone);
      const theirs = intlDate(zone);
      const dstEdges = ['2026-03-29T00:59:59Z', '2026-03-29T01:00:00Z', '2026-10-25T00:59:59Z', '2026-10-25T01:00:00Z'];
      for (const edge of dstEdges) expect(ours(Date.parse(edge))).toBe(theirs(Date.parse(edge)));
      fc.assert(
        fc.property(instants, (ms) => ours(ms) === theirs(ms)),
        { numRuns: 2000 },
      );
    },
  );

  it('start weeks on the chosen day', () => {
    expect([weekOf('2026-11-22', 1), weekOf('2026-11-22', 0), weekOf('2026-11-21', 6)]).toEqual([
      '2026-11-16',
      '2026-11-22',
      '2026-11-21',
    ]);
  });
});
