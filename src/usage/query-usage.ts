import { TaktError } from '../lib/errors.ts';
import { emptyUsage, USAGE_COLUMNS, type UsageColumns, type UsageSource } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import { HOUR_MS, timeKeyPrefix } from '../store/telemetry.ts';

export const groupByValues = ['day', 'model', 'session', 'machine', 'account'] as const;
export type UsageGroupBy = (typeof groupByValues)[number];

/** Token counts by type and Claude Code's own cost. */
export type UsageTotals = UsageColumns;

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  groups: ({ key: string } & UsageTotals)[];
}

interface Row extends UsageTotals {
  at: number;
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
}

/**
 * A user's usage in [from, to), totalled and optionally grouped.
 *
 * Counting rule (docs/decisions.md, "One request, one count"): metrics and
 * api_request events describe the same API requests of a session. For each
 * (session, model) takt counts the one source with the larger token total over the
 * session's life — never both — so either source alone still counts everything and
 * both together count once. Manual entries always add.
 *
 * Whole hours are read from the hourly rollup; only the partial hours at the edges
 * of the range read raw records.
 */
export async function queryUsage(
  db: Db,
  q: { userId: string; from: number; to: number; groupBy?: UsageGroupBy; timeZone?: string },
): Promise<UsageReport> {
  if (!(q.to > q.from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  const tz = q.timeZone ?? 'UTC';
  const dayOf = dayFormatter(tz);
  const fullFrom = Math.ceil(q.from / HOUR_MS) * HOUR_MS;
  const fullTo = Math.floor(q.to / HOUR_MS) * HOUR_MS;
  const rows: Row[] = [];

  if (fullTo > fullFrom) {
    rows.push(
      ...(await db
        .selectFrom('usage_hourly')
        .select(['hour as at', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_COLUMNS])
        .where('user_id', '=', q.userId)
        .where('hour', '>=', fullFrom)
        .where('hour', '<', fullTo)
        .execute()),
    );
  }
  const edges: [number, number][] =
    fullTo > fullFrom
      ? [
          [q.from, fullFrom],
          [fullTo, q.to],
        ]
      : [[q.from, q.to]];
  for (const [a, b] of edges) {
    if (b <= a) continue;
    rows.push(
      ...(await db
        .selectFrom('usage_records')
        .select(['ts as at', 'session_id', 'model', 'source', 'machine_id', 'account_id', ...USAGE_COLUMNS])
        .where('user_id', '=', q.userId)
        // The key starts with the time: this range reads the primary key index only.
        .where('dedupe_key', '>=', timeKeyPrefix(a))
        .where('dedupe_key', '<', timeKeyPrefix(b))
        .execute()),
    );
  }

  const chosen = await chooseSources(db, q.userId, [...new Set(rows.map((r) => r.session_id))]);
  const names = q.groupBy === 'machine' || q.groupBy === 'account' ? await labels(db, q.userId, q.groupBy) : undefined;
  const totals = emptyUsage();
  const groups = new Map<string, UsageTotals>();
  for (const r of rows) {
    if (r.source !== 'manual' && chosen.get(`${r.session_id}\u0000${r.model}`) !== r.source) continue;
    add(totals, r);
    if (!q.groupBy) continue;
    const key = groupKey(q.groupBy, r, dayOf, names);
    let g = groups.get(key);
    if (!g) {
      g = emptyUsage();
      groups.set(key, g);
    }
    add(g, r);
  }
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    totals: round(totals),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, t]) => ({ key, ...round(t) })),
  };
}

const SOURCE_PREFERENCE: Record<UsageSource, number> = { event: 3, transcript: 2, metric: 1, manual: 0 };

/** For each (session, model), the source to count: the largest token total, ties to the per-request source. */
async function chooseSources(db: Db, userId: string, sessions: string[]): Promise<Map<string, UsageSource>> {
  const best = new Map<string, { source: UsageSource; tokens: number }>();
  for (let i = 0; i < sessions.length; i += 400) {
    const part = sessions.slice(i, i + 400);
    const totals = await db
      .selectFrom('usage_hourly')
      .select((eb) => [
        'session_id',
        'model',
        'source',
        eb(
          eb(
            eb(eb.fn.sum<number>('input_tokens'), '+', eb.fn.sum<number>('output_tokens')),
            '+',
            eb.fn.sum<number>('cache_read_tokens'),
          ),
          '+',
          eb.fn.sum<number>('cache_creation_tokens'),
        ).as('tokens'),
        eb.fn.sum<number>('cost_usd').as('cost'),
      ])
      .where('user_id', '=', userId)
      .where('session_id', 'in', part)
      .groupBy(['session_id', 'model', 'source'])
      .execute();
    for (const t of totals) {
      const key = `${t.session_id}\u0000${t.model}`;
      const tokens = Number(t.tokens) + Number(t.cost); // cost breaks ties between token-less rows
      const current = best.get(key);
      if (
        !current ||
        tokens > current.tokens ||
        (tokens === current.tokens && SOURCE_PREFERENCE[t.source] > SOURCE_PREFERENCE[current.source])
      ) {
        best.set(key, { source: t.source, tokens });
      }
    }
  }
  return new Map([...best.entries()].map(([k, v]) => [k, v.source]));
}

async function labels(db: Db, userId: string, by: 'machine' | 'account'): Promise<Map<string, string>> {
  if (by === 'machine') {
    const rows = await db.selectFrom('machines').select(['id', 'host_name']).where('user_id', '=', userId).execute();
    return new Map(rows.map((r) => [r.id, r.host_name || '(unknown)']));
  }
  const rows = await db
    .selectFrom('accounts')
    .select(['id', 'account_key', 'email'])
    .where('user_id', '=', userId)
    .execute();
  return new Map(rows.map((r) => [r.id, r.email ?? r.account_key]));
}

function groupKey(
  by: UsageGroupBy,
  r: Row,
  dayOf: (ms: number) => string,
  names: Map<string, string> | undefined,
): string {
  switch (by) {
    case 'day':
      return dayOf(r.at);
    case 'model':
      return r.model || '(unknown)';
    case 'session':
      return r.session_id || '(unknown)';
    case 'machine':
      return names?.get(r.machine_id) ?? '(unknown)';
    case 'account':
      return r.account_id ? (names?.get(r.account_id) ?? r.account_id) : '(unknown)';
    default:
      return by satisfies never;
  }
}

export function dayFormatter(timeZone: string): (ms: number) => string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  } catch {
    throw new TaktError('bad_request', `unknown time zone ${timeZone}: use an IANA name such as Europe/Berlin or UTC`);
  }
  return (ms) => fmt.format(ms);
}

function add(into: UsageTotals, r: UsageTotals): void {
  for (const k of USAGE_COLUMNS) into[k] += Number(r[k]);
}

/** Dollars to a millionth of a cent: sums of doubles carry noise far below that. */
function round(t: UsageTotals): UsageTotals {
  return { ...t, cost_usd: Math.round(t.cost_usd * 1e8) / 1e8 };
}
