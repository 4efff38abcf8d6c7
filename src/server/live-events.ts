import { type ChangeKind, type Changes, changeKinds } from '../lib/changes.ts';

/** What changed for a user; the page refetches what the kind names. */
export interface LiveEvent {
  /** Increasing per process; sent as the SSE `id:` so a reconnect can say where it was. */
  id: number;
  kind: ChangeKind;
  at: string;
}

/**
 * The dashboard's server-sent events, per user: what GET /api/events reads. Nothing publishes
 * here by hand: `feedLiveEvents` subscribes the hub to the app's changes (lib/changes.ts), which
 * on PostgreSQL arrive from every replica.
 */
export interface LiveEvents {
  /** Returns the unsubscribe function. `onClose` is called when the server shuts down. */
  subscribe(userId: string, listener: (event: LiveEvent) => void, onClose?: () => void): () => void;
  /** Events after `lastId` still held for the user (a short ring), for Last-Event-ID. */
  since(userId: string, lastId: number): LiveEvent[];
  /** Ends every open stream (server shutdown: an open page must not hold the HTTP server open). */
  close(): void;
}

const KEPT_PER_USER = 32;

export class InProcessLiveEvents implements LiveEvents {
  #next = 1;
  readonly #listeners = new Map<string, Set<(event: LiveEvent) => void>>();
  readonly #recent = new Map<string, LiveEvent[]>();
  readonly #closers = new Set<() => void>();

  publish(userId: string, kind: ChangeKind): void {
    const event: LiveEvent = { id: this.#next++, kind, at: new Date().toISOString() };
    // Only users who opened a page keep a history (so a reconnect can catch up): no
    // memory grows for machines nobody watches, and at most KEPT_PER_USER per user.
    const kept = this.#recent.get(userId);
    if (!kept) return;
    kept.push(event);
    if (kept.length > KEPT_PER_USER) kept.shift();
    for (const l of this.#listeners.get(userId) ?? []) l(event);
  }

  subscribe(userId: string, listener: (event: LiveEvent) => void, onClose?: () => void): () => void {
    if (onClose) this.#closers.add(onClose);
    let set = this.#listeners.get(userId);
    if (!set) {
      set = new Set();
      this.#listeners.set(userId, set);
    }
    set.add(listener);
    if (!this.#recent.has(userId)) this.#recent.set(userId, []);
    return () => {
      if (onClose) this.#closers.delete(onClose);
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(userId);
    };
  }

  since(userId: string, lastId: number): LiveEvent[] {
    return (this.#recent.get(userId) ?? []).filter((e) => e.id > lastId);
  }

  /** Tells every open page to refetch (events may have been missed: a lost connection). */
  refreshAll(): void {
    for (const userId of [...this.#listeners.keys()]) {
      for (const kind of changeKinds) this.publish(userId, kind);
    }
  }

  close(): void {
    for (const c of [...this.#closers]) c();
    this.#closers.clear();
  }
}

/** Every change (from any replica) becomes a live event; lost changes make every open page refetch. */
export function feedLiveEvents(changes: Changes, live: InProcessLiveEvents): () => void {
  return changes.subscribe(
    (userId, kind) => live.publish(userId, kind),
    () => live.refreshAll(),
  );
}
