import type { Context, Hono } from 'hono';
import { TaktError } from '../../../lib/errors.ts';
import { emptyStatsView, statsView } from '../../../queries/limits-view.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { accountEvaluator } from './evaluate.ts';

export function registerStatsRoutes(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

  /**
   * Seed 001's /stats (bearer): the caller's busiest account, or ?account= (id or uuid); zeros
   * when the caller has no usage yet.
   */
  const stats = async (c: Context) => {
    const caller = await requireCaller(c, ctx, { local: true });
    const now = Date.now();
    const evaluated = await evaluate(caller.user.id, now);
    const wanted = c.req.query('account');
    const pick = wanted
      ? evaluated.find((e) => e.account.id === wanted || e.account.account_uuid === wanted)
      : [...evaluated].sort(
          (a, b) =>
            (b.evaluation.windows.five_hour?.used_tokens ?? 0) - (a.evaluation.windows.five_hour?.used_tokens ?? 0) ||
            (b.evaluation.windows.monthly?.used_tokens ?? 0) - (a.evaluation.windows.monthly?.used_tokens ?? 0),
        )[0];
    if (wanted && !pick)
      throw new TaktError('not_found', `no account ${wanted} of yours: GET /api/accounts lists them`);
    // A person without usage yet gets the six fields with zeros, as seed 001's API did (issue 19.4).
    return c.json(pick ? statsView(pick, now) : emptyStatsView());
  };
  app.get('/stats', stats);
  app.get('/app/claude-usage/stats', stats);
  app.get('/app/claude-usage/stats/', stats);
}
