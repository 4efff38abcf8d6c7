import { type RawBuilder, sql } from 'kysely';
import { newId } from '../ids.ts';
import {
  type ActivityRecordsTable,
  type MachinesTable,
  type MetricSeriesTable,
  type TokenMachinesTable,
  USAGE_COLUMNS,
  type UsageRecordsTable,
} from '../schema.ts';
import { type AccountSeen, type NewAccountRow, newAccountRow } from '../telemetry.ts';
import { lookupKey } from '../telemetry-writer.ts';

/**
 * A group commit's writes on PostgreSQL in two statements instead of ten or so: one upserts the
 * batch's machines and accounts (the account cap decided in it), the other writes the planned
 * rows — series states, token_machines, usage records and the hourly sums of those inserted,
 * activity records — with data-modifying CTEs. Each statement is one round trip, and a round
 * trip (a socket write that wakes a backend, then its answer) was most of a replica's busy
 * time in the fleet benchmark (docs/benchmarks.md). Rows travel as one array per column
 * (`unnest`), so the statement's text is the same whatever the batch's size: no parameter
 * limit, nothing to split into chunks, and PostgreSQL parses a short text instead of a
 * `VALUES` list of thousands of parameters.
 *
 * Every upsert takes its rows in key order (`order by n` over the order given, or the key),
 * as the statements before did, so two replicas writing the same rows lock them in one order
 * and cannot deadlock. The same text on every replica runs its sub-statements in the same
 * order.
 */

/**
 * Runs one of these statements and returns its rows: in a transaction through Kysely, or outside
 * one as a named prepared statement (postgres-telemetry-writer.ts). `name` says which statement.
 */
export type StatementRunner = <R>(name: 'seen' | 'rows', query: RawBuilder<R>) => Promise<R[]>;

/** A column: its name, its PostgreSQL type, and how a row gives its value. */
type Column<R> = readonly [name: string, type: string, value: (row: R) => unknown];

/** `unnest($1::type[], …) with ordinality as t(<columns>, n)`: the rows as one array per column, n their place. */
function unnestOf<R>(rows: readonly R[], columns: readonly Column<R>[]): RawBuilder<unknown> {
  const arrays = sql.join(columns.map(([, type, value]) => sql`${rows.map(value)}::${sql.raw(type)}[]`));
  return sql`unnest(${arrays}) with ordinality as t(${namesOf(columns)}, n)`;
}

function namesOf(columns: readonly Column<never>[]): RawBuilder<unknown> {
  return sql.raw(columns.map(([name]) => name).join(', '));
}

/** The rows, in the order given, for an `insert … select`. */
function rowsOf<R>(rows: readonly R[], columns: readonly Column<R>[]): RawBuilder<unknown> {
  return sql`select ${namesOf(columns)} from ${unnestOf(rows, columns)} order by n`;
}

const usageColumns = USAGE_COLUMNS.map(
  (f): Column<UsageRecordsTable> => [f, f === 'cost_usd' ? 'double precision' : 'bigint', (r) => r[f]],
);

const USAGE_RECORD: readonly Column<UsageRecordsTable>[] = [
  ['user_id', 'text', (r) => r.user_id],
  ['dedupe_key', 'text', (r) => r.dedupe_key],
  ['source', 'text', (r) => r.source],
  ['ts', 'bigint', (r) => r.ts],
  ['machine_id', 'text', (r) => r.machine_id],
  ['account_id', 'text', (r) => r.account_id],
  ['session_id', 'text', (r) => r.session_id],
  ['model', 'text', (r) => r.model],
  ['request_id', 'text', (r) => r.request_id],
  ['token_id', 'text', (r) => r.token_id],
  ['account_refused', 'integer', (r) => r.account_refused ?? 0],
  ...usageColumns,
];

const ACTIVITY_RECORD: readonly Column<ActivityRecordsTable>[] = [
  ['user_id', 'text', (r) => r.user_id],
  ['dedupe_key', 'text', (r) => r.dedupe_key],
  ['ts', 'bigint', (r) => r.ts],
  ['machine_id', 'text', (r) => r.machine_id],
  ['account_id', 'text', (r) => r.account_id],
  ['session_id', 'text', (r) => r.session_id],
  ['kind', 'text', (r) => r.kind],
  ['value', 'double precision', (r) => r.value],
  ['attributes', 'text', (r) => r.attributes],
];

const SERIES_STATE: readonly Column<MetricSeriesTable>[] = [
  ['user_id', 'text', (r) => r.user_id],
  ['series_key', 'text', (r) => r.series_key],
  ['start_time_ns', 'text', (r) => r.start_time_ns],
  ['last_time_ns', 'text', (r) => r.last_time_ns],
  ['last_value', 'double precision', (r) => r.last_value],
  ['updated_at', 'bigint', (r) => r.updated_at],
];

const TOKEN_MACHINE: readonly Column<TokenMachinesTable>[] = [
  ['token_id', 'text', (r) => r.token_id],
  ['machine_id', 'text', (r) => r.machine_id],
  ['user_id', 'text', (r) => r.user_id],
  ['first_seen_at', 'bigint', (r) => r.first_seen_at],
  ['last_seen_at', 'bigint', (r) => r.last_seen_at],
];

const MACHINE: readonly Column<MachinesTable>[] = [
  ['id', 'text', (r) => r.id],
  ['user_id', 'text', (r) => r.user_id],
  ['host_name', 'text', (r) => r.host_name],
  ['first_seen_at', 'bigint', (r) => r.first_seen_at],
  ['last_seen_at', 'bigint', (r) => r.last_seen_at],
];

const ACCOUNT: readonly Column<NewAccountRow>[] = [
  ['id', 'text', (r) => r.id],
  ['user_id', 'text', (r) => r.user_id],
  ['account_key', 'text', (r) => r.account_key],
  ['account_uuid', 'text', (r) => r.account_uuid],
  ['organization_id', 'text', (r) => r.organization_id],
  ['email', 'text', (r) => r.email],
  ['first_seen_at', 'bigint', (r) => r.first_seen_at],
  ['last_seen_at', 'bigint', (r) => r.last_seen_at],
];

/** JavaScript's string order, which the statements before sorted by: code units, not a collation. */
function byKey<T>(entries: Map<string, T>): T[] {
  return [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/** The batch's machines and accounts: their ids, and the rows its write touches (last seen, account fields). */
export interface Seen {
  machines: Map<string, string>;
  accounts: Map<string, string>;
  touch: { machines: MachinesTable[]; accounts: NewAccountRow[] };
}

/**
 * Finds the ids of the batch's machines and accounts by lookupKey(user, host name) and
 * lookupKey(user, account key), making those that are new, in one statement. When all are
 * known — nearly every batch — it writes nothing, so it commits nothing and waits for no WAL
 * flush; their last-seen times are updated with the batch's rows (writePlannedRows).
 * `accountsPerUserMax`: an account the user does not have yet is made only while the user has
 * fewer (in the order given); one past it gets no id, and its usage counts toward no account
 * (TelemetryNeeds). A machine or account that another transaction made after this statement
 * began is skipped by the insert and not yet visible to its select: the statement runs again.
 */
export async function findOrMakeSeen(
  run: StatementRunner,
  needs: {
    machines: { userId: string; hostName: string }[];
    accounts: { userId: string; account: AccountSeen }[];
    accountsPerUserMax?: number | undefined;
  },
  now: number,
): Promise<Seen> {
  const machines = byKey(
    new Map(
      needs.machines.map((m) => [
        lookupKey(m.userId, m.hostName),
        { id: newId(), user_id: m.userId, host_name: m.hostName, first_seen_at: now, last_seen_at: now },
      ]),
    ),
  );
  const named = new Map(
    needs.accounts.map(({ userId, account }): [string, NewAccountRow] => [
      lookupKey(userId, account.key),
      newAccountRow(userId, account, now),
    ]),
  );
  // The cap counts new accounts in the order named (the first new ones are made).
  const accounts = [...named.values()];
  const max = needs.accountsPerUserMax ?? null;
  for (let attempt = 1; ; attempt++) {
    const rows = await run(
      'seen',
      sql<{ kind: 'm' | 'a' | 'refused'; id: string; user_id: string; name: string }>`
      with
        new_machines as (
          insert into machines (${namesOf(MACHINE)})
          ${rowsOf(machines, MACHINE)}
          on conflict (user_id, host_name) do nothing
          returning id, user_id, host_name
        ),
        numbered as (
          select t.*,
            exists (select 1 from accounts e where e.user_id = t.user_id and e.account_key = t.account_key) as known
          from ${unnestOf(accounts, ACCOUNT)}
        ),
        kept as (
          select * from (
            select numbered.*,
              row_number() over (partition by user_id, known order by n) as nth,
              (select count(*) from accounts c where c.user_id = numbered.user_id) as had
            from numbered
          ) x
          where known or ${max}::bigint is null or had + nth <= ${max}::bigint
        ),
        new_accounts as (
          insert into accounts (${namesOf(ACCOUNT)})
          select ${namesOf(ACCOUNT)} from kept where not known
          order by user_id collate "C", account_key collate "C"
          on conflict (user_id, account_key) do nothing
          returning id, user_id, account_key
        )
      select 'm' as kind, id, user_id, host_name as name from new_machines
      union all
      select 'm', m.id, m.user_id, m.host_name
        from ${unnestOf(machines, MACHINE)}
        -- One index lookup per machine named (offset 0 keeps the planner from turning this into
        -- a scan of every machine joined by hash, which it prefers while the table is small).
        cross join lateral (
          select id, user_id, host_name from machines where user_id = t.user_id and host_name = t.host_name offset 0
        ) m
      union all
      select 'a', id, user_id, account_key from new_accounts
      union all
      select 'a', e.id, e.user_id, e.account_key
        from kept join accounts e on e.user_id = kept.user_id and e.account_key = kept.account_key
        where kept.known
      union all
      select 'refused', '', user_id, account_key from numbered
        where not exists (select 1 from kept where kept.user_id = numbered.user_id and kept.account_key = numbered.account_key)`,
    );
    const seen: Seen = { machines: new Map(), accounts: new Map(), touch: { machines: [], accounts: [] } };
    const refused = new Set<string>();
    for (const r of rows) {
      const key = lookupKey(r.user_id, r.name);
      if (r.kind === 'refused') refused.add(key);
      else (r.kind === 'm' ? seen.machines : seen.accounts).set(key, r.id);
    }
    const complete =
      machines.every((m) => seen.machines.has(lookupKey(m.user_id, m.host_name))) &&
      [...named.keys()].every((k) => seen.accounts.has(k) || refused.has(k));
    if (complete) {
      seen.touch.machines = machines;
      seen.touch.accounts = byKey(new Map([...named].filter(([k]) => seen.accounts.has(k))));
      return seen;
    }
    if (attempt === 3) throw new Error('machines or accounts made by another transaction are still not visible');
  }
}

/** The planned rows of a group commit, as the writer hands them over. */
export interface PlannedRows {
  usage: UsageRecordsTable[];
  activity: ActivityRecordsTable[];
  series: MetricSeriesTable[];
  tokenMachines: TokenMachinesTable[];
}

const HOURLY_KEY = ['user_id', 'hour', 'session_id', 'model', 'source', 'machine_id', 'account_id'];

/**
 * Writes the planned rows in one statement: the machines' and accounts' last-seen times (and
 * the account fields the batch names), series states and token_machines upserted, usage
 * and activity records inserted once by key (a key or request id stored before is skipped), and
 * the inserted usage added to its hours. Returns the keys of the records inserted, as
 * lookupKey(user, dedupe key).
 */
export async function writePlannedRows(
  run: StatementRunner,
  touch: Seen['touch'],
  rows: PlannedRows,
): Promise<{ usage: Set<string>; activity: Set<string> }> {
  const tokenMachines = new Map<string, TokenMachinesTable>();
  for (const r of rows.tokenMachines) {
    const k = lookupKey(r.token_id, r.machine_id);
    const seen = tokenMachines.get(k);
    if (!seen) tokenMachines.set(k, { ...r });
    else {
      seen.first_seen_at = Math.min(seen.first_seen_at, r.first_seen_at);
      seen.last_seen_at = Math.max(seen.last_seen_at, r.last_seen_at);
    }
  }
  const usageNames = namesOf(USAGE_RECORD);
  const sums = sql.raw(USAGE_COLUMNS.map((f) => (f === 'cost_usd' ? `sum(${f})` : `sum(${f})::bigint`)).join(', '));
  const added = sql.raw(USAGE_COLUMNS.map((f) => `${f} = usage_hourly.${f} + excluded.${f}`).join(', '));
  const textKey = (c: string) => (c === 'hour' ? c : `${c} collate "C"`);
  const result = await run(
    'rows',
    sql<{ kind: 'u' | 'a'; user_id: string; dedupe_key: string }>`
    with
      machines_seen as (
        insert into machines (${namesOf(MACHINE)})
        ${rowsOf(touch.machines, MACHINE)}
        on conflict (user_id, host_name) do update set last_seen_at =
          case when machines.last_seen_at > excluded.last_seen_at then machines.last_seen_at else excluded.last_seen_at end
      ),
      accounts_seen as (
        insert into accounts (${namesOf(ACCOUNT)})
        ${rowsOf(touch.accounts, ACCOUNT)}
        on conflict (user_id, account_key) do update set
          last_seen_at = case when accounts.last_seen_at > excluded.last_seen_at then accounts.last_seen_at else excluded.last_seen_at end,
          account_uuid = coalesce(excluded.account_uuid, accounts.account_uuid),
          organization_id = coalesce(excluded.organization_id, accounts.organization_id),
          email = coalesce(excluded.email, accounts.email)
      ),
      series as (
        insert into metric_series (${namesOf(SERIES_STATE)})
        ${rowsOf(rows.series, SERIES_STATE)}
        on conflict (user_id, series_key) do update set start_time_ns = excluded.start_time_ns,
          last_time_ns = excluded.last_time_ns, last_value = excluded.last_value, updated_at = excluded.updated_at
      ),
      seen as (
        insert into token_machines (${namesOf(TOKEN_MACHINE)})
        ${rowsOf(byKey(tokenMachines), TOKEN_MACHINE)}
        on conflict (token_id, machine_id) do update set last_seen_at =
          case when token_machines.last_seen_at > excluded.last_seen_at then token_machines.last_seen_at else excluded.last_seen_at end
      ),
      new_usage as (
        insert into usage_records (${usageNames})
        ${rowsOf(rows.usage, USAGE_RECORD)}
        on conflict do nothing
        returning ${usageNames}
      ),
      hourly as (
        insert into usage_hourly (${sql.raw(HOURLY_KEY.join(', '))}, records, ${sql.raw(USAGE_COLUMNS.join(', '))})
        select user_id, ts - ((ts % 3600000) + 3600000) % 3600000 as hour, session_id, model, source, machine_id,
          account_id, count(*), ${sums}
        from new_usage
        group by 1, 2, 3, 4, 5, 6, 7
        order by ${sql.raw(HOURLY_KEY.map(textKey).join(', '))}
        on conflict (${sql.raw(HOURLY_KEY.join(', '))}) do update set records = usage_hourly.records + excluded.records, ${added}
      ),
      new_activity as (
        insert into activity_records (${namesOf(ACTIVITY_RECORD)})
        ${rowsOf(rows.activity, ACTIVITY_RECORD)}
        on conflict (user_id, dedupe_key) do nothing
        returning user_id, dedupe_key
      )
    select 'u' as kind, user_id, dedupe_key from new_usage
    union all
    select 'a' as kind, user_id, dedupe_key from new_activity`,
  );
  const out = { usage: new Set<string>(), activity: new Set<string>() };
  for (const r of result) (r.kind === 'u' ? out.usage : out.activity).add(lookupKey(r.user_id, r.dedupe_key));
  return out;
}
