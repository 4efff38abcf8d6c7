import type { Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { TaktError } from '../../../lib/errors.ts';
import type { AppContext } from '../../app-context.ts';
import { type Caller, findCaller, requireCaller } from '../../authenticate.ts';
import type { LiveEvent } from '../../live-events.ts';
import { LiveStreams } from '../../live-streams.ts';

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /api/events: server-sent events for the caller (cookie or bearer). Each event names
 * what changed (`usage`, `official`, `limit_event`); the page refetches. A comment line
 * every 15 s keeps proxies from closing an idle stream; `Last-Event-ID` on reconnect
 * replays what was missed while it is still held. Streams are capped per user and per
 * server (LiveStreams), and the credential is checked again before each event and each
 * keep-alive: a revoked token, an ended session or a disabled user ends the stream (issue 22.8).
 */
export function registerEventsRoute(
  app: Hono,
  ctx: AppContext,
  keepAliveMs = KEEP_ALIVE_MS,
  streams = new LiveStreams({ total: ctx.config.liveStreamsMax, log: ctx.log }),
): void {
  app.get('/api/events', async (c) => {
    const caller = await requireCaller(c, ctx);
    const userId = caller.user.id;
    const lastId = Number(c.req.header('last-event-id') ?? Number.NaN);
    let open = true;
    let wake: (() => void) | undefined;
    const end = () => {
      open = false;
      wake?.();
    };
    const release = streams.add(userId, end);
    if (!release) {
      throw new TaktError(
        'unavailable',
        'this server holds as many live streams as it may (TAKT_LIVE_STREAMS_MAX): the page works without them; try again later',
      );
    }
    // nginx buffers responses unless told not to.
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      const queue: LiveEvent[] = Number.isFinite(lastId) ? ctx.live.since(userId, lastId) : [];
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
            if (!(await stillValid(c, ctx, caller))) break;
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
          if (!woke && open) {
            if (!(await stillValid(c, ctx, caller))) break;
            await stream.write(': keep-alive\n\n');
          }
        }
      } finally {
        unsubscribe();
        release();
      }
    });
  });
}

/** The stream's credential still names the same enabled user (token not revoked, session not ended). */
async function stillValid(c: Context, ctx: AppContext, caller: Caller): Promise<boolean> {
  const now = await findCaller(c, ctx).catch(() => undefined);
  return now !== undefined && now.user.id === caller.user.id && now.user.disabled_at === null;
}
