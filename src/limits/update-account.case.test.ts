import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { listAudit } from '../audit/list-audit.ts';
import {
  type AccountRow,
  ensureAccountByUuid,
  findAccount,
  findAccountByUuid,
  listAccounts,
  listAllAccounts,
  updateAccountSettings,
} from '../store/accounts.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { insertUser } from '../store/users.ts';
import { updateAccount } from './update-account.ts';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

describe.each(dialects)('updateAccount on $name', ({ create }) => {
  let database: TestDatabase;
  let store: Store;
  let alice: string;
  let bob: string;
  let account: string;

  beforeAll(async () => {
    database = await create();
    store = await openStore(database.url);
    alice = (await insertUser(store.db, { email: 'alice@example.com' })).id;
    bob = (await insertUser(store.db, { email: 'bob@example.com' })).id;
    account = (await ensureAccountByUuid(store.db, alice, 'acc-alice-1', T0)) as string;
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('changes what the owner sends, keeps the rest, and audits before and after', async () => {
    const updated = await updateAccount(store, {
      actor: { userId: alice, admin: false, address: '127.0.0.1' },
      id: account,
      patch: { label: 'work', plan: 'max', limits: { five_hour: 40 }, team_seat: true },
    });
    expect(updated.label).toBe('work');
    expect(updated.plan).toBe('max');
    // Issue 20.4: parsed JSON and a boolean, not text and 0/1, on both databases.
    expect(updated.limits).toEqual({ five_hour: 40 });
    expect(updated.team_seat).toBe(true);
    const [entry] = await listAudit(store.db, { action: 'account.update', limit: 10 });
    expect(entry).toMatchObject({
      actor_user_id: alice,
      actor_address: '127.0.0.1',
      target_id: account,
      before: { label_set: null, plan: null, team_seat: false, limits: null },
      after: { label_set: 'work', plan: 'max', team_seat: true, limits: { five_hour: 40 } },
    });
  });

  it('answers settings parsed from every read: JSON objects, a boolean seat, numbers', async () => {
    const other = (await ensureAccountByUuid(store.db, bob, 'acc-bob-1', T0)) as string;
    await updateAccountSettings(store.db, other, {
      weekly_reset: { weekday: 3, hour: 9, time_zone: 'Europe/Berlin' },
      month_start_day: 15,
      per_seat_cap: 250.5,
    });
    const expected = {
      limits: null,
      weekly_reset: { weekday: 3, hour: 9, time_zone: 'Europe/Berlin' },
      team_seat: false,
      month_start_day: 15,
      per_seat_cap: 250.5,
      first_seen_at: T0,
    };
    const pick = (a: AccountRow | undefined) => ({
      limits: a?.limits,
      weekly_reset: a?.weekly_reset,
      team_seat: a?.team_seat,
      month_start_day: a?.month_start_day,
      per_seat_cap: a?.per_seat_cap,
      first_seen_at: a?.first_seen_at,
    });
    expect(pick(await findAccount(store.db, other))).toEqual(expected);
    expect(pick(await findAccountByUuid(store.db, bob, 'acc-bob-1'))).toEqual(expected);
    expect((await listAccounts(store.db, bob)).map(pick)).toEqual([expected]);
    expect((await listAllAccounts(store.db)).find((a) => a.id === other)?.weekly_reset).toEqual(expected.weekly_reset);
    // Text written into the database by hand that is not JSON reads as "not set", not a failure.
    await store.db.updateTable('accounts').set({ limits: '{five_hour' }).where('id', '=', other).execute();
    expect((await findAccount(store.db, other))?.limits).toBeNull();
  });

  it('tells another member the account does not exist and changes nothing; an admin may change it', async () => {
    await expect(
      updateAccount(store, { actor: { userId: bob, admin: false, address: null }, id: account, patch: { label: 'x' } }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect((await findAccount(store.db, account))?.label).toBe('work');
    await updateAccount(store, {
      actor: { userId: bob, admin: true, address: null },
      id: account,
      patch: { label: null },
    });
    expect((await findAccount(store.db, account))?.label).toBeNull();
    expect((await listAudit(store.db, { action: 'account.update', limit: 10 })).length).toBe(2);
  });
});
