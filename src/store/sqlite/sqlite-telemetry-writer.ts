import type SqliteDatabase from 'better-sqlite3';
import { newId } from '../ids.ts';
import type { ActivityRecordsTable, MetricSeriesTable, UsageHourlyTable, UsageRecordsTable } from '../schema.ts';
import { type StoredUsage, sumHourly, transcriptUpgrade } from '../telemetry.ts';
import { lookupKey, type WriteTelemetry } from '../telemetry-writer.ts';

/**
 * The telemetry write path on SQLite: prepared statements in one synchronous
 * transaction. Synchronous matters twice: no other query can run on the shared
 * connection in the middle of it, and it avoids building a query per row (the
 * Kysely path compiles a 6,800-parameter statement per 400 rows).
 */
export function sqliteTelemetryWriter(raw: SqliteDatabase.Database): WriteTelemetry {
  const machine = raw.prepare<[string, string, string, number, number], { id: string }>(
    `insert into machines (id, user_id, host_name, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)
     on conflict (user_id, host_name) do update set last_seen_at = max(machines.last_seen_at, excluded.last_seen_at)
     returning id`,
  );
  const account = raw.prepare<
    [string, string, string, string | null, string | null, string | null, number, number],
    { id: string }
  >(
    `insert into accounts (id, user_id, account_key, account_uuid, organization_id, email, first_seen_at, last_seen_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (user_id, account_key) do update set
       last_seen_at = max(accounts.last_seen_at, excluded.last_seen_at),
       account_uuid = coalesce(excluded.account_uuid, accounts.account_uuid),
       organization_id = coalesce(excluded.organization_id, accounts.organization_id),
       email = coalesce(excluded.email, accounts.email)
     returning id`,
  );
  const accountFind = raw.prepare<[string, string], { id: string }>(
    'select id from accounts where user_id = ? and account_key = ?',
  );
  const accountCount = raw.prepare<[string], { n: number }>('select count(*) as n from accounts where user_id = ?');
  const seriesGet = raw.prepare<[string, string], MetricSeriesTable>(
    'select * from metric_series where user_id = ? and series_key = ?',
  );
  const seriesPut = raw.prepare<MetricSeriesTable>(
    `insert into metric_series (user_id, series_key, start_time_ns, last_time_ns, last_value, updated_at)
     values (@user_id, @series_key, @start_time_ns, @last_time_ns, @last_value, @updated_at)
     on conflict (user_id, series_key) do update set start_time_ns = excluded.start_time_ns,
       last_time_ns = excluded.last_time_ns, last_value = excluded.last_value, updated_at = excluded.updated_at`,
  );
  const tokenMachine = raw.prepare<[string, string, string, number, number]>(
    `insert into token_machines (token_id, machine_id, user_id, first_seen_at, last_seen_at) values (?, ?, ?, ?, ?)
     on conflict (token_id, machine_id) do update set
       last_seen_at = max(token_machines.last_seen_at, excluded.last_seen_at)`,
  );
  // Positional parameters: binding from an object costs more than the insert itself on this path.
  // No conflict target: a repeated key and a request id stored before (by another source) are both skipped.
  const usageInsert = raw.prepare<unknown[]>(
    `insert into usage_records (user_id, dedupe_key, source, ts, machine_id, account_id, session_id, model, request_id,
       input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cache_creation_5m_tokens,
       cache_creation_1h_tokens, cost_usd, token_id, account_refused)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict do nothing`,
  );
  const hourlyAdd = raw.prepare<unknown[]>(
    `insert into usage_hourly (user_id, hour, session_id, model, source, machine_id, account_id, records,
       input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cache_creation_5m_tokens,
       cache_creation_1h_tokens, cost_usd)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (user_id, hour, session_id, model, source, machine_id, account_id) do update set
       records = usage_hourly.records + excluded.records,
       input_tokens = usage_hourly.input_tokens + excluded.input_tokens,
       output_tokens = usage_hourly.output_tokens + excluded.output_tokens,
       cache_read_tokens = usage_hourly.cache_read_tokens + excluded.cache_read_tokens,
       cache_creation_tokens = usage_hourly.cache_creation_tokens + excluded.cache_creation_tokens,
       cache_creation_5m_tokens = usage_hourly.cache_creation_5m_tokens + excluded.cache_creation_5m_tokens,
       cache_creation_1h_tokens = usage_hourly.cache_creation_1h_tokens + excluded.cache_creation_1h_tokens,
       cost_usd = usage_hourly.cost_usd + excluded.cost_usd`,
  );
  const storedColumns = `dedupe_key, source, ts, session_id, model, machine_id, account_id, input_tokens, output_tokens,
    cache_read_tokens, cache_creation_tokens, cache_creation_5m_tokens, cache_creation_1h_tokens, cost_usd`;
  const storedByKey = raw.prepare<[string, string], StoredUsage>(
    `select ${storedColumns} from usage_records where user_id = ? and dedupe_key = ?`,
  );
  const storedByRequest = raw.prepare<[string, string], StoredUsage>(
    `select ${storedColumns} from usage_records where user_id = ? and request_id = ? and request_id is not null`,
  );
  const usageUpdate = raw.prepare<unknown[]>(
    `update usage_records set input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, cache_creation_tokens = ?,
       cache_creation_5m_tokens = ?, cache_creation_1h_tokens = ?, cost_usd = ?
     where user_id = ? and dedupe_key = ?`,
  );
  const activityInsert = raw.prepare<ActivityRecordsTable>(
    `insert into activity_records (user_id, dedupe_key, ts, machine_id, account_id, session_id, kind, value, attributes)
     values (@user_id, @dedupe_key, @ts, @machine_id, @account_id, @session_id, @kind, @value, @attributes)
     on conflict (user_id, dedupe_key) do nothing`,
  );

  const run = raw.transaction(
    (needs: Parameters<WriteTelemetry>[0], plan: Parameters<WriteTelemetry>[1], now: number) => {
      const machines = new Map<string, string>();
      for (const m of needs.machines) {
        const row = machine.get(newId(), m.userId, m.hostName, now, now);
        machines.set(lookupKey(m.userId, m.hostName), row?.id ?? '');
      }
      const accounts = new Map<string, string>();
      const max = needs.accountsPerUserMax ?? Number.POSITIVE_INFINITY;
      for (const { userId, account: a } of needs.accounts) {
        // Past the cap a new account is not made; its usage counts toward no account ('').
        if (Number.isFinite(max) && !accountFind.get(userId, a.key) && (accountCount.get(userId)?.n ?? 0) >= max) {
          continue;
        }
        const row = account.get(newId(), userId, a.key, a.accountUuid, a.organizationId, a.email, now, now);
        accounts.set(lookupKey(userId, a.key), row?.id ?? '');
      }
      const series = new Map<string, MetricSeriesTable>();
      for (const s of needs.series) {
        const state = seriesGet.get(s.userId, s.seriesKey);
        if (state) series.set(lookupKey(s.userId, s.seriesKey), state);
      }
      const rows = plan({
        machineId: (u, h) => machines.get(lookupKey(u, h)) ?? '',
        accountId: (u, k) => accounts.get(lookupKey(u, k)) ?? '',
        seriesState: (u, k) => series.get(lookupKey(u, k)),
      });
      for (const s of rows.series) seriesPut.run(s);
      for (const t of rows.tokenMachines)
        tokenMachine.run(t.token_id, t.machine_id, t.user_id, t.first_seen_at, t.last_seen_at);
      const usage = new Set<UsageRecordsTable>();
      const upgrades: UsageHourlyTable[] = [];
      const upgraded = new Set<UsageRecordsTable>();
      for (const r of rows.usage) {
        const { changes } = usageInsert.run(
          r.user_id,
          r.dedupe_key,
          r.source,
          r.ts,
          r.machine_id,
          r.account_id,
          r.session_id,
          r.model,
          r.request_id,
          r.input_tokens,
          r.output_tokens,
          r.cache_read_tokens,
          r.cache_creation_tokens,
          r.cache_creation_5m_tokens,
          r.cache_creation_1h_tokens,
          r.cost_usd,
          r.token_id,
          r.account_refused ?? 0,
        );
        if (changes > 0) {
          usage.add(r);
          continue;
        }
        // Stored before: a transcript record with larger figures replaces it (telemetry.ts, transcriptUpgrade).
        if (r.source !== 'transcript') continue;
        const stored =
          storedByKey.get(r.user_id, r.dedupe_key) ??
          (r.request_id === null ? undefined : storedByRequest.get(r.user_id, r.request_id));
        const change = stored && transcriptUpgrade(stored, r);
        if (!stored || !change) continue;
        const u = change.set;
        usageUpdate.run(
          u.input_tokens,
          u.output_tokens,
          u.cache_read_tokens,
          u.cache_creation_tokens,
          u.cache_creation_5m_tokens,
          u.cache_creation_1h_tokens,
          u.cost_usd,
          r.user_id,
          stored.dedupe_key,
        );
        upgrades.push(change.hourly);
        upgraded.add(r);
        usage.add(r);
      }
      const inserted = [...usage].filter((r) => !upgraded.has(r));
      for (const h of [...sumHourly(inserted), ...upgrades]) {
        hourlyAdd.run(
          h.user_id,
          h.hour,
          h.session_id,
          h.model,
          h.source,
          h.machine_id,
          h.account_id,
          h.records,
          h.input_tokens,
          h.output_tokens,
          h.cache_read_tokens,
          h.cache_creation_tokens,
          h.cache_creation_5m_tokens,
          h.cache_creation_1h_tokens,
          h.cost_usd,
        );
      }
      const activity = new Set<ActivityRecordsTable>();
      for (const r of rows.activity) if (activityInsert.run(r).changes > 0) activity.add(r);
      return { usage, activity };
    },
  );

  // Immediate: the write lock from the start, so a read before the first write never meets a
  // commit of the main thread's connection in between (see open-sqlite.ts).
  return async (needs, plan, now) => run.immediate(needs, plan, now);
}
