import { describe, expect, it } from 'vitest';
import { type NudgeLevel, nudgeLevel, nudgeLine, nudgeTransitions } from './nudges.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const min = (m: number) => NOW + m * 60_000;

describe('nudges', () => {
  it('levels by percentage, by minutes to the cap, and by a hit', () => {
    const w = (utilization: number | null, hitsCapAt: number | null = null, limited = false) =>
      nudgeLevel({ utilization, limited, hitsCapAt, resetsAt: min(120) }, NOW);
    expect([w(50), w(80), w(95), w(100), w(10, min(25)), w(10, min(8)), w(10, null, true), w(null)]).toEqual([
      'ok',
      'USAGE_WRAP_UP',
      'USAGE_STOP_SOON',
      'USAGE_LIMIT_HIT',
      'USAGE_WRAP_UP',
      'USAGE_STOP_SOON',
      'USAGE_LIMIT_HIT',
      'ok',
    ]);
    // A cap that comes after the reset is no nudge.
    expect(nudgeLevel({ utilization: 10, limited: false, hitsCapAt: min(200), resetsAt: min(120) }, NOW)).toBe('ok');
  });

  it('says each rise once, re-arms after a fall, and a change of the recommended account', () => {
    const state = (level: NudgeLevel) =>
      new Map([
        [
          'a:five_hour',
          {
            level,
            event: {
              account: 'uuid-a',
              label: 'Personal Max',
              window: 'five_hour',
              used_pct: 82.4,
              resets_at: '2026-12-01T15:00:00.000Z',
            },
          },
        ],
      ]);
    const first = nudgeTransitions(new Map(), state('USAGE_WRAP_UP'), { from: null, to: 'Team seat' });
    const same = nudgeTransitions(new Map([['a:five_hour', 'USAGE_WRAP_UP' as NudgeLevel]]), state('USAGE_WRAP_UP'), {
      from: 'Team seat',
      to: 'Team seat',
    });
    const fellThenRose = nudgeTransitions(new Map([['a:five_hour', 'ok' as NudgeLevel]]), state('USAGE_WRAP_UP'), null);
    expect([first.map(nudgeLine), same.length, fellThenRose.length]).toEqual([
      [
        'USAGE_WRAP_UP account=uuid-a label="Personal Max" window=five_hour used=82.4% resets_at=2026-12-01T15:00:00.000Z',
        'PACE_SWITCH from=none to="Team seat"',
      ],
      0,
      1,
    ]);
  });
});
