import { describe, expect, it } from 'vitest';
import { IDLE_REFRESH_MS, LatestExposition, type RefreshRequest } from './latest-exposition.ts';

/**
 * A scrape answers the last complete refresh and never waits for the one running: the
 * refresh here is a promise the test settles by hand (a computation as slow as the test says).
 */
function gatedRefreshes() {
  const calls: { request: RefreshRequest; finish: (text: string) => void; fail: (error: Error) => void }[] = [];
  const refresh = (request: RefreshRequest) =>
    new Promise<string>((resolve, reject) => calls.push({ request, finish: resolve, fail: reject }));
  return { calls, refresh };
}

describe('the latest exposition of GET /metrics', () => {
  it('answers the previous complete text while the next refresh runs, and starts one refresh at a time', async () => {
    const { calls, refresh } = gatedRefreshes();
    const latest = new LatestExposition<string>(refresh, () => {});

    // Just after a start: nothing computed yet, the first refresh starts.
    expect(latest.current()).toBeUndefined();
    expect(calls.length).toBe(1);
    calls[0]?.finish('first\n');
    await latest.whenIdle();

    latest.markChanged('user-a');
    // This scrape answers the first text and starts the second refresh, told of user-a.
    expect(latest.current()).toBe('first\n');
    expect(calls.map((c) => c.request)).toEqual([
      { changed: [], allChanged: false },
      { changed: ['user-a'], allChanged: false },
    ]);
    // While it runs, scrapes keep answering the first text, and start no other refresh.
    latest.markChanged('user-b');
    expect(latest.current()).toBe('first\n');
    expect(latest.current()).toBe('first\n');
    expect(calls.length).toBe(2);

    calls[1]?.finish('second\n');
    await latest.whenIdle();
    expect(latest.current()).toBe('second\n');
    // That scrape started the third refresh, told of the change heard during the second.
    expect(calls[2]?.request).toEqual({ changed: ['user-b'], allChanged: false });
  });

  it('refreshes unchanged data only once IDLE_REFRESH_MS have passed since the last start', async () => {
    const { calls, refresh } = gatedRefreshes();
    let now = 1_000_000;
    const latest = new LatestExposition(
      refresh,
      () => {},
      () => now,
    );
    latest.current();
    calls[0]?.finish('first\n');
    await latest.whenIdle();

    now += IDLE_REFRESH_MS - 1;
    expect(latest.current()).toBe('first\n');
    expect(calls.length).toBe(1);
    now += 1;
    expect(latest.current()).toBe('first\n');
    expect(calls.map((c) => c.request)).toEqual([
      { changed: [], allChanged: false },
      { changed: [], allChanged: false },
    ]);
    calls[1]?.finish('second\n');
    await latest.whenIdle();
    // A change is refreshed at the next scrape, however recent the last refresh.
    latest.markChanged('user-a');
    expect(latest.current()).toBe('second\n');
    expect(calls[2]?.request).toEqual({ changed: ['user-a'], allChanged: false });
  });

  it('keeps serving the last text when a refresh fails, and tells the next one the changes again', async () => {
    const { calls, refresh } = gatedRefreshes();
    const failures: unknown[] = [];
    const latest = new LatestExposition<string>(refresh, (error) => failures.push(error));
    latest.current();
    calls[0]?.finish('good\n');
    await latest.whenIdle();

    latest.markChanged('user-a');
    latest.markAllChanged();
    expect(latest.current()).toBe('good\n');
    calls[1]?.fail(new Error('database gone'));
    await latest.whenIdle();

    expect(failures.map((e) => (e as Error).message)).toEqual(['database gone']);
    expect(latest.current()).toBe('good\n');
    expect(calls[2]?.request).toEqual({ changed: ['user-a'], allChanged: true });
  });

  it('starts nothing once closed, after waiting for the running refresh', async () => {
    const { calls, refresh } = gatedRefreshes();
    const latest = new LatestExposition<string>(refresh, () => {});
    latest.current();
    const closed = latest.close();
    calls[0]?.finish('last\n');
    await closed;
    expect(latest.current()).toBe('last\n');
    expect(calls.length).toBe(1);
  });
});
