import { describe, expect, it } from 'vitest';
import { renderBody } from './formats.ts';

const payload = {
  type: 'limit_approaching',
  timestamp: '2026-12-01T10:00:00.000Z',
  data: {
    account: { id: 'a1', uuid: 'acct-1', label: 'Personal Max' },
    window: 'five_hour',
    unit: 'usd',
    used: 12.3456,
    limit: 15,
    utilization: 82.304,
    threshold: 80,
    resets_at: '2026-12-01T13:00:00.000Z',
    source: 'official',
    dashboard_url: 'https://takt.example.test/',
  },
};

describe('webhook formats', () => {
  it('sends the payload as is, or Slack and Discord shapes with the numbers and the reset time', () => {
    const sentence =
      'takt: Personal Max is at 82.3% of its five_hour limit (threshold 80%): $12.35 of $15.00 used; resets 2026-12-01 13:00 UTC.';
    expect([
      JSON.parse(renderBody('standard', payload)),
      JSON.parse(renderBody('slack', payload)),
      JSON.parse(renderBody('discord', payload)),
    ]).toEqual([
      payload,
      {
        text: sentence,
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `${sentence}\n<https://takt.example.test/|Open the takt dashboard>` },
          },
        ],
      },
      { username: 'takt', allowed_mentions: { parse: [] }, content: `${sentence}\nhttps://takt.example.test/` },
    ]);
  });
});

describe('capacity_changed in chat formats', () => {
  it('says the step, its date and both capacities in one sentence', () => {
    const changed = {
      type: 'capacity_changed',
      timestamp: '2026-12-01T10:00:00.000Z',
      data: {
        account: { id: 'a1', uuid: 'acct-1', label: 'Personal Max' },
        window: 'five_hour',
        unit: 'tokens',
        before: 1_000_000,
        after: 520_000,
        change_pct: -48,
        since: '2026-11-27T09:00:00.000Z',
        confidence: 'high',
        dashboard_url: 'https://takt.example.test/',
      },
    };
    expect(JSON.parse(renderBody('discord', changed)).content).toBe(
      "takt: Personal Max's five_hour capacity changed -48% since 2026-11-27 09:00 UTC: 1,000,000 tokens → 520,000 tokens (high confidence).\nhttps://takt.example.test/",
    );
  });
});

describe('member-set text in chat formats (22.7)', () => {
  const hostile = {
    ...payload,
    data: {
      ...payload.data,
      account: {
        id: 'a1',
        uuid: 'acct-1',
        label: '<!channel> @everyone <https://evil.example/login|the takt dashboard> & co',
      },
    },
  };

  it('escapes &, < and > for Slack, so no mention or disguised link reaches the channel', () => {
    const sentence =
      'takt: &lt;!channel&gt; @everyone &lt;https://evil.example/login|the takt dashboard&gt; &amp; co is at 82.3% of its five_hour limit (threshold 80%): $12.35 of $15.00 used; resets 2026-12-01 13:00 UTC.';
    expect(JSON.parse(renderBody('slack', hostile))).toEqual({
      text: sentence,
      blocks: [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: `${sentence}\n<https://takt.example.test/|Open the takt dashboard>` },
        },
      ],
    });
  });

  it('sends Discord allowed_mentions {parse: []} and breaks every @', () => {
    expect(JSON.parse(renderBody('discord', hostile))).toEqual({
      username: 'takt',
      allowed_mentions: { parse: [] },
      content:
        'takt: <!channel> @\u200beveryone <https://evil.example/login|the takt dashboard> & co is at 82.3% of its five_hour limit (threshold 80%): $12.35 of $15.00 used; resets 2026-12-01 13:00 UTC.\nhttps://takt.example.test/',
    });
  });
});

describe('a disguised link or a heading in a label, in Discord (22.7, replayed)', () => {
  const hostile = {
    ...payload,
    data: {
      ...payload.data,
      account: {
        id: 'a1',
        uuid: 'acct-1',
        label: 'Max\n# Sign in again\n[the takt dashboard](https://evil.example/login) \\[x\\](https://evil.example/)',
      },
    },
  };

  it('breaks Discord’s masked links and keeps the label on one line', () => {
    expect(JSON.parse(renderBody('discord', hostile)).content).toBe(
      'takt: Max # Sign in again \\[the takt dashboard\\](https://evil.example/login) \\\\\\[x\\\\\\](https://evil.example/) is at 82.3% of its five_hour limit (threshold 80%): $12.35 of $15.00 used; resets 2026-12-01 13:00 UTC.\nhttps://takt.example.test/',
    );
  });

  it('keeps the label on one line in Slack too', () => {
    expect(JSON.parse(renderBody('slack', hostile)).text).toBe(
      'takt: Max # Sign in again [the takt dashboard](https://evil.example/login) \\[x\\](https://evil.example/) is at 82.3% of its five_hour limit (threshold 80%): $12.35 of $15.00 used; resets 2026-12-01 13:00 UTC.',
    );
  });
});
