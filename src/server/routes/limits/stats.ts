import type { Context, Hono } from 'hono';
import { TaktError } from '../../../lib/errors.ts';
import { statsView } from '../../../queries/limits-view.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { accountEvaluator } from './evaluate.ts';

export function registerStatsRoutes(app: Hono, ctx: AppContext): void {
  const evaluate = accountEvaluator(ctx);

  /** Seed 001's /stats (bearer): the caller's busiest account, or ?account= (id or uuid). */
  const stats = async (c: Context) => {
    const caller = await requireCaller(c, ctx);
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
    if (!pick) {
      throw new TaktError(
        'not_found',
        wanted ? `no account ${wanted} of yours: GET /api/accounts lists them` : 'no usage yet: send telemetry first',
      );
    }
    return c.json(statsView(pick, now));
  };
  app.get('/stats', stats);
  app.get('/app/claude-usage/stats', stats);
  app.get('/app/claude-usage/stats/', stats);
}
