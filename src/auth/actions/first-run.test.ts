import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../../test/support/test-databases.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/store.ts';
import { insertUser } from '../../store/users.ts';
import { FirstRunGate } from './first-run.ts';

const PASSWORD = 'long enough password';

describe.each(dialects)('first run on $name', ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await create();
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('opens with a code on an empty store, refuses a wrong code, creates one admin with an audit row, then closes', async () => {
    const gate = new FirstRunGate();
    const code = (await gate.open(store)) ?? '';
    expect([code.length, await gate.isNeeded(store)]).toEqual([14, true]);
    const attempt = (setupCode: string, email: string) =>
      gate.complete(store, { setupCode, email, password: PASSWORD, address: '127.0.0.1' }).then(
        (u) => ({ email: u.email, role: u.role }),
        (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
      );
    expect(await attempt('AAAA-BBBB-CCCC', 'a@example.com')).toEqual({
      code: 'forbidden',
      message: 'wrong setup code: copy the code printed in the log of `takt serve` ("first-run setup code: …")',
    });
    // Typed without dashes and in lower case, it is the same code.
    expect(await attempt(code.replaceAll('-', ' ').toLowerCase(), 'Admin@Example.com')).toEqual({
      email: 'admin@example.com',
      role: 'admin',
    });
    expect(await attempt(code, 'b@example.com')).toEqual({
      code: 'conflict',
      message: 'this server is already set up: sign in at /login instead',
    });
    const audit = await store.db.selectFrom('audit_events').select(['action', 'actor_address']).execute();
    expect([audit, await gate.isNeeded(store)]).toEqual([
      [{ action: 'user.first_admin', actor_address: '127.0.0.1' }],
      false,
    ]);
  });

  it('has no code once a user exists', async () => {
    await insertUser(store.db, { email: 'someone@example.com' });
    const gate = new FirstRunGate();
    expect([await gate.open(store), await gate.isNeeded(store)]).toEqual([undefined, false]);
  });
});

describe.each(dialects)('first-run codes expire on $name (issue 22.12)', ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await create();
    store = await openStore(db.url);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });
  const day = 24 * 3_600_000;
  const t0 = Date.parse('2026-12-01T08:00:00Z');

  it('refuses a code after 24 hours, and a start drops the codes older than that', async () => {
    const gate = new FirstRunGate();
    const old = (await gate.open(store, t0)) ?? '';
    const attempt = (setupCode: string, now: number) =>
      gate.complete(store, { setupCode, email: 'a@example.com', password: PASSWORD, address: null }, now).then(
        (u) => ({ email: u.email }),
        (e: { code: string; message: string }) => ({ code: e.code, message: e.message }),
      );
    const late = await attempt(old, t0 + day + 1);
    const neededLate = await gate.isNeeded(store, t0 + day + 1);
    const fresh = (await gate.open(store, t0 + day + 1)) ?? '';
    const rows = await store.db.selectFrom('setup_codes').select('created_at').execute();
    expect([late, neededLate]).toEqual([
      {
        code: 'forbidden',
        message:
          'the setup code has expired (a code lasts 24 hours): restart takt serve and use the new code it prints',
      },
      false,
    ]);
    expect(rows.map((r) => Number(r.created_at))).toEqual([t0 + day + 1]);
    expect([await attempt(old, t0 + day + 2), await attempt(fresh, t0 + day + 2)]).toEqual([
      {
        code: 'forbidden',
        message: 'wrong setup code: copy the code printed in the log of `takt serve` ("first-run setup code: …")',
      },
      { email: 'a@example.com' },
    ]);
  });
});
