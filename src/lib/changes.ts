/** What changed for a user: the closed set every subscriber switches on. */
export const changeKinds = ['usage', 'official', 'limit_event'] as const;
export type ChangeKind = (typeof changeKinds)[number];

export type ChangeListener = (userId: string, kind: ChangeKind) => void;

export function isChangeKind(k: unknown): k is ChangeKind {
  return (changeKinds as readonly unknown[]).includes(k);
}

/**
 * The one way to say "a user's data changed" (docs/architecture.md, "Announcing a change"):
 * writers call `publish` after their transaction commits; the dashboard's live events, the
 * webhook alert evaluator and anything later subscribe. In one process it is a list of
 * listeners (InProcessChanges); with replicas on PostgreSQL, store/postgres/postgres-changes.ts
 * carries each change to every replica over LISTEN/NOTIFY. It lives in lib/ so that the
 * recorder, the server and the store's PostgreSQL side can all name it.
 */
export interface Changes {
  /** After the commit: never inside a transaction that may still roll back. */
  publish(userId: string, kind: ChangeKind): void;
  /**
   * Every change, from every replica: for what each replica serves itself (open dashboards).
   * `onMissed` is called when changes may have been lost (a replica lost its LISTEN connection).
   */
  subscribe(listener: ChangeListener, onMissed?: () => void): () => void;
  /**
   * Only the changes published by this process: for work done once per change across the
   * fleet (alert evaluation), which every replica would otherwise repeat.
   */
  subscribeLocal(listener: ChangeListener): () => void;
}

/** Listeners of one kind; one listener's failure never reaches the writer or the other listeners. */
export class ListenerSet {
  readonly #listeners = new Set<ChangeListener>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  add(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(userId: string, kind: ChangeKind): void {
    for (const l of [...this.#listeners]) {
      try {
        l(userId, kind);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}

/** Changes in one process (SQLite, or tests): every change is local. */
export class InProcessChanges implements Changes {
  readonly #all: ListenerSet;
  readonly #local: ListenerSet;

  constructor(onError: (error: unknown) => void = () => {}) {
    this.#all = new ListenerSet(onError);
    this.#local = new ListenerSet(onError);
  }

  publish(userId: string, kind: ChangeKind): void {
    this.#local.emit(userId, kind);
    this.#all.emit(userId, kind);
  }

  subscribe(listener: ChangeListener): () => void {
    return this.#all.add(listener);
  }

  subscribeLocal(listener: ChangeListener): () => void {
    return this.#local.add(listener);
  }
}
