import type { Context, Hono } from 'hono';
import { TaktError } from '../../../lib/errors.ts';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import { localModeStatus } from '../../local-mode.ts';
import { LocalTranscriptRefresh } from '../../local-transcripts.ts';

/**
 * Seed 001's `POST /app/claude-usage/refresh/`: "if the server runs on the same PC as
 * ~/.claude/". Only a one-person local server (local-mode.ts) knows whose the machine's
 * transcripts are: its owner's. Anywhere else the answer says to run `takt sync` where
 * Claude Code runs.
 */
export function registerRefreshRoutes(app: Hono, ctx: AppContext): void {
  const refresher = new LocalTranscriptRefresh(ctx);
  const refresh = async (c: Context) => {
    const caller = await requireCaller(c, ctx, { write: true, local: true });
    const status = await localModeStatus(ctx.store.db, ctx.config);
    if (!status.owner || status.owner.id !== caller.user.id) {
      throw new TaktError(
        'forbidden',
        `this server reads its own machine's transcripts only as a one-person local server (takt setup --local), and this one is not (${status.reason}): run takt sync on the machine where Claude Code runs`,
      );
    }
    return c.json(await refresher.refresh(caller.user.id));
  };
  app.post('/app/claude-usage/refresh', refresh);
  app.post('/app/claude-usage/refresh/', refresh);
}
