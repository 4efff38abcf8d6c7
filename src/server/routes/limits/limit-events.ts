import type { Hono } from 'hono';
import { z } from 'zod';
import { recordLimitEvent, undoLimitEventAction } from '../../../limits/record-limit-event.ts';
import type { AppContext } from '../../app-context.ts';
import { addressOf, requireCaller } from '../../authenticate.ts';
import { readJson } from '../../read-json.ts';
import { time, windowName } from './fields.ts';

const limitEventBody = z.object({
  kind: z.enum(['hit_limit', 'new_window'], { error: 'kind must be hit_limit or new_window' }),
  window: windowName,
  at: time.optional(),
  resets_at: time.optional(),
  session_id: z.string().min(1).max(200).optional(),
  account_uuid: z.string().min(1).max(200).optional(),
  account_id: z.string().min(1).max(200).optional(),
  source: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, 'source must be a short name such as dashboard, hook or transcript'),
});

export function registerLimitEventRoutes(app: Hono, ctx: AppContext): void {
  /** POST /api/limit-events: a hit limit or a "new window" mark; repeats within two minutes are one event. */
  app.post('/api/limit-events', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const body = await readJson(c, limitEventBody);
    const r = await recordLimitEvent(ctx.store, {
      actor: { userId: caller.user.id, address: addressOf(c, ctx) },
      input: body,
      now: Date.now(),
      prices: ctx.prices,
      accountsMax: ctx.config.accountsPerUserMax,
    });
    if (r.created) ctx.changes.publish(caller.user.id, 'limit_event');
    return c.json({ ...limitEventView(r.event), created: r.created }, r.created ? 201 : 200);
  });

  /** DELETE /api/limit-events/{id}: undo a mark within a minute. */
  app.delete('/api/limit-events/:id', async (c) => {
    const caller = await requireCaller(c, ctx, { write: true });
    const event = await undoLimitEventAction(ctx.store, {
      actor: { userId: caller.user.id, address: addressOf(c, ctx) },
      id: c.req.param('id'),
      now: Date.now(),
    });
    ctx.changes.publish(caller.user.id, 'limit_event');
    return c.json(limitEventView(event));
  });
}

function limitEventView(e: {
  id: string;
  account_id: string;
  kind: string;
  window: string;
  at: number;
  resets_at: number | null;
  source: string;
  undone_at: number | null;
}) {
  return {
    id: e.id,
    account_id: e.account_id,
    kind: e.kind,
    window: e.window,
    at: new Date(Number(e.at)).toISOString(),
    resets_at: e.resets_at === null ? null : new Date(Number(e.resets_at)).toISOString(),
    source: e.source,
    undone: e.undone_at !== null,
  };
}
