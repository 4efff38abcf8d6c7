import { TaktError } from '../lib/errors.ts';
import { addUsage, emptyUsage, type UsageCounts } from '../lib/usage-counts.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { type ExportRecord, loadSourceTotalsOfRange, pageUsageRecords } from '../store/export-rows.ts';
import { listMachines } from '../store/machines.ts';
import type { UsageSource } from '../store/schema.ts';
import { listCoster } from '../usage/cost-figures.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import { dayFormatter } from './usage-report.ts';

export const exportLevels = ['request', 'session', 'day'] as const;
export type ExportLevel = (typeof exportLevels)[number];

/** The columns of an export, in order (CSV header, JSONL keys); `user` only in a team export. */
export const EXPORT_COLUMNS = [
  'time',
  'account',
  'machine',
  'session',
  'model',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'cost_usd',
  'list_cost_usd',
  'source',
] as const;

export interface ExportRow {
  user?: string;
  /** ISO 8601: the request's time (UTC), the session's first record in range, or the day (a date in `tz`). */
  time: string;
  account: string;
  machine: string;
  session: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  /**
   * Claude Code's own cost figure, where it counts (usage/count-once.ts: per session and model
   * from the events or the cost metric, never both); null for a source that carries none
   * (transcript, manual) and for a figure that does not count (the other source's counts).
   */
  cost_usd: number | null;
  /** The tokens at the price table's list prices, contracted prices applied (null: the model has no price). */
  list_cost_usd: number | null;
  source: UsageSource;
}

export interface ExportUser {
  id: string;
  email: string;
}

/**
 * A user's (or, for a team export, several users') usage in [from, to), counted once
 * (usage/count-once.ts, the same rule as /api/usage), as rows of the asked level, yielded a
 * page at a time so a caller can stream them:
 *
 * - `request`: one row per counted record (an API request, a metric export interval, a manual entry);
 *   a record whose tokens do not count but whose Claude Code cost does (the cost metric beside
 *   the transcripts that won the tokens) is a row with no tokens and that cost, so that the
 *   columns add up to what /api/usage reports;
 * - `session`: per session, model, machine, account and source, at the session's first record in range;
 * - `day`: per day in `timeZone`, account, machine, model and source (the session column empty).
 *
 * Records are read in time order in pages (store/export-rows.ts): memory holds one page, plus
 * at session level one sum per session part in range and at day level the parts of one day.
 */
export async function* exportUsage(
  db: Db,
  q: {
    users: ExportUser[];
    from: number;
    to: number;
    level: ExportLevel;
    timeZone: string;
    prices: PriceTable;
    pageSize?: number;
  },
): AsyncGenerator<ExportRow[]> {
  if (!(q.to > q.from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  const dayOf = dayFormatter(q.timeZone);
  const listCost = listCoster(q.prices);
  const team = q.users.length > 1 || undefined;
  for (const user of q.users) {
    const machines = new Map((await listMachines(db, user.id)).map((m) => [m.id, m.host_name || '(unknown)']));
    const accounts = new Map((await listAccounts(db, user.id)).map((a) => [a.id, a.account_uuid ?? a.account_key]));
    const chosen = chooseSources(await loadSourceTotalsOfRange(db, { userId: user.id, from: q.from, to: q.to }));
    const rowOf = (r: Part, time: string, session: string): ExportRow => ({
      ...(team ? { user: user.email } : {}),
      time,
      account: r.account_id ? (accounts.get(r.account_id) ?? r.account_id) : '',
      machine: machines.get(r.machine_id) ?? '',
      session,
      model: r.model,
      input_tokens: r.input_tokens,
      output_tokens: r.output_tokens,
      cache_read_tokens: r.cache_read_tokens,
      cache_creation_tokens: r.cache_creation_tokens,
      cost_usd: r.reported === null ? null : roundUsd(r.reported),
      list_cost_usd: r.list_cost_usd === null ? null : roundUsd(r.list_cost_usd),
      source: r.source,
    });
    const sessions = new Map<string, Part & { first: number }>();
    let day: { key: string; parts: Map<string, Part> } | undefined;
    const flushDay = (): ExportRow[] => (day ? [...day.parts.values()].map((p) => rowOf(p, day?.key ?? '', '')) : []);

    for await (const page of pageUsageRecords(db, {
      userId: user.id,
      from: q.from,
      to: q.to,
      ...(q.pageSize ? { pageSize: q.pageSize } : {}),
    })) {
      const out: ExportRow[] = [];
      for (const record of page) {
        const counted = isCounted(chosen, record);
        // A metric row beside the transcripts that won the tokens still brings Claude Code's cost.
        const reported = countsReportedCost(chosen, record);
        if (!counted && !reported) continue;
        const r: ExportRecord = counted ? record : { ...record, ...emptyUsage() };
        // Per request, so long-context rates apply to the requests that crossed the threshold;
        // a metric row sums an export interval and is priced at standard rates.
        const cost = counted ? listCost(r, r.source !== 'metric') : 0;
        const figure = reported ? record.cost_usd : null;
        switch (q.level) {
          case 'request':
            out.push(
              rowOf({ ...r, list_cost_usd: cost, reported: figure }, new Date(r.at).toISOString(), r.session_id),
            );
            break;
          case 'session': {
            const key = partKey(r, r.session_id);
            const s = sessions.get(key) ?? { ...newPart(r), first: r.at };
            addPart(s, r, cost, figure);
            sessions.set(key, s);
            break;
          }
          case 'day': {
            const d = dayOf(r.at);
            if (day?.key !== d) {
              out.push(...flushDay());
              day = { key: d, parts: new Map() };
            }
            const key = partKey(r, '');
            const p = day.parts.get(key) ?? newPart(r);
            addPart(p, r, cost, figure);
            day.parts.set(key, p);
            break;
          }
          default:
            q.level satisfies never;
        }
      }
      if (out.length > 0) yield out;
    }
    if (q.level === 'day') {
      const rest = flushDay();
      if (rest.length > 0) yield rest;
    }
    if (q.level === 'session' && sessions.size > 0) {
      yield [...sessions.values()]
        .sort((a, b) => a.first - b.first)
        .map((s) => rowOf(s, new Date(s.first).toISOString(), s.session_id));
    }
  }
}

interface Part extends UsageCounts {
  session_id: string;
  model: string;
  source: UsageSource;
  machine_id: string;
  account_id: string;
  list_cost_usd: number | null;
  /** Claude Code's cost where it counts; null when none of the part's records brought one. */
  reported: number | null;
}

function partKey(r: ExportRecord, session: string): string {
  return [session, r.model, r.machine_id, r.account_id, r.source].join('\u0000');
}

function newPart(r: ExportRecord): Part {
  return {
    ...emptyUsage(),
    session_id: r.session_id,
    model: r.model,
    source: r.source,
    machine_id: r.machine_id,
    account_id: r.account_id,
    list_cost_usd: 0,
    reported: null,
  };
}

function addPart(p: Part, r: ExportRecord, cost: number | null, reported: number | null): void {
  addUsage(p, r);
  p.list_cost_usd = p.list_cost_usd === null || cost === null ? null : p.list_cost_usd + cost;
  if (reported !== null) p.reported = (p.reported ?? 0) + reported;
}

/** Dollars to a millionth of a cent: sums of doubles carry noise far below that. */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e8) / 1e8;
}
