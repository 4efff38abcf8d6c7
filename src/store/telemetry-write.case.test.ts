import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { emptyUsage, USAGE_FIELDS } from '../lib/usage-counts.ts';
import { openStore } from './open-store.ts';
import type { ActivityRecordsTable, UsageHourlyTable, UsageRecordsTable } from './schema.ts';
import type { Store } from './store.ts';
import { HOUR_MS, sumHourly } from './telemetry.ts';
import type { TelemetryLookups, TelemetryNeeds, TelemetryPlan } from './telemetry-writer.ts';
import { insertUser } from './users.ts';

/**
 * The store's telemetry write (`writeTelemetry`: one call per group commit) on SQLite and on a
 * real PostgreSQL, where a batch is two statements with its rows as one array per column
 * (postgres/telemetry-statements.ts). What is stored must be what was planned, value for value,
 * and both stores must answer alike.
 */
const T0 = Date.UTC(2026, 11, 7, 9, 30, 0);
// Text that an array literal must escape: quotes, backslashes, braces, commas, spaces, the word
// NULL, an empty string and characters outside ASCII.
const ODD = ['a"b', 'c\\d', '{e,f}', ' g ', 'NULL', '', 'Zürich ☃ 𝄞', "o'k", 'tab\there'];

// pg warns (once per process) of a query sent on a client still running another: open-postgres.ts
// once sent a `set` on connect that raced the pool's first query. Collected from the file's start.
const warnings: string[] = [];
process.on('warning', (w) => warnings.push(w.message));

const noNeeds = (): TelemetryNeeds => ({ machines: [], accounts: [], series: [] });

function usageRow(userId: string, i: number, over: Partial<UsageRecordsTable> = {}): UsageRecordsTable {
  const row: UsageRecordsTable = {
    user_id: userId,
    dedupe_key: `k${String(i).padStart(5, '0')}:${ODD[i % ODD.length]}`,
    source: i % 3 === 0 ? 'event' : 'metric',
    ts: T0 + i * 10_000,
    machine_id: `m-${ODD[i % 4]}`,
    account_id: i % 5 === 0 ? '' : 'acct-1',
    session_id: `s-${i % 3}`,
    model: i % 2 ? 'claude-opus-4-5' : 'claude-sonnet-4-5',
    request_id: i % 3 === 0 ? `req_${i}` : null,
    token_id: 'tok',
    ...emptyUsage(),
    input_tokens: 1_000 + i,
    output_tokens: 17 * i,
    cache_read_tokens: i === 7 ? 123_456_789_012 : 40_000 + i,
    cache_creation_tokens: 3 * i,
    cache_creation_5m_tokens: 2 * i,
    cache_creation_1h_tokens: i,
    cost_usd: i % 2 ? 0.1 : 0.2,
  };
  return { ...row, ...over };
}

function activityRow(userId: string, i: number): ActivityRecordsTable {
  return {
    user_id: userId,
    dedupe_key: `a${String(i).padStart(4, '0')}`,
    ts: T0 + i * 1_000,
    machine_id: 'm-1',
    account_id: 'acct-1',
    session_id: 's-0',
    kind: 'tool_result',
    value: i + 0.25,
    attributes: JSON.stringify({ tool_name: ODD[i % ODD.length], note: 'a "quoted" \\ value' }),
  };
}

const plan = (p: Partial<TelemetryPlan>) => (): TelemetryPlan => ({
  usage: [],
  activity: [],
  series: [],
  tokenMachines: [],
  ...p,
});

describe.each(dialects)('telemetry writes on $name', ({ name, create }) => {
  let database: TestDatabase;
  let store: Store;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    database = await create();
    store = await openStore(database.url);
    alice = (await insertUser(store.db, { email: 'alice@example.com' })).id;
    bob = (await insertUser(store.db, { email: 'bob@example.com' })).id;
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  const storedUsage = (userId: string) =>
    store.db.selectFrom('usage_records').selectAll().where('user_id', '=', userId).orderBy('dedupe_key').execute();
  const storedHours = (userId: string) =>
    store.db
      .selectFrom('usage_hourly')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('hour')
      .orderBy('session_id')
      .execute();
  type HourKey = Pick<UsageHourlyTable, 'hour' | 'session_id' | 'model' | 'source' | 'machine_id' | 'account_id'>;
  const hourKey = (h: HourKey) => [h.hour, h.session_id, h.model, h.source, h.machine_id, h.account_id].join('\u0000');
  // Dollars summed in another order may differ in the last bit: compared to the nano-dollar.
  const byHourKey = <T extends HourKey & { cost_usd: number }>(rows: T[]) =>
    [...rows]
      .sort((a, b) => (hourKey(a) < hourKey(b) ? -1 : 1))
      .map((h) => ({ ...h, cost_usd: Math.round(h.cost_usd * 1e9) }));

  it('stores each planned row once, value for value, and adds only the new ones to their hours', async () => {
    // More rows than one multi-row statement used to take (400), over several hours.
    const first = Array.from({ length: 450 }, (_, i) => usageRow(alice, i));
    const activity = Array.from({ length: 30 }, (_, i) => activityRow(alice, i));
    const written = await store.writeTelemetry(noNeeds(), plan({ usage: first, activity }), T0);
    expect(written.usage.size).toBe(450);
    expect(written.activity.size).toBe(30);

    const norm = (r: UsageRecordsTable) => ({ ...r, account_refused: r.account_refused ?? 0 });
    expect(await storedUsage(alice)).toEqual(first.map(norm).sort((a, b) => (a.dedupe_key < b.dedupe_key ? -1 : 1)));
    expect(
      await store.db
        .selectFrom('activity_records')
        .selectAll()
        .where('user_id', '=', alice)
        .orderBy('dedupe_key')
        .execute(),
    ).toEqual(activity);
    const hours = await storedHours(alice);
    expect(byHourKey(hours)).toEqual(byHourKey(sumHourly(first)));
    expect(new Set(hours.map((h) => h.hour)).size).toBeGreaterThan(1);
    expect(hours.reduce((n, h) => n + h.records, 0)).toBe(450);

    // Again, with new rows among the old ones, one new key whose request id is stored (another
    // source's copy of one request), and one key twice in the batch's activity.
    const fresh = Array.from({ length: 5 }, (_, i) => usageRow(alice, 1_000 + i));
    const sameRequest = usageRow(alice, 2_000, { request_id: 'req_3' });
    const again = await store.writeTelemetry(
      noNeeds(),
      plan({
        usage: [...first.slice(0, 100), ...fresh, sameRequest],
        activity: [...activity.slice(0, 3), activityRow(alice, 99)],
      }),
      T0,
    );
    expect([...again.usage]).toEqual(fresh);
    expect([...again.activity].map((a) => a.dedupe_key)).toEqual(['a0099']);
    const afterHours = await storedHours(alice);
    expect(byHourKey(afterHours)).toEqual(byHourKey(sumHourly([...first, ...fresh])));
    for (const f of USAGE_FIELDS) {
      expect(afterHours.reduce((n, h) => n + h[f], 0)).toBeCloseTo(
        [...first, ...fresh].reduce((n, r) => n + r[f], 0),
        6,
      );
    }
    expect(await storedUsage(bob)).toEqual([]);
  });

  it('stores each row once when two replicas write the same batches at the same time', async () => {
    const carol = (await insertUser(store.db, { email: 'carol@example.com' })).id;
    const other = await openStore(database.url);
    try {
      const rows = Array.from({ length: 120 }, (_, i) => usageRow(carol, 3_000 + i));
      // Each batch a window of the rows, overlapping its neighbours; both replicas write all of them.
      const batches = Array.from({ length: 8 }, (_, b) => rows.slice(b * 12, b * 12 + 36));
      const needs = (): TelemetryNeeds => ({
        machines: [
          { userId: carol, hostName: 'one' },
          { userId: carol, hostName: 'two' },
        ],
        accounts: [{ userId: carol, account: { key: 'acc', accountUuid: 'acc', organizationId: null, email: null } }],
        series: [],
        accountsPerUserMax: 20,
      });
      // Machines and accounts new to both replicas at once: each row carries the ids they found.
      const placed = (lookups: TelemetryLookups) =>
        plan({
          usage: rows.map((r, i) => ({
            ...r,
            machine_id: lookups.machineId(carol, i % 2 ? 'one' : 'two'),
            account_id: lookups.accountId(carol, 'acc'),
          })),
        })();
      const written = await Promise.all(
        [store, other].flatMap((s) =>
          batches.map((b) =>
            s.writeTelemetry(
              needs(),
              (lookups) => {
                const all = placed(lookups);
                return { ...all, usage: all.usage.filter((r) => b.some((x) => x.dedupe_key === r.dedupe_key)) };
              },
              T0,
            ),
          ),
        ),
      );
      expect(written.reduce((n, w) => n + w.usage.size, 0)).toBe(rows.length);
      const stored = await storedUsage(carol);
      expect(stored.length).toBe(rows.length);
      const machines = await store.db
        .selectFrom('machines')
        .select(['id', 'host_name'])
        .where('user_id', '=', carol)
        .orderBy('host_name')
        .execute();
      expect(machines.map((m) => m.host_name)).toEqual(['one', 'two']);
      const accounts = await store.db.selectFrom('accounts').select('id').where('user_id', '=', carol).execute();
      expect(accounts.length).toBe(1);
      expect(stored.filter((r) => r.account_id !== accounts[0]?.id)).toEqual([]);
      expect(stored.filter((r) => !machines.some((m) => m.id === r.machine_id))).toEqual([]);
      expect(byHourKey(await storedHours(carol))).toEqual(byHourKey(sumHourly(stored)));
      expect((await storedHours(carol)).reduce((n, h) => n + h.records, 0)).toBe(rows.length);
    } finally {
      await other.close();
    }
  });

  // A machine another transaction makes while a batch's lookup runs: the lookup's insert waits for
  // it and then skips the row, which its own snapshot cannot see yet; the lookup runs again.
  it.runIf(name === 'postgres')(
    'finds a machine that another transaction made while the batch looked it up',
    async () => {
      const erin = (await insertUser(store.db, { email: 'erin@example.com' })).id;
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('begin');
        await other.query(
          `insert into machines (id, user_id, host_name, first_seen_at, last_seen_at) values ('made-elsewhere', $1, 'box', 1, 1)`,
          [erin],
        );
        let found = '';
        const writing = store.writeTelemetry(
          { machines: [{ userId: erin, hostName: 'box' }], accounts: [], series: [] },
          (lookups) => {
            found = lookups.machineId(erin, 'box');
            return plan({ usage: [usageRow(erin, 1, { machine_id: found })] })();
          },
          T0,
        );
        // The batch's lookup is now waiting on the uncommitted row.
        await new Promise((r) => setTimeout(r, 300));
        expect(found).toBe('');
        await other.query('commit');
        const written = await writing;
        expect(found).toBe('made-elsewhere');
        expect(written.usage.size).toBe(1);
        const machine = await store.db
          .selectFrom('machines')
          .select(['id', 'last_seen_at'])
          .where('user_id', '=', erin)
          .executeTakeFirstOrThrow();
        expect(machine).toEqual({ id: 'made-elsewhere', last_seen_at: T0 });
      } finally {
        await other.end();
      }
    },
  );

  // The named statements of telemetry-statements.ts must be planned for each batch's values on
  // every connection of the pool, from its first query (a generic plan scanned every machine).
  it.runIf(name === 'postgres')(
    'plans each statement for its values on every connection, set as the connection starts',
    async () => {
      const fresh = await openStore(database.url, { maxConnections: 4 });
      try {
        const modes = await Promise.all(
          Array.from({ length: 8 }, () =>
            sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(fresh.db).then((r) => r.rows[0]),
          ),
        );
        expect(modes).toEqual(Array.from({ length: 8 }, () => ({ plan_cache_mode: 'force_custom_plan' })));
        expect(warnings.filter((w) => w.includes('already executing a query'))).toEqual([]);
      } finally {
        await fresh.close();
      }
    },
  );

  // docs/operations.md recommends the socket when PostgreSQL runs beside the replicas.
  const socketUrl = inject('postgresSocketUrl');
  it.runIf(name === 'postgres' && socketUrl !== '')(
    "reaches PostgreSQL through its Unix socket when the URL names the socket's folder",
    async () => {
      // No host in the URL (WHATWG URL cannot hold that): the database's name replaced as text.
      const url = socketUrl.replace('/postgres?', `${new URL(database.url).pathname}?`);
      const viaSocket = await openStore(url, { migrate: false, maxConnections: 2 });
      try {
        const row = await sql<{ addr: string | null; mode: string }>`
          select inet_server_addr() as addr, current_setting('plan_cache_mode') as mode`.execute(viaSocket.db);
        // A Unix-socket connection has no server address.
        expect(row.rows).toEqual([{ addr: null, mode: 'force_custom_plan' }]);
        const written = await viaSocket.writeTelemetry(noNeeds(), plan({ usage: [usageRow(alice, 90_001)] }), T0);
        expect(written.usage.size).toBe(1);
      } finally {
        await viaSocket.close();
      }
    },
  );

  it('writes an empty batch without error', async () => {
    const written = await store.writeTelemetry(noNeeds(), plan({}), T0);
    expect(written.usage.size + written.activity.size).toBe(0);
  });

  it('makes new accounts up to the cap in the order named, keeps the later of two times, and counts past the cap toward no account', async () => {
    const account = (key: string, email: string | null) => ({
      key,
      accountUuid: key,
      organizationId: null,
      email,
    });
    const seen: TelemetryLookups[] = [];
    const see = (lookups: TelemetryLookups) => {
      seen.push(lookups);
      return plan({})();
    };
    await store.writeTelemetry(
      {
        machines: [{ userId: bob, hostName: 'a"b' }],
        accounts: [
          { userId: bob, account: account('old-1', 'bob@x.com') },
          { userId: bob, account: account('old-2', null) },
        ],
        series: [],
        accountsPerUserMax: 3,
      },
      see,
      T0 + 60_000,
    );
    await store.writeTelemetry(
      {
        machines: [
          { userId: bob, hostName: 'a"b' },
          { userId: bob, hostName: 'zeta' },
          { userId: alice, hostName: 'a"b' },
        ],
        accounts: [
          { userId: bob, account: account('new-z', null) },
          { userId: bob, account: account('old-2', 'two@x.com') },
          { userId: bob, account: account('new-a', null) },
          { userId: bob, account: account('old-1', null) },
        ],
        series: [],
        accountsPerUserMax: 3,
      },
      see,
      T0, // earlier than the first batch: last_seen_at stays the later time
    );
    const [one, two] = seen as [TelemetryLookups, TelemetryLookups];
    expect(two.machineId(bob, 'a"b')).toBe(one.machineId(bob, 'a"b'));
    expect(two.machineId(bob, 'zeta')).not.toBe('');
    expect(two.machineId(alice, 'a"b')).not.toBe(two.machineId(bob, 'a"b'));
    expect(two.accountId(bob, 'old-1')).toBe(one.accountId(bob, 'old-1'));
    expect(two.accountId(bob, 'new-z')).not.toBe('');
    expect(two.accountId(bob, 'new-a')).toBe('');
    const accounts = await store.db
      .selectFrom('accounts')
      .select(['account_key', 'email', 'last_seen_at'])
      .where('user_id', '=', bob)
      .orderBy('account_key')
      .execute();
    expect(accounts).toEqual([
      { account_key: 'new-z', email: null, last_seen_at: T0 },
      { account_key: 'old-1', email: 'bob@x.com', last_seen_at: T0 + 60_000 },
      { account_key: 'old-2', email: 'two@x.com', last_seen_at: T0 + 60_000 },
    ]);
    const machine = await store.db
      .selectFrom('machines')
      .select(['first_seen_at', 'last_seen_at'])
      .where('user_id', '=', bob)
      .where('host_name', '=', 'a"b')
      .executeTakeFirstOrThrow();
    expect(machine).toEqual({ first_seen_at: T0 + 60_000, last_seen_at: T0 + 60_000 });
  });

  it('keeps the later time of each token and machine, and the states of cumulative series for the next batch', async () => {
    const tm = (last: number) => ({
      token_id: 'tok-1',
      machine_id: 'm-1',
      user_id: bob,
      first_seen_at: last,
      last_seen_at: last,
    });
    const state = (value: number) => ({
      user_id: bob,
      series_key: 'series "1"',
      start_time_ns: '1000',
      last_time_ns: String(2000 + value),
      last_value: value,
      updated_at: T0,
    });
    await store.writeTelemetry(noNeeds(), plan({ tokenMachines: [tm(T0 + 5), tm(T0 + 9)], series: [state(1.5)] }), T0);
    await store.writeTelemetry(noNeeds(), plan({ tokenMachines: [tm(T0 + 7)] }), T0);
    expect(
      await store.db
        .selectFrom('token_machines')
        .select(['first_seen_at', 'last_seen_at'])
        .where('user_id', '=', bob)
        .execute(),
    ).toEqual([{ first_seen_at: T0 + 5, last_seen_at: T0 + 9 }]);
    let found: unknown;
    await store.writeTelemetry(
      { ...noNeeds(), series: [{ userId: bob, seriesKey: 'series "1"' }] },
      (lookups) => {
        found = lookups.seriesState(bob, 'series "1"');
        return plan({ series: [state(4)] })();
      },
      T0,
    );
    expect(found).toEqual(state(1.5));
    expect(await store.db.selectFrom('metric_series').selectAll().where('user_id', '=', bob).execute()).toEqual([
      state(4),
    ]);
  });

  it('replaces a transcript record sent again with larger figures and adds the difference to its hour', async () => {
    const t = (output: number) =>
      usageRow(bob, 7_000, { source: 'transcript', request_id: 'req_t', output_tokens: output, cost_usd: 0 });
    const first = await store.writeTelemetry(noNeeds(), plan({ usage: [t(10)] }), T0);
    expect(first.usage.size).toBe(1);
    const smaller = await store.writeTelemetry(noNeeds(), plan({ usage: [t(5)] }), T0);
    expect(smaller.usage.size).toBe(0);
    const larger = await store.writeTelemetry(noNeeds(), plan({ usage: [t(25)] }), T0);
    expect(larger.usage.size).toBe(1);
    const [row] = await store.db
      .selectFrom('usage_records')
      .select(['output_tokens'])
      .where('user_id', '=', bob)
      .where('request_id', '=', 'req_t')
      .execute();
    expect(row?.output_tokens).toBe(25);
    const hour = Math.floor(t(0).ts / HOUR_MS) * HOUR_MS;
    const [sum] = await store.db
      .selectFrom('usage_hourly')
      .select(['records', 'output_tokens'])
      .where('user_id', '=', bob)
      .where('source', '=', 'transcript')
      .where('hour', '=', hour)
      .execute();
    expect(sum).toEqual({ records: 1, output_tokens: 25 });
  });

  it('adds an upgrade to its hour once when two replicas upgrade the same record at the same time', async () => {
    const dave = (await insertUser(store.db, { email: 'dave@example.com' })).id;
    const other = await openStore(database.url);
    try {
      const t = (i: number, output: number) =>
        usageRow(dave, 8_000 + i, {
          source: 'transcript',
          request_id: `req_u${i}`,
          output_tokens: output,
          cost_usd: 0,
        });
      const records = Array.from({ length: 20 }, (_, i) => i);
      await store.writeTelemetry(noNeeds(), plan({ usage: records.map((i) => t(i, 10)) }), T0);
      // The same larger figures uploaded twice at once (a retry that overtook its original).
      const written = await Promise.all(
        [store, other, store, other, store, other].map((s) =>
          s.writeTelemetry(noNeeds(), plan({ usage: records.map((i) => t(i, 25)) }), T0),
        ),
      );
      expect(written.reduce((n, w) => n + w.usage.size, 0)).toBe(records.length);
      const hours = await storedHours(dave);
      expect(hours.reduce((n, h) => n + h.output_tokens, 0)).toBe(25 * records.length);
      expect(hours.reduce((n, h) => n + h.records, 0)).toBe(records.length);
    } finally {
      await other.close();
    }
  });
});
