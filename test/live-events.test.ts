import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../src/auth/api-token.ts';
import { TestClient } from './support/http-client.ts';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { waitFor } from './support/wait-for.ts';

/** GET /api/events over real HTTP: per-user server-sent events when an OTLP export commits. */
let takt: TestTakt;
beforeAll(async () => {
  takt = await startTakt();
});
afterAll(async () => {
  await takt.stop();
});

/** Reads an SSE stream and hands back its frames (blank-line separated) as they come. */
function openEvents(token: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const frames: string[] = [];
  let waiting: (() => void) | undefined;
  let ended = false;
  const ready = fetch(`${takt.directUrl}/api/events`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    signal: abort.signal,
  }).then(async (r) => {
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) {
          ended = true;
          waiting?.();
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        const parts = buffer.split('\n\n');
        buffer = parts.pop() ?? '';
        frames.push(...parts);
        waiting?.();
      }
    })();
    return r;
  });
  const next = async (match: RegExp, timeoutMs = 2000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = frames.findIndex((f) => match.test(f));
      if (i >= 0) return frames.splice(0, i + 1).pop() as string;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no SSE frame matching ${match} within ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        waiting = resolve;
        setTimeout(resolve, left);
      });
    }
  };
  /** Whether the server ended the stream within timeoutMs. */
  const endedWithin = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (!ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return ended;
  };
  return { ready, next, frames, endedWithin, close: () => abort.abort() };
}

async function exportFor(token: string, value: number): Promise<number> {
  const now = Date.now();
  const r = await fetch(`${takt.httpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', authorization: `Bearer ${token}` },
    body: encodeMetrics(
      tokenMetrics({ host: 'sse-box', sessionId: `sse-${value}` }, [{ model: 'm', type: 'output', value }], {
        startMs: now - 2000,
        timeMs: now - 1000,
      }),
    ),
  });
  return r.status;
}

describe('GET /api/events', () => {
  it('needs a bearer token or a session', async () => {
    const r = await fetch(`${takt.directUrl}/api/events`);
    expect([r.status, ((await r.json()) as { error: { code: string } }).error.code]).toEqual([401, 'unauthenticated']);
  });

  it('sends the caller a usage event with an id when their export commits, and nothing to another user', async () => {
    const other = await takt.addUser('other@example.com');
    const mine = openEvents(takt.token);
    const theirs = openEvents(other.token);
    const r = await mine.ready;
    expect([r.status, r.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    await mine.next(/^event: hello/m);
    await theirs.next(/^event: hello/m);
    expect(await exportFor(takt.token, 5)).toBe(200);
    const frame = await mine.next(/^event: usage/m);
    const id = /^id: (\d+)$/m.exec(frame)?.[1];
    expect([typeof id, JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? '{}').kind]).toEqual(['string', 'usage']);
    // A marker of their own after mine: the stream is in order, so anything of mine sent to
    // them would have come before it.
    const marked = await fetch(`${takt.directUrl}/api/limit-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other.token}` },
      body: JSON.stringify({ kind: 'hit_limit', window: 'five_hour', source: 'dashboard', account_uuid: 'acct-other' }),
    });
    expect(marked.status).toBe(201);
    await waitFor(
      'their own limit_event',
      () => theirs.frames.some((f) => /^event: limit_event/m.test(f)),
      (seen) => seen,
    );
    expect(theirs.frames.filter((f) => /event: usage/.test(f))).toEqual([]);

    // An export while the page is away; the reconnect says where it was and gets it without a new export.
    mine.close();
    expect(await exportFor(takt.token, 6)).toBe(200);
    const resumed = openEvents(takt.token, { 'last-event-id': id ?? '' });
    const replayed = await resumed.next(/^event: usage/m);
    expect(Number(/^id: (\d+)$/m.exec(replayed)?.[1])).toBe(Number(id) + 1);
    for (const s of [resumed, theirs]) s.close();
  });

  it('sends a usage event for a manual entry and a limit_event for a marked limit: every writer announces its change', async () => {
    const mine = openEvents(takt.token);
    await mine.ready;
    await mine.next(/^event: hello/m);
    const post = (path: string, body: unknown) =>
      fetch(`${takt.directUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${takt.token}` },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    expect(await post('/api/manual-entries', { input: 10, output: 5 })).toBe(201);
    const usage = await mine.next(/^event: usage/m);
    expect(
      await post('/api/limit-events', {
        kind: 'hit_limit',
        window: 'five_hour',
        source: 'dashboard',
        account_uuid: 'acct-live',
      }),
    ).toBe(201);
    const limit = await mine.next(/^event: limit_event/m);
    mine.close();
    expect([/"kind":"usage"/.test(usage), /"kind":"limit_event"/.test(limit)]).toEqual([true, true]);
  });
});

describe('GET /api/events and its credential (issue 22.8)', () => {
  const usageIds = (frames: string[]) =>
    frames.filter((f) => /^event: usage/m.test(f)).map((f) => Number(/^id: (\d+)$/m.exec(f)?.[1]));

  it("numbers events per user: one user's exports do not move another's ids", async () => {
    const a = await takt.addUser('ids-a@example.com');
    const b = await takt.addUser('ids-b@example.com');
    const sa = openEvents(a.token);
    const sb = openEvents(b.token);
    await sa.next(/^event: hello/m);
    await sb.next(/^event: hello/m);
    expect(await exportFor(a.token, 101)).toBe(200);
    await sa.next(/^event: usage/m);
    expect(await exportFor(a.token, 102)).toBe(200);
    const second = await sa.next(/^event: usage/m);
    expect(await exportFor(b.token, 103)).toBe(200);
    const firstOfB = await sb.next(/^event: usage/m);
    expect([usageIds([second]), usageIds([firstOfB])]).toEqual([[2], [1]]);
    for (const s of [sa, sb]) s.close();
  });

  it('ends a stream whose token was revoked instead of sending it the next event', async () => {
    const u = await takt.addUser('revoked-sse@example.com');
    const db = takt.server.context.store.db;
    const other = await issueApiToken(db, u.userId, 'second machine');
    const stream = openEvents(u.token);
    await stream.next(/^event: hello/m);
    const tokenId = (
      await db
        .selectFrom('api_tokens')
        .select('id')
        .where('user_id', '=', u.userId)
        .orderBy('created_at')
        .executeTakeFirstOrThrow()
    ).id;
    const revoked = await new TestClient(takt.directUrl, other.token).call('DELETE', `/api/tokens/${tokenId}`);
    expect(await exportFor(other.token, 111)).toBe(200);
    expect([revoked.status, await stream.endedWithin(2000), usageIds(stream.frames)]).toEqual([200, true, []]);
  });

  it('ends a stream whose browser session signed out', async () => {
    const u = await takt.addUser('session-sse@example.com');
    const browser = new TestClient(takt.directUrl);
    await new TestClient(takt.directUrl, u.token).call('POST', '/auth/password/set', { password: 'session stream pw' });
    const login = await browser.call('POST', '/auth/login', {
      email: 'session-sse@example.com',
      password: 'session stream pw',
    });
    const stream = openEvents('', { cookie: browser.cookie });
    await stream.next(/^event: hello/m);
    const out = await browser.call('POST', '/auth/logout', {}, { 'x-csrf-token': login.body.csrf_token });
    expect(await exportFor(u.token, 121)).toBe(200);
    expect([out.status, await stream.endedWithin(2000), usageIds(stream.frames)]).toEqual([200, true, []]);
  });
});
