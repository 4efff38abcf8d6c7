import type { UsageSource } from '../store/schema.ts';
import type { SourceTotal } from '../store/usage-rows.ts';

/**
 * The counting rule across sources (docs/decisions.md, "One request, one count"):
 * metrics and api_request events describe the same API requests of a session. For each
 * (session, model) takt counts the one source with the larger token total over the
 * session's life — never both — so either source alone still counts everything and both
 * together count once. Ties go to the per-request source. Manual entries always add.
 */
const SOURCE_PREFERENCE: Record<UsageSource, number> = { event: 3, transcript: 2, metric: 1, manual: 0 };

export type ChosenSources = Map<string, UsageSource>;

export function chooseSources(totals: readonly SourceTotal[]): ChosenSources {
  const best = new Map<string, { source: UsageSource; weight: number }>();
  for (const t of totals) {
    const key = sessionModelKey(t.session_id, t.model);
    const current = best.get(key);
    if (
      !current ||
      t.weight > current.weight ||
      (t.weight === current.weight && SOURCE_PREFERENCE[t.source] > SOURCE_PREFERENCE[current.source])
    ) {
      best.set(key, { source: t.source, weight: t.weight });
    }
  }
  return new Map([...best.entries()].map(([k, v]) => [k, v.source]));
}

/** Whether a row of this (session, model, source) counts under the chosen sources. */
export function isCounted(
  chosen: ChosenSources,
  r: { session_id: string; model: string; source: UsageSource },
): boolean {
  return r.source === 'manual' || chosen.get(sessionModelKey(r.session_id, r.model)) === r.source;
}

function sessionModelKey(session: string, model: string): string {
  return `${session}\u0000${model}`;
}
