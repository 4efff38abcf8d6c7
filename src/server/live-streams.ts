import type { Logger } from '../lib/log.ts';

/** Open streams one user may hold; a page reconnecting on every tab rarely needs more than a few. */
export const LIVE_STREAMS_PER_USER = 30;

/**
 * The open GET /api/events streams of this process. Each holds a socket (a file descriptor):
 * one member opening hundreds starved the server of descriptors (issue 22.2). A user's streams
 * beyond LIVE_STREAMS_PER_USER close oldest first; past `total` for the whole server a new
 * stream is refused. Both are logged.
 */
export class LiveStreams {
  readonly #byUser = new Map<string, { close: () => void }[]>();
  #count = 0;
  readonly #total: number;
  readonly #perUser: number;
  readonly #log: Logger;

  constructor(options: { total: number; perUser?: number; log: Logger }) {
    this.#total = options.total;
    this.#perUser = options.perUser ?? LIVE_STREAMS_PER_USER;
    this.#log = options.log;
  }

  get count(): number {
    return this.#count;
  }

  /**
   * Registers a stream that `close` ends; answers its release function (call it when the
   * stream ends for any reason), or undefined when the server-wide cap is reached.
   */
  add(userId: string, close: () => void): (() => void) | undefined {
    if (this.#count >= this.#total) {
      this.#log.warn('live streams: the server-wide cap is reached; a new GET /api/events was refused', {
        cap: this.#total,
        user_id: userId,
        setting: 'TAKT_LIVE_STREAMS_MAX',
      });
      return undefined;
    }
    const mine = this.#byUser.get(userId) ?? [];
    this.#byUser.set(userId, mine);
    const entry = { close };
    mine.push(entry);
    this.#count++;
    if (mine.length > this.#perUser) {
      this.#log.warn('live streams: a user opened more than the per-user cap; closing their oldest', {
        cap: this.#perUser,
        user_id: userId,
      });
      mine.shift()?.close();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const i = mine.indexOf(entry);
      if (i >= 0) mine.splice(i, 1);
      if (mine.length === 0 && this.#byUser.get(userId) === mine) this.#byUser.delete(userId);
      this.#count--;
    };
  }

  /** How many streams a user has open. */
  of(userId: string): number {
    return this.#byUser.get(userId)?.length ?? 0;
  }
}
