import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { User } from '../../../store/users.ts';
import type { AppContext } from '../../app-context.ts';
import { InProcessLiveEvents } from '../../live-events.ts';
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
    const ctx = { tokens: { verify: async () => ({ user, tokenId: 't1' }) }, live: counting } as unknown as AppContext;
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
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(listening).toBe(0);
  });
});
