import type { UsageSource } from '../store/schema.ts';
import type { SourceTotal } from '../store/usage-rows.ts';
import { reportsCost } from './cost-figures.ts';

/**
 * The counting rule across sources (docs/decisions.md, "One request, one count").
 *
 * Per request: an api_request event and a transcript record of the same request (same
 * request id) are stored once, by whichever arrived first (the store's unique request id),
 * so the two per-request sources together form one family, `request`: their union is every
 * request either of them saw, each once. Metrics describe the same requests again, in sums
 * per export interval, and cannot be joined per request.
 *
 * Per (session, model) takt therefore counts the one family with the larger token total
 * over the session's life — never both — so any source alone still counts everything, all
 * together count once, and when one lost data the more complete one wins. Ties go to the
 * per-request family. Within a family every row keeps its own source label. Manual entries
 * always add.
 *
 * Claude Code's own cost (`cost_usd`, usage/cost-figures.ts) is chosen apart from the tokens:
 * only `api_request` events and the `cost.usage` metric report it, and a session whose tokens
 * count from `takt sync` transcripts (which report none) still has the cost its metrics
 * reported. Per (session, model) it comes from the one of those two sources with the larger
 * cost over the session's life — never their sum, which would count a request twice. Ties
 * go to the events.
 */
export type SourceFamily = 'request' | 'metric' | 'manual';

export function familyOf(source: UsageSource): SourceFamily {
  switch (source) {
    case 'event':
    case 'transcript':
      return 'request';
    case 'metric':
      return 'metric';
    case 'manual':
      return 'manual';
    default:
      return source satisfies never;
  }
}

const FAMILY_PREFERENCE: Record<SourceFamily, number> = { request: 2, metric: 1, manual: 0 };

type ReportingSource = 'event' | 'metric';

export interface ChosenSources {
  /** Per (session, model): the family whose tokens (and list cost) count. */
  tokens: Map<string, SourceFamily>;
  /** Per (session, model): the source whose reported cost counts; absent when neither reported. */
  reportedCost: Map<string, ReportingSource>;
}

/** `cost`: the sum of the source's stored cost_usd (left out: no reported cost is chosen from it). */
export function chooseSources(totals: readonly (Omit<SourceTotal, 'cost'> & { cost?: number })[]): ChosenSources {
  const weights = new Map<string, Map<SourceFamily, number>>();
  const costs = new Map<string, Map<ReportingSource, number>>();
  for (const t of totals) {
    const key = sessionModelKey(t.session_id, t.model);
    const family = familyOf(t.source);
    const perFamily = weights.get(key) ?? new Map<SourceFamily, number>();
    perFamily.set(family, (perFamily.get(family) ?? 0) + t.weight);
    weights.set(key, perFamily);
    if (t.cost !== undefined && reportsCost(t.source)) {
      const source = t.source as ReportingSource;
      const perSource = costs.get(key) ?? new Map<ReportingSource, number>();
      perSource.set(source, (perSource.get(source) ?? 0) + t.cost);
      costs.set(key, perSource);
    }
  }
  const reportedCost = new Map<string, ReportingSource>();
  for (const [key, perSource] of costs) {
    const event = perSource.get('event');
    const metric = perSource.get('metric');
    reportedCost.set(key, metric !== undefined && (event === undefined || metric > event) ? 'metric' : 'event');
  }
  const chosen = new Map<string, SourceFamily>();
  for (const [key, perFamily] of weights) {
    let best: { family: SourceFamily; weight: number } | undefined;
    for (const [family, weight] of perFamily) {
      if (
        !best ||
        weight > best.weight ||
        (weight === best.weight && FAMILY_PREFERENCE[family] > FAMILY_PREFERENCE[best.family])
      ) {
        best = { family, weight };
      }
    }
    if (best) chosen.set(key, best.family);
  }
  return { tokens: chosen, reportedCost };
}

/** Whether a row of this (session, model, source) counts under the chosen sources. */
export function isCounted(
  chosen: ChosenSources,
  r: { session_id: string; model: string; source: UsageSource },
): boolean {
  return r.source === 'manual' || chosen.tokens.get(sessionModelKey(r.session_id, r.model)) === familyOf(r.source);
}

/**
 * Whether a row's stored cost is the reported cost that counts for its (session, model) — also
 * when its tokens do not count (metrics beside the transcripts that won the tokens).
 */
export function countsReportedCost(
  chosen: ChosenSources,
  r: { session_id: string; model: string; source: UsageSource },
): boolean {
  return reportsCost(r.source) && chosen.reportedCost.get(sessionModelKey(r.session_id, r.model)) === r.source;
}

function sessionModelKey(session: string, model: string): string {
  return `${session}\u0000${model}`;
}
