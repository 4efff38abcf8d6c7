import { loadEffectivePrices } from '../../../billing/effective-prices.ts';
import { evaluateUserAccounts } from '../../../queries/account-limits.ts';
import type { AccountRow } from '../../../store/accounts.ts';
import type { AppContext } from '../../app-context.ts';

/** The limits routes' one read: a user's accounts evaluated at `now`, with the server's price table. */
export function accountEvaluator(ctx: AppContext) {
  return async (userId: string, now: number, accounts?: AccountRow[]) =>
    evaluateUserAccounts(ctx.store.db, {
      userId,
      now,
      prices: ctx.prices,
      // The windows' list_cost_usd uses the admin's contracted prices; the limits do not.
      costPrices: (await loadEffectivePrices(ctx.store.db, ctx.prices)).table,
      ...(accounts ? { accounts } : {}),
    });
}
