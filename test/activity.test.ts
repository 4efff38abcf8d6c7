import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { insertUser } from '../src/store/users.ts';
import { str } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * GET /api/me/activity on both databases, from the metric exports the real Claude Code 2.1.330
 * sent (test/fixtures/otlp/…/http-json: three runs; session.count and active_time.total), one
 * of them resent, plus an export of the metrics those runs did not produce (lines, commits, PRs,
 * edit decisions: the mock never edits files), shaped as docs/claude-code-telemetry.md records.
 */

const FIXTURES = new URL('./fixtures/otlp/claude-code-2.1.330/http-json/', import.meta.url);
const recorded = ['1-say-hi.01-metrics.json', '2-tool.01-metrics.json', '3-continue.01-metrics.json'].map((f) =>
  readFileSync(new URL(f, FIXTURES)),
);
const FROM = '2026-11-22T00:00:00Z';
const TO = '2026-11-23T00:00:00Z';
const T = Date.parse('2026-11-22T15:00:00Z');
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;

/** A delta export of activity counters for one session on machine `ci-box`, account 1111…. */
function codingMetrics(timeMs: number): string {
  const common = [
    str('session.id', 'sess-code'),
    str('user.account_uuid', '11111111-2222-4333-8444-555555555555'),
    str('terminal.type', 'non-interactive'),
  ];
  const sum = (name: string, points: [number, ReturnType<typeof str>[]][]) => ({
    name,
    sum: {
      aggregationTemporality: 1,
      isMonotonic: true,
      dataPoints: points.map(([v, attrs]) => ({
        attributes: [...common, ...attrs],
        startTimeUnixNano: ns(timeMs - 60_000),
        timeUnixNano: ns(timeMs),
        asDouble: v,
      })),
    },
  });
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [str('service.name', 'claude-code'), str('host.name', 'ci-box')] },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code', version: '2.1.330' },
            metrics: [
              sum('claude_code.session.count', [[1, [str('start_type', 'fresh')]]]),
              sum('claude_code.lines_of_code.count', [
                [120, [str('type', 'added')]],
                [35, [str('type', 'removed')]],
              ]),
              sum('claude_code.commit.count', [[2, []]]),
              sum('claude_code.pull_request.count', [[1, []]]),
              sum('claude_code.code_edit_tool.decision', [
                [3, [str('tool_name', 'Edit'), str('decision', 'accept'), str('source', 'config')]],
                [1, [str('tool_name', 'Edit'), str('decision', 'reject'), str('source', 'user_reject')]],
                [2, [str('tool_name', 'Write'), str('decision', 'accept'), str('source', 'config')]],
              ]),
              sum('claude_code.active_time.total', [
                [42.5, [str('type', 'user')]],
                [300.25, [str('type', 'cli')]],
              ]),
            ],
          },
        ],
      },
    ],
  });
}

let takt: TestTakt;
let database: TestDatabase;
let adminToken: string;

const post = async (body: string | Buffer, token = takt.token) =>
  (
    await fetch(`${takt.directUrl}/v1/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })
  ).status;
const activity = async (query: string, token = takt.token) => {
  const r = await fetch(`${takt.directUrl}/api/me/activity?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe.each(dialects)('activity on $name', ({ create }) => {
  beforeAll(async () => {
    database = await create();
    takt = await startTakt(database.dialect === 'postgres' ? { databaseUrl: database.url } : {});
    const db = takt.server.context.store.db;
    const admin = await insertUser(db, { email: 'admin@example.com', role: 'admin' });
    adminToken = (await issueApiToken(db, admin.id, 'test')).token;
    for (const body of recorded) expect(await post(body)).toBe(200);
    // Exporters retry: the second run's export again, and the coding export twice.
    expect(await post(recorded[1] as Buffer)).toBe(200);
    expect(await post(codingMetrics(T))).toBe(200);
    expect(await post(codingMetrics(T))).toBe(200);
    const other = await takt.addUser('other@example.com');
    expect(await post(codingMetrics(T), other.token)).toBe(200);
  });
  afterAll(async () => {
    await takt.stop();
    await database.drop();
  });

  it('sums the recorded exports and the coding metrics, each once across resends', async () => {
    const r = await activity(`from=${FROM}&to=${TO}`);
    expect(r).toEqual({
      status: 200,
      body: {
        from: '2026-11-22T00:00:00.000Z',
        to: '2026-11-23T00:00:00.000Z',
        totals: {
          sessions: 4,
          // 0.147 + 0.242 + 0.141 s from the three recorded runs, 300.25 from the coding export.
          active_seconds: { user: 42.5, cli: 300.78 },
          lines: { added: 120, removed: 35 },
          commits: 2,
          pull_requests: 1,
          edit_decisions: { Edit: { accept: 3, reject: 1 }, Write: { accept: 2, reject: 0 } },
        },
      },
    });
  });

  it('groups by machine, account and day', async () => {
    const byMachine = await activity(`from=${FROM}&to=${TO}&group_by=machine`);
    const groups = byMachine.body.groups as { key: string; sessions: number; commits: number }[];
    expect(groups.map((g) => [g.key, g.sessions, g.commits])).toEqual([
      ['ci-box', 1, 2],
      ['fixture-box', 3, 0],
    ]);
    const byAccount = await activity(`from=${FROM}&to=${TO}&group_by=account`);
    expect((byAccount.body.groups as { key: string; sessions: number }[]).map((g) => [g.key, g.sessions])).toEqual([
      ['(unknown)', 3],
      ['11111111-2222-4333-8444-555555555555', 1],
    ]);
    const byDay = await activity(`from=${FROM}&to=${TO}&group_by=day&tz=Pacific/Kiritimati`);
    expect((byDay.body.groups as { key: string; sessions: number }[]).map((g) => [g.key, g.sessions])).toEqual([
      ['2026-11-23', 4],
    ]);
  });

  it('scope=team: the admin gets every person; a member gets 403', async () => {
    expect((await activity(`from=${FROM}&to=${TO}&scope=team`)).status).toBe(403);
    const team = await activity(`from=${FROM}&to=${TO}&scope=team`, adminToken);
    const people = team.body.people as { email: string; totals: { sessions: number; lines: { added: number } } }[];
    expect(people.map((p) => [p.email, p.totals.sessions, p.totals.lines.added])).toEqual([
      ['admin@example.com', 0, 0],
      ['dev@example.com', 4, 120],
      ['other@example.com', 1, 120],
    ]);
  });

  it('bad parameters answer 400 with what to fix', async () => {
    expect(await activity('group_by=model')).toEqual({
      status: 400,
      body: { error: { code: 'bad_request', message: 'group_by must be day, machine or account' } },
    });
    expect((await activity(`from=${FROM}`)).body).toEqual({
      error: { code: 'bad_request', message: 'send both from and to (ISO 8601), or neither for the last 7 days' },
    });
    // The range parser /api/export uses too (routes/usage-range-query.ts): same checks, same words.
    expect((await activity(`from=${TO}&to=${FROM}`)).body).toEqual({
      error: { code: 'bad_request', message: '`to` must be later than `from`' },
    });
    expect((await activity('tz=Mars/Olympus')).body).toEqual({
      error: { code: 'bad_request', message: 'tz must be an IANA time zone such as Europe/Berlin or UTC' },
    });
  });
});
