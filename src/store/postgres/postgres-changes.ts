import pg from 'pg';
import { type ChangeKind, type ChangeListener, type Changes, isChangeKind, ListenerSet } from '../../lib/changes.ts';

const CHANNEL = 'takt_live';
/** Publishes within this many ms go out as one NOTIFY (an export per machine every 5 s adds up). */
const COALESCE_MS = 25;
/** NOTIFY payloads must stay under 8,000 bytes. */
const MAX_PAYLOAD_CHARS = 7_000;
const RECONNECT_MAX_MS = 5_000;

type Note = [userId: string, kind: ChangeKind];

/**
 * Changes across replicas: publish tells this replica's local subscribers at once and sends
 * `NOTIFY takt_live` (coalesced, deduplicated); every replica LISTENs on its own connection
 * and hands what arrives (its own changes included) to its subscribers, such as the open
 * `/api/events` streams. An export taken by one replica so reaches a dashboard open on another.
 */
export class PostgresChanges implements Changes {
  readonly #all: ListenerSet;
  readonly #local: ListenerSet;
  readonly #missed = new Set<() => void>();
  readonly #url: string;
  readonly #onError: (message: string, error: unknown) => void;
  #listener: pg.Client | undefined;
  #sender: Promise<pg.Client> | undefined;
  #pending = new Map<string, Note>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #listening = false;
  #retryMs = 100;

  constructor(databaseUrl: string, onError: (message: string, error: unknown) => void = () => {}) {
    this.#url = databaseUrl;
    this.#onError = onError;
    this.#all = new ListenerSet((e) => onError('changes: a subscriber failed', e));
    this.#local = new ListenerSet((e) => onError('changes: a subscriber failed', e));
  }

  /** Connects and LISTENs; resolves when notifications flow (a replica is ready after this). */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Whether this replica currently receives other replicas' events. */
  get listening(): boolean {
    return this.#listening;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.#deliver(msg.payload);
    });
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.#listener = client;
    this.#listening = true;
    this.#retryMs = 100;
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#listener !== client || this.#closed) return;
    this.#listener = undefined;
    this.#listening = false;
    this.#onError('changes: lost the LISTEN connection to PostgreSQL; reconnecting', error);
    client.end().catch(() => {});
    const retry = () => {
      if (this.#closed) return;
      this.#connect().then(
        // Changes published while away are lost: subscribers that keep state refresh it all.
        () => {
          for (const m of [...this.#missed]) m();
        },
        (e) => {
          this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
          this.#onError('changes: cannot reach PostgreSQL yet', e);
          setTimeout(retry, this.#retryMs).unref();
        },
      );
    };
    setTimeout(retry, this.#retryMs).unref();
  }

  #deliver(payload: string): void {
    let notes: unknown;
    try {
      notes = JSON.parse(payload);
    } catch {
      return; // not ours
    }
    if (!Array.isArray(notes)) return;
    for (const n of notes) {
      if (Array.isArray(n) && typeof n[0] === 'string' && isChangeKind(n[1])) this.#all.emit(n[0], n[1]);
    }
  }

  publish(userId: string, kind: ChangeKind): void {
    if (this.#closed) return;
    this.#local.emit(userId, kind);
    this.#pending.set(`${userId}\u0000${kind}`, [userId, kind]);
    // Flushes run one after another: a pg client takes one query at a time.
    this.#flushTimer ??= setTimeout(() => {
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, COALESCE_MS);
  }

  async #flush(): Promise<void> {
    this.#flushTimer = undefined;
    const notes = [...this.#pending.values()];
    this.#pending = new Map();
    const payloads: string[] = [];
    let batch: Note[] = [];
    for (const n of notes) {
      batch.push(n);
      if (JSON.stringify(batch).length > MAX_PAYLOAD_CHARS) {
        batch.pop();
        payloads.push(JSON.stringify(batch));
        batch = [n];
      }
    }
    if (batch.length > 0) payloads.push(JSON.stringify(batch));
    try {
      this.#sender ??= this.#openSender();
      const sender = await this.#sender;
      for (const p of payloads) await sender.query('select pg_notify($1, $2)', [CHANNEL, p]);
    } catch (error) {
      // A change note is a hint to refetch or re-evaluate, never data: dropping one costs a stale chart
      // until the next (the alert evaluator heard it locally already; its timer sweeps anyway).
      const broken = this.#sender;
      this.#sender = undefined;
      broken?.then((c) => c.end()).catch(() => {});
      this.#onError('changes: could not notify the other replicas', error);
    }
  }

  async #openSender(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.#url });
    c.on('error', () => {}); // the next query fails and #flush reopens
    await c.connect();
    return c;
  }

  subscribe(listener: ChangeListener, onMissed?: () => void): () => void {
    const off = this.#all.add(listener);
    if (onMissed) this.#missed.add(onMissed);
    return () => {
      off();
      if (onMissed) this.#missed.delete(onMissed);
    };
  }

  subscribeLocal(listener: ChangeListener): () => void {
    return this.#local.add(listener);
  }

  /** Sends what is pending and ends both connections (at server shutdown). */
  async stop(): Promise<void> {
    if (this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushing = this.#flushing.then(() => this.#flush());
    }
    await this.#flushing;
    this.#closed = true;
    this.#listening = false;
    await Promise.all([this.#listener?.end().catch(() => {}), this.#sender?.then((c) => c.end()).catch(() => {})]);
    this.#listener = undefined;
    this.#sender = undefined;
  }
}
