import { describe, expect, it } from 'vitest';
import type { SourceTotal } from '../store/usage-rows.ts';
import { chooseSources, countsReportedCost, isCounted } from './count-once.ts';

const t = (
  session_id: string,
  model: string,
  source: SourceTotal['source'],
  weight: number,
  cost = 0,
): SourceTotal => ({
  session_id,
  model,
  source,
  weight,
  cost,
});

const counted = (totals: SourceTotal[], sources: SourceTotal['source'][]) => {
  const chosen = chooseSources(totals);
  return sources.map((source) => isCounted(chosen, { session_id: 's', model: 'm', source }));
};

describe('one request, one count across sources', () => {
  it('each source alone counts everything', () => {
    expect(counted([t('s', 'm', 'metric', 100)], ['metric'])).toEqual([true]);
    expect(counted([t('s', 'm', 'event', 100)], ['event'])).toEqual([true]);
    expect(counted([t('s', 'm', 'transcript', 100)], ['transcript'])).toEqual([true]);
  });

  it('events and transcripts are one family (stored once per request id): both count, metrics do not', () => {
    const totals = [t('s', 'm', 'event', 60), t('s', 'm', 'transcript', 40), t('s', 'm', 'metric', 100)];
    expect(counted(totals, ['event', 'transcript', 'metric'])).toEqual([true, true, false]);
  });

  it('a session reported by metrics and by transcripts counts once: the larger wins', () => {
    expect(counted([t('s', 'm', 'transcript', 100), t('s', 'm', 'metric', 90)], ['transcript', 'metric'])).toEqual([
      true,
      false,
    ]);
    // Transcripts of this session were deleted before the first sync: metrics are more complete.
    expect(counted([t('s', 'm', 'transcript', 30), t('s', 'm', 'metric', 90)], ['transcript', 'metric'])).toEqual([
      false,
      true,
    ]);
  });

  it('a tie goes to the per-request family', () => {
    expect(counted([t('s', 'm', 'metric', 50), t('s', 'm', 'transcript', 50)], ['transcript', 'metric'])).toEqual([
      true,
      false,
    ]);
  });

  it('manual entries always add', () => {
    expect(counted([t('s', 'm', 'metric', 50), t('s', 'm', 'manual', 10)], ['manual', 'metric'])).toEqual([true, true]);
  });

  it('decides per (session, model)', () => {
    const chosen = chooseSources([
      t('a', 'opus', 'metric', 10),
      t('a', 'opus', 'event', 5),
      t('a', 'haiku', 'metric', 1),
      t('a', 'haiku', 'transcript', 2),
    ]);
    expect([
      isCounted(chosen, { session_id: 'a', model: 'opus', source: 'metric' }),
      isCounted(chosen, { session_id: 'a', model: 'opus', source: 'event' }),
      isCounted(chosen, { session_id: 'a', model: 'haiku', source: 'metric' }),
      isCounted(chosen, { session_id: 'a', model: 'haiku', source: 'transcript' }),
    ]).toEqual([true, false, false, true]);
  });

  it("Claude Code's cost: the larger of the events' and the metrics', also when transcripts won the tokens", () => {
    const reported = (totals: SourceTotal[]) => {
      const chosen = chooseSources(totals);
      return (['event', 'metric', 'transcript', 'manual'] as const).filter((source) =>
        countsReportedCost(chosen, { session_id: 's', model: 'm', source }),
      );
    };
    // transcripts win the tokens; the metrics still tell what Claude Code charged
    expect(reported([t('s', 'm', 'transcript', 1500, 0.01), t('s', 'm', 'metric', 1200, 0.3)])).toEqual(['metric']);
    // events cover part of the session, metrics all of it: the larger, never the sum
    expect(
      reported([
        t('s', 'm', 'event', 150, 0.1),
        t('s', 'm', 'transcript', 300, 0.002),
        t('s', 'm', 'metric', 370, 0.35),
      ]),
    ).toEqual(['metric']);
    expect(reported([t('s', 'm', 'event', 150, 0.4), t('s', 'm', 'metric', 370, 0.35)])).toEqual(['event']);
    // a tie goes to the events; nothing reported, nothing chosen
    expect(reported([t('s', 'm', 'event', 150, 0.35), t('s', 'm', 'metric', 370, 0.35)])).toEqual(['event']);
    expect(reported([t('s', 'm', 'transcript', 150, 0.35), t('s', 'm', 'manual', 10, 1)])).toEqual([]);
  });
});
