import { TOKEN_FIELDS, type TokenCounts } from '../lib/usage-counts.ts';

/**
 * Issue 19.5: which usage has no price, so that the dashboard says "unpriced" rather than $0.
 * A row is unpriced when it has tokens and takt's price table (contracted prices applied) has
 * no price for its model: its list price (usage/cost-figures.ts, listCoster) is null, and
 * `list_cost_usd` leaves it out. Claude Code's own `cost_usd` is untouched: it is what Claude
 * Code reported, or null.
 */
export function unpricedModel(r: TokenCounts & { model: string }, listCost: number | null): string | undefined {
  if (listCost !== null || TOKEN_FIELDS.every((f) => r[f] === 0)) return undefined;
  return r.model || '(unknown)';
}

/** The answer's `unpriced_models` field: sorted, and present only when there are some. */
export function unpricedField(models: ReadonlySet<string>): { unpriced_models?: string[] } {
  return models.size > 0 ? { unpriced_models: [...models].sort() } : {};
}
