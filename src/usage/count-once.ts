import type { UsageSource } from '../store/schema.ts';
import type { SourceTotal } from '../store/usage-rows.ts';

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

export type ChosenSources = Map<string, SourceFamily>;

export function chooseSources(totals: readonly SourceTotal[]): ChosenSources {
  const weights = new Map<string, Map<SourceFamily, number>>();
  for (const t of totals) {
    const key = sessionModelKey(t.session_id, t.model);
    const family = familyOf(t.source);
    const perFamily = weights.get(key) ?? new Map<SourceFamily, number>();
    perFamily.set(family, (perFamily.get(family) ?? 0) + t.weight);
    weights.set(key, perFamily);
  }
  const chosen: ChosenSources = new Map();
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
  return chosen;
}

/** Whether a row of this (session, model, source) counts under the chosen sources. */
export function isCounted(
  chosen: ChosenSources,
  r: { session_id: string; model: string; source: UsageSource },
): boolean {
  return r.source === 'manual' || chosen.get(sessionModelKey(r.session_id, r.model)) === familyOf(r.source);
}

function sessionModelKey(session: string, model: string): string {
  return `${session}\u0000${model}`;
}
