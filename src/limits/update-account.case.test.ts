import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { listAudit } from '../audit/list-audit.ts';
import { ensureAccountByUuid, findAccount } from '../store/accounts.ts';
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
    expect(JSON.parse(updated.limits as string)).toEqual({ five_hour: 40 });
    expect(Number(updated.team_seat)).toBe(1);
    const [entry] = await listAudit(store.db, { action: 'account.update', limit: 10 });
    expect(entry).toMatchObject({
      actor_user_id: alice,
      actor_address: '127.0.0.1',
      target_id: account,
      before: { label_set: null, plan: null, team_seat: false, limits: null },
      after: { label_set: 'work', plan: 'max', team_seat: true, limits: { five_hour: 40 } },
    });
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
