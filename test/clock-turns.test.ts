import { describe, expect, it } from 'vitest';
import { clearOfTurn, msToMidnight, msToUtcWeekStart } from './support/clock-turns.ts';

/** The guard the browser tests use against midnight and a week's start (test/support/clock-turns.ts). */
describe('calendar turns a test waits out', () => {
  it('counts to midnight in the zone given, daylight saving included', () => {
    expect(msToMidnight('UTC', Date.UTC(2026, 11, 7, 23, 59, 30, 250))).toBe(29_750);
    // Berlin is UTC+1 in December and UTC+2 in July.
    expect(msToMidnight('Europe/Berlin', Date.UTC(2026, 11, 7, 22, 59, 30))).toBe(30_000);
    expect(msToMidnight('Europe/Berlin', Date.UTC(2026, 6, 7, 21, 59, 0))).toBe(60_000);
    expect(msToMidnight('Asia/Kolkata', Date.UTC(2026, 11, 7, 18, 29, 0))).toBe(60_000);
  });

  it('counts to Monday 00:00 UTC', () => {
    // 2026-12-06 is a Sunday, 2026-12-07 a Monday.
    expect(msToUtcWeekStart(Date.UTC(2026, 11, 6, 23, 59, 0))).toBe(60_000);
    expect(msToUtcWeekStart(Date.UTC(2026, 11, 7, 0, 0, 0))).toBe(7 * 86_400_000);
    expect(msToUtcWeekStart(Date.UTC(2026, 11, 9, 12, 0, 0))).toBe(4.5 * 86_400_000);
  });

  it('waits only when the turn is within the span, and then until it has passed', async () => {
    let t = Date.now();
    await clearOfTurn(5_000, 4_000);
    expect(Date.now() - t).toBeLessThan(500);
    t = Date.now();
    await clearOfTurn(200, 4_000);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1_190);
  });
});
