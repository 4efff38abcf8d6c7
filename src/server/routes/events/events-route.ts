import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppContext } from '../../app-context.ts';
import { requireCaller } from '../../authenticate.ts';
import type { LiveEvent } from '../../live-events.ts';

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/events: server-sent events for the caller (cookie or bearer). Each event names
 * what changed (`usage`, `official`, `limit_event`); the page refetches. A comment line
 * every 15 s keeps proxies from closing an idle stream; `Last-Event-ID` on reconnect
 * replays what was missed while it is still held.
 */
export function registerEventsRoute(app: Hono, ctx: AppContext, keepAliveMs = KEEP_ALIVE_MS): void {
  app.get('/api/events', async (c) => {
    const caller = await requireCaller(c, ctx);
    const userId = caller.user.id;
    const lastId = Number(c.req.header('last-event-id') ?? Number.NaN);
    // nginx buffers responses unless told not to.
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = Number.isFinite(lastId) ? ctx.live.since(userId, lastId) : [];
      let wake: (() => void) | undefined;
      let open = true;
      const end = () => {
        open = false;
        wake?.();
      };
      const unsubscribe = ctx.live.subscribe(
        userId,
        (e) => {
          queue.push(e);
          wake?.();
        },
        end,
      );
      stream.onAbort(end);
      try {
        await stream.write(': connected\n\n');
        await stream.writeSSE({ event: 'hello', data: JSON.stringify({ user_id: userId }), retry: 2000 });
        while (open) {
          const e = queue.shift();
          if (e) {
            await stream.writeSSE({ id: String(e.id), event: e.kind, data: JSON.stringify(e) });
            continue;
          }
          const woke = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(false), keepAliveMs);
            wake = () => {
              clearTimeout(t);
              resolve(true);
            };
          });
          wake = undefined;
          if (!woke && open) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
