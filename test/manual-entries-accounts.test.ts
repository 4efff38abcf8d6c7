import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateAccountSettings } from '../src/store/accounts.ts';
import { touchAccount } from '../src/store/telemetry.ts';
import { TestClient } from './support/http-client.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

/**
 * Manual entries belong to an account and have a date within ingest's rule (issues 19.5,
 * 22.13); usage groups by account identity and the team total is per unit (issue 19.10).
 */
let takt: TestTakt;
let dev: TestClient;
let admin: TestClient;
const ids: Record<string, string> = {};
const now = Date.now();

beforeAll(async () => {
  takt = await startTakt();
  dev = new TestClient(takt.directUrl, takt.token);
  const db = takt.server.context.store.db;
  const seen = (key: string, email: string, org: string | null, at: number) =>
    touchAccount(db, takt.userId, { key, accountUuid: key, organizationId: org, email }, at);
  // Two accounts share one email (a personal Max and a team seat in another organization).
  ids.personal = await seen('acct-personal-0001', 'dev@example.com', 'org-home', now - 3_600_000);
  ids.seat = await seen('acct-seat-0002', 'dev@example.com', 'org-work', now - 60_000);
  await updateAccountSettings(db, ids.personal, { label: 'Personal Max' });
  await updateAccountSettings(db, ids.seat, { team_seat: true, per_seat_cap: 1000, unit: 'tokens' });
  const a = await takt.addUser('admin@example.com');
  await db.updateTable('users').set({ role: 'admin' }).where('id', '=', a.userId).execute();
  admin = new TestClient(takt.directUrl, a.token);
});
afterAll(() => takt.stop());

const messageOf = (r: { body: { error: { message: string } } }) => r.body.error.message;

describe('manual entries: their date (22.13)', () => {
  it('refuses times outside ingest’s rule with 400 and the range, never 500', async () => {
    const answers = await Promise.all(
      [1, 8_640_000_000_000_000, 1e300, 'yesterday'].map((at) =>
        dev.call('POST', '/api/session', { input: 1, output: 1, at }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400]);
    expect(messageOf(answers[0] as never)).toBe(
      "at must be from 2020-01-01 to 30 days after the server's clock, got 1970-01-01T00:00:00.001Z: check the sender's clock; send an ISO 8601 time or epoch milliseconds, or leave it out for now",
    );
    expect(messageOf(answers[2] as never)).toBe(
      "at must be from 2020-01-01 to 30 days after the server's clock, got 1e+300: check the sender's clock; send an ISO 8601 time or epoch milliseconds, or leave it out for now",
    );
    expect(messageOf(answers[3] as never)).toBe(
      'at "yesterday" is not a time: send an ISO 8601 time or epoch milliseconds, or leave it out for now',
    );
  });
});

describe('manual entries: their account (19.5)', () => {
  it('goes to the named account (label or uuid), else the most recently active, and says which', async () => {
    const byLabel = await dev.call('POST', '/api/manual-entries', { input: 10, output: 5, account: 'personal max' });
    const byUuid = await dev.call('POST', '/api/session', { input: 1000, output: 588, account: 'acct-seat-0002' });
    const byDefault = await dev.call('POST', '/api/session', { input: 2, output: 3 });
    const unknown = await dev.call('POST', '/api/session', { input: 2, output: 3, account: 'nope' });
    expect([byLabel.status, byLabel.body.account_id, byLabel.body.account.chosen_by]).toEqual([
      201,
      ids.personal,
      'given',
    ]);
    expect([byUuid.body.account_id, byUuid.body.account.chosen_by]).toEqual([ids.seat, 'given']);
    expect([byDefault.body.account_id, byDefault.body.account.chosen_by]).toEqual([ids.seat, 'most_recently_active']);
    expect([unknown.status, messageOf(unknown as never)]).toEqual([
      404,
      "no account 'nope' of yours: give its uuid or label from GET /api/accounts, or leave account out",
    ]);
  });

  it('has an unknown cost without a model (null, never $0)', async () => {
    const r = await dev.call('POST', '/api/session', {
      input: 7,
      output: 7,
      account: 'Personal Max',
      note: 'no model',
    });
    expect([r.body.cost_usd, r.body.model]).toEqual([null, null]);
  });

  it('counts toward that account’s windows', async () => {
    const me = await dev.call('GET', '/api/me/usage');
    const used = (id: string) =>
      me.body.accounts.find((a: { id: string }) => a.id === id)?.windows.monthly.used_tokens as number;
    // personal: 10 + 5 + 7 + 7; seat: 1000 + 588 + 2 + 3.
    expect([used(ids.personal as string), used(ids.seat as string)]).toEqual([29, 1593]);
  });
});

describe('groupings (19.10)', () => {
  it('group_by=account: accounts sharing an email are groups of their own, told apart', async () => {
    await touchAccount(
      takt.server.context.store.db,
      takt.userId,
      { key: 'acct-third-0003', accountUuid: 'acct-third-0003', organizationId: 'org-work', email: 'dev@example.com' },
      now - 7_200_000,
    );
    await dev.call('POST', '/api/session', { input: 40, output: 1, account: 'acct-third-0003' });
    const range = `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 86_400_000).toISOString()}`;
    const r = await dev.call('GET', `/api/usage?${range}&group_by=account`);
    expect(
      r.body.groups.map((g: { key: string; name: string; input_tokens: number }) => [g.key, g.name, g.input_tokens]),
    ).toEqual([
      ['acct-personal-0001', 'Personal Max', 17],
      ['acct-seat-0002', 'dev@example.com (…eat-0002)', 1002],
      ['acct-third-0003', 'dev@example.com (…ird-0003)', 40],
    ]);
  });

  it('/api/admin/usage totals each unit on its own: a token seat over 100 %', async () => {
    const r = await admin.call('GET', '/api/admin/usage');
    expect(r.body.team.by_unit).toEqual([{ unit: 'tokens', seats: 1, used: 1593, cap: 1000, utilization: 159.3 }]);
    expect(
      r.body.seats
        .filter((s: { team_seat: boolean }) => s.team_seat)
        .map((s: { unit: string; seat_utilization: number }) => [s.unit, s.seat_utilization]),
    ).toEqual([['tokens', 159.3]]);
    expect(r.body.team.note).toBe(
      'over 100%: per-seat caps are per seat, and seats that use less do not lend their room to others, so the team total can pass the sum of caps',
    );
  });
});
