import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import type { TaktError } from '../../../lib/errors.ts';
import { createLogger, silentLogger } from '../../../lib/log.ts';
import type { User } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { httpStatusOf } from '../../http-errors.ts';
import { InProcessLiveEvents } from '../../live-events.ts';
import { LiveStreams } from '../../live-streams.ts';
import { registerEventsRoute } from './events-route.ts';

const user: User = {
  id: 'u1',
  email: 'u1@example.com',
  password_hash: null,
  role: 'member',
  created_at: 0,
  disabled_at: null,
};

describe('GET /api/events', () => {
  it('sends a keep-alive comment when idle, and unsubscribes when the client goes', async () => {
    const live = new InProcessLiveEvents();
    let listening = 0;
    const counting = {
      publish: live.publish.bind(live),
      since: live.since.bind(live),
      close: live.close.bind(live),
      subscribe(userId: string, listener: Parameters<typeof live.subscribe>[1], onClose?: () => void) {
        listening++;
        const off = live.subscribe(userId, listener, onClose);
        return () => {
          listening--;
          off();
        };
      },
    };
    // Only what the route uses: a token check and the live events.
    const ctx = {
      tokens: { verify: async () => ({ user, tokenId: 't1' }) },
      live: counting,
      config: { liveStreamsMax: 500 },
      log: silentLogger,
    } as unknown as AppContext;
    const app = new Hono();
    registerEventsRoute(app, ctx, 50);
    const abort = new AbortController();
    const r = await app.request('/api/events', { headers: { authorization: 'Bearer takt_x' }, signal: abort.signal });
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': keep-alive')) text += decoder.decode((await reader.read()).value);
    expect([
      r.headers.get('cache-control'),
      r.headers.get('x-accel-buffering'),
      text.startsWith(': connected\n\nevent: hello\n'),
      listening,
    ]).toEqual(['no-cache', 'no', true, 1]);
    await reader.cancel();
    abort.abort();
    // The server notices the closed stream on its own time: wait for it, with a deadline.
    await vi.waitFor(() => expect(listening).toBe(0), { timeout: 10_000, interval: 20 });
  });
});

/** Reads a stream until it ends (or `until` shows up); answers what came. */
async function readAll(r: Response, until?: string): Promise<string> {
  const reader = (r.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value);
    if (until && text.includes(until)) {
      await reader.cancel();
      return text;
    }
  }
}

describe('GET /api/events limits (issue 22.2) and credential checks (issue 22.8)', () => {
  const setup = (options: { total: number; perUser: number; valid?: () => boolean; userNow?: () => User }) => {
    const lines: string[] = [];
    const log = createLogger('warn', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const valid = options.valid ?? (() => true);
    const userNow = options.userNow ?? (() => user);
    const ctx = {
      tokens: { verify: async () => (valid() ? { user: userNow(), tokenId: 't1' } : undefined) },
      live: new InProcessLiveEvents(),
      log,
    } as unknown as AppContext;
    const app = new Hono();
    app.onError((e, c) => c.json({ error: { message: e.message } }, httpStatusOf((e as TaktError).code)));
    const streams = new LiveStreams({ total: options.total, perUser: options.perUser, log });
    registerEventsRoute(app, ctx, 50, streams);
    const open = () => app.request('/api/events', { headers: { authorization: 'Bearer takt_x' } });
    return { open, lines, streams };
  };

  it("closes a user's oldest stream beyond the per-user cap, and logs it", async () => {
    const { open, lines, streams } = setup({ total: 10, perUser: 2 });
    const first = await open();
    const second = await open();
    const third = await open();
    const firstText = await readAll(first);
    expect([firstText.startsWith(': connected'), streams.of('u1'), lines.length]).toEqual([true, 2, 1]);
    expect(lines[0]).toContain('live streams: a user opened more than the per-user cap; closing their oldest');
    await Promise.all([readAll(second, 'keep-alive'), readAll(third, 'keep-alive')]);
  });

  it('refuses a stream past the server-wide cap with 503, and logs it', async () => {
    const { open, lines } = setup({ total: 1, perUser: 30 });
    const first = await open();
    const refused = await open();
    expect([refused.status, ((await refused.json()) as { error: { message: string } }).error.message]).toEqual([
      503,
      'this server holds as many live streams as it may (TAKT_LIVE_STREAMS_MAX): the page works without them; try again later',
    ]);
    expect(lines[0]).toContain('live streams: the server-wide cap is reached');
    await readAll(first, 'keep-alive');
  });

  it('ends the stream at the next keep-alive once its token no longer verifies', async () => {
    let valid = true;
    const { open, streams } = setup({ total: 10, perUser: 30, valid: () => valid });
    const r = await open();
    valid = false;
    const text = await readAll(r);
    expect([text.includes('keep-alive'), streams.count]).toEqual([false, 0]);
  });

  it('ends the stream at the next keep-alive once its user is disabled, whatever the token says', async () => {
    let current: User = user;
    const { open, streams } = setup({ total: 10, perUser: 30, userNow: () => current });
    const r = await open();
    current = { ...user, disabled_at: 1 };
    const text = await readAll(r);
    expect([text.includes('keep-alive'), streams.count]).toEqual([false, 0]);
  });
});
