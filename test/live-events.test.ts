import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetrics, tokenMetrics } from './support/otlp-payloads.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';

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
  const ready = fetch(`${takt.directUrl}/api/events`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
    signal: abort.signal,
  }).then(async (r) => {
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
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
  return { ready, next, frames, close: () => abort.abort() };
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
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(theirs.frames.filter((f) => /event: usage/.test(f))).toEqual([]);

    // An export while the page is away; the reconnect says where it was and gets it without a new export.
    mine.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
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
