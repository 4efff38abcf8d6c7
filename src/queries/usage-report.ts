import { TaktError } from '../lib/errors.ts';
import { addUsage, emptyUsage, type UsageCounts } from '../lib/usage-counts.ts';
import { loadShippedPriceTable, type PriceTable } from '../pricing/price-table.ts';
import { type AccountRow, listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';
import { listMachines } from '../store/machines.ts';
import { loadSourceTotals, loadUsageRows, type UsageRow } from '../store/usage-rows.ts';
import {
  addListCost,
  addReportedCost,
  type CostFigures,
  type CostSums,
  costFigures,
  emptyCostSums,
  listCoster,
} from '../usage/cost-figures.ts';
import { chooseSources, countsReportedCost, isCounted } from '../usage/count-once.ts';
import { unpricedField, unpricedModel } from './unpriced-model.ts';

export const groupByValues = ['day', 'model', 'session', 'machine', 'account', 'source'] as const;
export type UsageGroupBy = (typeof groupByValues)[number];

/**
 * Token counts by type, Claude Code's own cost and takt's list cost (usage/cost-figures.ts).
 * `unpriced_models`, only when there are some: models with tokens but no price in takt's table,
 * left out of `list_cost_usd` — their cost is unknown, not $0 (issue 19.5; unpriced-model.ts).
 */
export type UsageTotals = Omit<UsageCounts, 'cost_usd'> & CostFigures & { unpriced_models?: string[] };

interface Sums {
  t: UsageCounts;
  c: CostSums;
  unpriced: Set<string>;
}

export interface UsageReport {
  from: string;
  to: string;
  totals: UsageTotals;
  /** `key` joins the dimensions with `|` (`2026-12-01|claude-opus-4-1`); `keys` names each one. */
  groups: ({ key: string; keys?: Partial<Record<UsageGroupBy, string>>; name?: string } & UsageTotals)[];
}

/** `day`, `model`, … or two of them joined by a comma (`day,model`: the stacked-by-model chart in one call). */
export function parseGroupBy(text: string): UsageGroupBy[] | string {
  const dims = text.split(',').map((d) => d.trim());
  const bad = dims.find((d) => !(groupByValues as readonly string[]).includes(d));
  if (bad !== undefined) return `group_by must be one or two of ${groupByValues.join(', ')} joined by a comma`;
  if (dims.length > 2 || new Set(dims).size !== dims.length) {
    return 'group_by takes at most two different dimensions, such as day,model';
  }
  return dims as UsageGroupBy[];
}

/**
 * A user's usage in [from, to), totalled and optionally grouped.
 *
 * Counting rule (docs/decisions.md, "One request, one count"; usage/count-once.ts):
 * an api_request event and a transcript record of one request are stored once; for each
 * (session, model) takt counts either the per-request sources or metrics, whichever
 * has the larger token total over the session's life — never both — so any source alone
 * still counts everything and all together count once. Manual entries always add.
 * group_by=source says which source each counted figure came from.
 *
 * Whole hours are read from the hourly rollup; only the partial hours at the edges
 * of the range read raw records (store/usage-rows.ts).
 */
export async function queryUsage(
  db: Db,
  q: {
    userId: string;
    from: number;
    to: number;
    groupBy?: UsageGroupBy | UsageGroupBy[];
    timeZone?: string;
    /** Only this account (its id or account_uuid). */
    account?: string;
    /** Only this machine (its id or host.name). */
    machine?: string;
    /** The prices of `list_cost_usd` (contracted ones applied: billing/effective-prices.ts); the shipped table without. */
    prices?: PriceTable;
  },
): Promise<UsageReport> {
  if (!(q.to > q.from)) throw new TaktError('bad_request', '`to` must be later than `from`');
  const tz = q.timeZone ?? 'UTC';
  const dayOf = dayFormatter(tz);
  const dims = q.groupBy === undefined ? [] : Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy];
  const needMachines = dims.includes('machine') || q.machine !== undefined;
  const needAccounts = dims.includes('account') || q.account !== undefined;
  const machines = needMachines ? await listMachines(db, q.userId) : [];
  const accounts = needAccounts ? await listAccounts(db, q.userId) : [];
  const names = {
    machine: new Map(machines.map((m) => [m.id, m.host_name || '(unknown)'])),
    // By the account's identity (uuid, else organization, else email): two accounts that share
    // an email are two groups (issue 19.10); `name` tells them apart for people.
    account: new Map(accounts.map((a) => [a.id, a.account_uuid ?? a.account_key])),
  };
  const accountNames = accountDisplayNames(accounts);
  // An unknown filter matches nothing (an empty report), like a range with no usage.
  const machineId =
    q.machine === undefined
      ? undefined
      : (machines.find((m) => m.id === q.machine || m.host_name === q.machine)?.id ?? '');
  const accountId =
    q.account === undefined
      ? undefined
      : (accounts.find((a) => a.id === q.account || a.account_uuid === q.account)?.id ?? '');
  const rows = (await loadUsageRows(db, q)).filter(
    (r) =>
      (machineId === undefined || r.machine_id === machineId) &&
      (accountId === undefined || r.account_id === accountId),
  );

  const chosen = chooseSources(await loadSourceTotals(db, q.userId, [...new Set(rows.map((r) => r.session_id))]));
  // Rows are rollup hours and edge records mixed: all priced at standard rates (cost-figures.ts).
  const listCost = listCoster(q.prices ?? loadShippedPriceTable());
  const totals: Sums = { t: emptyUsage(), c: emptyCostSums(), unpriced: new Set() };
  const groups = new Map<string, { keys: string[] } & Sums>();
  for (const r of rows) {
    const counted = isCounted(chosen, r);
    // A metric row beside the transcripts that won the tokens still brings Claude Code's cost.
    const reported = countsReportedCost(chosen, r);
    if (!counted && !reported) continue;
    const list = counted ? listCost(r, false) : null;
    const unpriced = counted ? unpricedModel(r, list) : undefined;
    const add = (s: Sums) => {
      if (counted) {
        addUsage(s.t, r);
        addListCost(s.c, list);
      }
      if (reported) addReportedCost(s.c, r);
      if (unpriced !== undefined) s.unpriced.add(unpriced);
    };
    add(totals);
    if (dims.length === 0) continue;
    const keys = dims.map((d) => groupKey(d, r, dayOf, names));
    const key = keys.join('|');
    let g = groups.get(key);
    if (!g) {
      g = { keys, t: emptyUsage(), c: emptyCostSums(), unpriced: new Set() };
      groups.set(key, g);
    }
    add(g);
  }
  return {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    totals: round(totals),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, g]) =>
        dims.length > 1
          ? { key, keys: Object.fromEntries(dims.map((d, i) => [d, g.keys[i] as string])), ...round(g) }
          : dims[0] === 'account'
            ? { key, name: accountNames.get(key) ?? key, ...round(g) }
            : { key, ...round(g) },
      ),
  };
}

/**
 * People's names for accounts, by identity: the label, else the email; where two share one,
 * the organization (when theirs differ) or the uuid's last 8 characters is added.
 */
function accountDisplayNames(accounts: AccountRow[]): Map<string, string> {
  const base = (a: AccountRow) => a.label ?? a.email ?? a.account_key;
  const out = new Map<string, string>();
  for (const a of accounts) {
    const twins = accounts.filter((b) => b !== a && base(b) === base(a));
    const key = a.account_uuid ?? a.account_key;
    if (twins.length === 0) out.set(key, base(a));
    else if (a.organization_id && twins.every((b) => b.organization_id !== a.organization_id))
      out.set(key, `${base(a)} (organization ${a.organization_id})`);
    else out.set(key, `${base(a)} (…${key.slice(-8)})`);
  }
  return out;
}

function groupKey(
  by: UsageGroupBy,
  r: UsageRow,
  dayOf: (ms: number) => string,
  names: { machine: Map<string, string>; account: Map<string, string> },
): string {
  switch (by) {
    case 'day':
      return dayOf(r.at);
    case 'model':
      return r.model || '(unknown)';
    case 'session':
      return r.session_id || '(unknown)';
    case 'machine':
      return names.machine.get(r.machine_id) ?? '(unknown)';
    case 'account':
      return r.account_id ? (names.account.get(r.account_id) ?? r.account_id) : '(unknown)';
    case 'source':
      return r.source;
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

/** The tokens, both costs (dollars rounded to a millionth of a cent by costFigures) and the unpriced models. */
function round(s: Sums): UsageTotals {
  const { cost_usd: _reported, ...tokens } = s.t;
  return { ...tokens, ...costFigures(s.c), ...unpricedField(s.unpriced) };
}
