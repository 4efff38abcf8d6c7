import { describe, expect, it } from 'vitest';
import type { LimitEvent, OfficialObservation, WeeklyReset } from './limit-types.ts';
import { fiveHourWindow, monthlyWindow, weeklyAnchorWindow, weeklyWindow, windowKinds } from './windows.ts';

const t = (iso: string) => Date.parse(iso);
const obs = (at: string, resetsAt: string | null, utilization = 10, window = 'five_hour'): OfficialObservation => ({
  at: t(at),
  window: window as OfficialObservation['window'],
  utilization,
  resetsAt: resetsAt === null ? null : t(resetsAt),
  source: 'statusline',
});
const utcMonday9: WeeklyReset = { weekday: 1, hour: 9, timeZone: 'UTC' };

describe('five-hour window', () => {
  it('treats resets_at moving by ±2 s as the same window (no false rollover)', () => {
    const officials = [
      obs('2026-12-01T10:00:00Z', '2026-12-01T14:00:00Z'),
      obs('2026-12-01T10:10:00Z', '2026-12-01T14:00:02Z'),
      obs('2026-12-01T10:20:00Z', '2026-12-01T13:59:58Z'),
    ];
    const w = fiveHourWindow(t('2026-12-01T10:30:00Z'), officials, [], []);
    expect(w).toMatchObject({ start: t('2026-12-01T09:00:00Z'), end: t('2026-12-01T14:00:00Z'), source: 'official' });
    expect(w.extrapolated).toBe(false);
  });

  it('follows a real rollover to the new reset', () => {
    const officials = [
      obs('2026-12-01T10:00:00Z', '2026-12-01T14:00:00Z'),
      obs('2026-12-01T14:40:00Z', '2026-12-01T19:37:00Z'),
    ];
    const w = fiveHourWindow(t('2026-12-01T15:00:00Z'), officials, [], []);
    expect(w).toMatchObject({ start: t('2026-12-01T14:37:00Z'), end: t('2026-12-01T19:37:00Z'), source: 'official' });
  });

  it('rolls a past official reset forward once, labelled, and falls back to the estimate beyond that', () => {
    const officials = [obs('2026-12-01T10:00:00Z', '2026-12-01T12:00:00Z')];
    const within = fiveHourWindow(t('2026-12-01T13:00:00Z'), officials, [], []);
    expect(within).toMatchObject({
      start: t('2026-12-01T12:00:00Z'),
      end: t('2026-12-01T17:00:00Z'),
      source: 'official',
      extrapolated: true,
    });
    const activity = [t('2026-12-01T17:20:00Z')];
    const beyond = fiveHourWindow(t('2026-12-01T18:00:00Z'), officials, [], activity);
    expect(beyond).toMatchObject({
      start: t('2026-12-01T17:00:00Z'),
      end: t('2026-12-01T22:00:00Z'),
      source: 'estimated',
      extrapolated: false,
      active: true,
    });
  });

  it('estimates a window from the first activity after a gap, floored to the hour', () => {
    const activity = [t('2026-12-01T08:10:00Z'), t('2026-12-01T09:30:00Z'), t('2026-12-01T14:47:00Z')];
    const w = fiveHourWindow(t('2026-12-01T15:00:00Z'), [], [], activity);
    expect(w).toMatchObject({ start: t('2026-12-01T14:00:00Z'), end: t('2026-12-01T19:00:00Z'), source: 'estimated' });
    expect(w.active).toBe(true);
  });

  it('says no window is open when the last activity is over 5 hours old', () => {
    const w = fiveHourWindow(t('2026-12-01T15:10:00Z'), [], [], [t('2026-12-01T08:10:00Z')]);
    expect(w).toMatchObject({ start: t('2026-12-01T15:00:00Z'), end: t('2026-12-01T20:00:00Z'), active: false });
  });

  it('starts a window at a New Window mark newer than the official evidence', () => {
    const officials = [obs('2026-12-01T06:00:00Z', '2026-12-01T10:00:00Z')];
    const mark: LimitEvent = {
      at: t('2026-12-01T10:23:00Z'),
      kind: 'new_window',
      window: 'five_hour',
      resetsAt: null,
      source: 'dashboard',
    };
    const w = fiveHourWindow(t('2026-12-01T11:00:00Z'), officials, [mark], []);
    expect(w).toMatchObject({ start: t('2026-12-01T10:23:00Z'), end: t('2026-12-01T15:23:00Z'), source: 'configured' });
  });

  it("takes a hit's resetsAt as official", () => {
    const hit: LimitEvent = {
      at: t('2026-12-01T11:00:00Z'),
      kind: 'hit_limit',
      window: 'five_hour',
      resetsAt: t('2026-12-01T13:00:00Z'),
      source: 'transcript',
    };
    const w = fiveHourWindow(t('2026-12-01T11:30:00Z'), [], [hit], []);
    expect(w).toMatchObject({ start: t('2026-12-01T08:00:00Z'), end: t('2026-12-01T13:00:00Z'), source: 'official' });
  });
});

describe('weekly window', () => {
  it('uses only the configured anchor when nothing official was seen, and says so', () => {
    const w = weeklyWindow('seven_day', t('2026-12-02T12:00:00Z'), [], [], utcMonday9);
    expect(w).toMatchObject({ start: t('2026-11-30T09:00:00Z'), end: t('2026-12-07T09:00:00Z'), source: 'configured' });
    expect(w.note).toBe('configured weekly reset (Monday 09:00 UTC): no official reset seen');
  });

  it('is DST-correct in the anchor zone across the last Sunday of March (a 167-hour week)', () => {
    const berlin: WeeklyReset = { weekday: 1, hour: 9, timeZone: 'Europe/Berlin' };
    const w = weeklyAnchorWindow(t('2026-03-27T12:00:00Z'), berlin);
    expect(w).toEqual({ start: t('2026-03-23T08:00:00Z'), end: t('2026-03-30T07:00:00Z') });
    expect((w.end - w.start) / 3_600_000).toBe(167);
  });

  it('takes the latest official reset, which may move, over the anchor', () => {
    const officials = [
      obs('2026-12-01T10:00:00Z', '2026-12-05T18:00:00Z', 20, 'seven_day'),
      obs('2026-12-02T10:00:00Z', '2026-12-06T07:00:00Z', 25, 'seven_day'),
    ];
    const w = weeklyWindow('seven_day', t('2026-12-02T12:00:00Z'), officials, [], utcMonday9);
    expect(w).toMatchObject({ start: t('2026-11-29T07:00:00Z'), end: t('2026-12-06T07:00:00Z'), source: 'official' });
  });

  it("lets a per-model bucket without its own reset borrow seven_day's", () => {
    const officials = [obs('2026-12-01T10:00:00Z', '2026-12-05T18:00:00Z', 20, 'seven_day')];
    const w = weeklyWindow('seven_day_opus', t('2026-12-02T12:00:00Z'), officials, [], utcMonday9);
    expect(w).toMatchObject({ start: t('2026-11-28T18:00:00Z'), end: t('2026-12-05T18:00:00Z'), source: 'official' });
  });
});

describe('monthly window and window kinds', () => {
  it('starts on the configured day at midnight in the zone', () => {
    const w = monthlyWindow(t('2026-12-01T12:00:00Z'), 15, 'Europe/Berlin');
    expect(w).toMatchObject({ start: t('2026-11-14T23:00:00Z'), end: t('2026-12-14T23:00:00Z') });
  });

  it('lists every per-model bucket ever observed', () => {
    const officials = [
      obs('2026-12-01T10:00:00Z', null, 5, 'seven_day_sonnet'),
      obs('2026-12-01T10:00:00Z', null, 5, 'seven_day_opus'),
    ];
    expect(windowKinds('max', officials, [], undefined)).toEqual([
      'five_hour',
      'seven_day',
      'seven_day_opus',
      'seven_day_sonnet',
      'monthly',
    ]);
  });
});
