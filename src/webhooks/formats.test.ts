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
      { username: 'takt', content: `${sentence}\nhttps://takt.example.test/` },
    ]);
  });
});
