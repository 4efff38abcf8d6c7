import { describe, expect, it } from 'vitest';
import { DEFAULT_NUDGE_THRESHOLDS, nudgeLine, nudgeTransitions } from '../../usage/nudges.ts';
import { windowNudges } from './snapshot.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('takt watch: windows to nudges', () => {
  it('an idle window gives no time: the line says how much work is left if work resumes', () => {
    const usage = {
      accounts: [
        {
          id: 'a',
          uuid: 'uuid-a',
          label: 'Personal Max',
          windows: {
            five_hour: {
              utilization: 85,
              limited: false,
              resets_at: '2026-12-01T15:00:00.000Z',
              forecast: { hits_cap_at: null, basis: 'if_resumed' as const, if_resumed: { work_minutes_to_cap: 46.5 } },
            },
          },
        },
      ],
    };
    const nudges = windowNudges(usage, NOW, DEFAULT_NUDGE_THRESHOLDS);
    expect(nudgeTransitions(new Map(), nudges, null).map(nudgeLine)).toEqual([
      'USAGE_WRAP_UP account=uuid-a label="Personal Max" window=five_hour used=85% resets_at=2026-12-01T15:00:00.000Z hits_cap="if work resumes, after 47 min of work"',
    ]);
  });
});
