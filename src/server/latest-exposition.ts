/**
 * The per-account and per-machine families of GET /metrics as a scrape serves them: the text
 * of the last complete refresh, never one being computed. A scrape takes `current()` and
 * answers at once; if no refresh is running it starts the next one in the background, told
 * which users' data changed since the previous one started (the change seam, every replica).
 * So a scrape costs the same while every user is being recomputed as when nothing changed, and
 * the figures it shows are those of the refresh that finished last: at most one scrape interval
 * plus two refreshes old (docs/operations.md, "Freshness"). Before the first refresh completes
 * (just after a start) there is nothing to serve and the families are absent.
 */

/** With no change heard, a refresh starts at most this often. */
export const IDLE_REFRESH_MS = 10_000;

/** What a refresh is told: whose figures to compute again whatever their age. */
export interface RefreshRequest {
  /** Users whose data changed since the previous refresh started. */
  changed: string[];
  /** Changes may have been lost (a replica's LISTEN connection dropped): every user. */
  allChanged: boolean;
}

/** Computes the families (limits-metrics-thread.ts: in a worker thread, or in process). */
export type RefreshExposition<T> = (request: RefreshRequest) => Promise<T>;

/** The families' text, as is and gzipped (Prometheus asks for gzip), made once per refresh. */
export interface FamiliesText {
  plain: Buffer;
  gzip: Buffer;
}

export class LatestExposition<T = FamiliesText> {
  readonly #refresh: RefreshExposition<T>;
  readonly #onError: (error: unknown) => void;
  readonly #clock: () => number;
  #text: T | undefined;
  #startedAt: number | undefined;
  #running: Promise<void> | undefined;
  #changed = new Set<string>();
  #allChanged = false;
  #closed = false;

  constructor(refresh: RefreshExposition<T>, onError: (error: unknown) => void, clock: () => number = Date.now) {
    this.#refresh = refresh;
    this.#onError = onError;
    this.#clock = clock;
  }

  markChanged(userId: string): void {
    this.#changed.add(userId);
  }

  markAllChanged(): void {
    this.#allChanged = true;
  }

  /**
   * The text of the last complete refresh (undefined before the first), at once; starts the
   * next refresh unless one is running (or nothing changed lately). Never waits for a refresh.
   */
  current(): T | undefined {
    this.#start();
    return this.#text;
  }

  /** Resolves once no refresh is running (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Starts no more refreshes and waits for the running one. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.whenIdle();
  }

  #start(): void {
    if (this.#running || this.#closed) return;
    const now = this.#clock();
    const idle = this.#changed.size === 0 && !this.#allChanged;
    if (idle && this.#startedAt !== undefined && now - this.#startedAt < IDLE_REFRESH_MS) return;
    this.#startedAt = now;
    const request: RefreshRequest = { changed: [...this.#changed], allChanged: this.#allChanged };
    this.#changed = new Set();
    this.#allChanged = false;
    this.#running = this.#refresh(request)
      .then(
        (text) => {
          this.#text = text;
        },
        (error: unknown) => {
          // The previous text stays served; the changes it was told of are told again next time.
          for (const id of request.changed) this.#changed.add(id);
          this.#allChanged ||= request.allChanged;
          this.#onError(error);
        },
      )
      .finally(() => {
        this.#running = undefined;
      });
  }
}
