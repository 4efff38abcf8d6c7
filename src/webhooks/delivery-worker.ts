import { recordAudit } from '../audit/record-audit.ts';
import type { Logger } from '../lib/log.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import type { Store } from '../store/store.ts';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  enqueueWebhookEvent,
  insertWebhookAttempt,
  listWebhookEndpoints,
  nextDueAt,
  pruneWebhookHistory,
  settleDelivery,
  updateWebhookEndpoint,
  type WebhookEndpointRow,
} from '../store/webhooks.ts';
import { redactedUrl } from './actions/endpoint-view.ts';
import type { WebhookFormat, WebhookPayload } from './event-types.ts';
import { renderBody } from './formats.ts';
import { capPerHost, DEFAULT_MAX_PER_HOST } from './host-cap.ts';
import { signedHeaders } from './signing.ts';
import { GuardRefusal, type SendResult, type UrlGuard } from './url-guard.ts';

export interface DeliveryWorkerOptions {
  store: Store;
  guard: UrlGuard;
  log: Logger;
  /** Milliseconds to wait after each failed attempt; attempts = entries + 1. */
  retryScheduleMs: readonly number[];
  /** A 2xx must come within this. */
  timeoutMs: number;
  /** A claim's length: longer than timeoutMs, so a live worker never loses a delivery it is sending. */
  leaseMs: number;
  /** An endpoint failing (no success) for this long is disabled. Default 3 days. */
  disableAfterMs?: number;
  /** How often the outbox is looked at when nothing woke the worker (other replicas' events). */
  pollMs?: number;
  /** How much of an answer is read (and kept, as the log's excerpt). */
  maxResponseBytes?: number;
  /** Endpoints on one host a webhook_disabled notice goes to (TAKT_WEBHOOK_MAX_PER_HOST). */
  maxPerHost?: number;
  /** Deliveries claimed at once (different endpoints are sent in parallel). */
  batch?: number;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_DISABLE_AFTER_MS = 3 * 86_400_000;
/** The delivery log keeps settled deliveries this long. */
export const HISTORY_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/** Each wait is stretched or shrunk by up to this share, so retries from many failures spread out. */
export const JITTER = 0.2;

/**
 * The delivery worker (docs/webhooks.md, "Delivery"): claims due deliveries from the outbox
 * with a lease, signs and sends each through the URL guard, and records the attempt and its
 * outcome. A 2xx within the timeout is delivered; 410 Gone disables the endpoint; anything
 * else is retried on the schedule with jitter until the attempts run out. Everything lives in
 * the database, so a restart (kill -9 included) loses nothing: a claim whose worker died is
 * sent again when its lease runs out, with the same webhook-id.
 */
export class DeliveryWorker {
  private readonly o: DeliveryWorkerOptions;
  private readonly owner = `worker_${newId()}`;
  private stopped = true;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private idleWaiters: (() => void)[] = [];
  private prunedAt = 0;

  constructor(options: DeliveryWorkerOptions) {
    this.o = options;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Something was enqueued: look now rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /**
   * Resolves once nothing is waiting to be sent: no delivery in flight here and none pending
   * for an enabled endpoint (retries scheduled later included). Tests wait on it instead of
   * sleeping; a stopped worker is idle.
   */
  whenIdle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.kick();
    });
  }

  private settleIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops claiming, and waits for the deliveries being sent to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.inFlight);
    this.settleIdleWaiters();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed = 0;
      try {
        claimed = await this.runOnce();
      } catch (error) {
        this.o.log.error('webhook delivery failed to claim', { error });
      }
      if (this.stopped) break;
      if (claimed > 0) continue;
      if (this.now() - this.prunedAt > PRUNE_EVERY_MS) {
        this.prunedAt = this.now();
        await pruneWebhookHistory(this.o.store.db, this.prunedAt - HISTORY_MS).catch((error) =>
          this.o.log.warn('webhook history could not be pruned', { error }),
        );
      }
      let wait = this.o.pollMs ?? 1000;
      try {
        const due = await nextDueAt(this.o.store.db);
        if (due !== null) wait = Math.max(5, Math.min(wait, due - this.now()));
        else if (this.inFlight.size === 0) this.settleIdleWaiters();
      } catch {
        // The database is away: poll again later.
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Claims and sends what is due; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const now = this.now();
    const claims = await this.o.store.transaction((trx) =>
      claimDueDeliveries(trx, this.o.store.dialect, {
        now,
        leaseMs: this.o.leaseMs,
        owner: this.owner,
        limit: this.o.batch ?? 8,
      }),
    );
    const sends = claims.map((c) => {
      const p = this.deliver(c).catch((error) => this.o.log.error('webhook delivery failed', { error }));
      this.inFlight.add(p);
      return p.finally(() => this.inFlight.delete(p));
    });
    await Promise.all(sends);
    return claims.length;
  }

  private async deliver({ delivery, endpoint, event }: ClaimedDelivery): Promise<void> {
    const started = this.now();
    const payload = JSON.parse(event.payload) as WebhookPayload;
    const body = renderBody(endpoint.format as WebhookFormat, payload);
    const maxBytes = this.o.maxResponseBytes ?? 4096;
    let result: SendResult | undefined;
    let error: string | null = null;
    try {
      result = await this.o.guard.post(endpoint.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'takt-webhooks',
          ...signedHeaders(endpoint.secret, event.id, body, started),
        },
        body,
        timeoutMs: this.o.timeoutMs,
        maxResponseBytes: maxBytes,
      });
    } catch (e) {
      error = e instanceof GuardRefusal ? `refused by the URL guard: ${e.message}` : (e as Error).message;
      // The address a name resolved to: for the server's operator, never the endpoint's owner.
      if (e instanceof GuardRefusal && e.detail)
        this.o.log.warn('webhook delivery refused by the URL guard', { endpoint: endpoint.id, reason: e.detail });
    }
    const status = result?.status ?? null;
    const latency = result?.latencyMs ?? Math.round(this.now() - started);
    if (result && status !== null) {
      if (status >= 300 && status < 400) error = `redirect to ${result.location ?? '(no Location)'} not followed`;
      else if (status === 410) error = 'the receiver answered 410 Gone';
      else if (status < 200 || status >= 300) error = `the receiver answered ${status}`;
    }
    const ok = error === null && status !== null && status >= 200 && status < 300;
    const attempt = Number(delivery.attempts) + 1;
    const finishedAt = this.now();
    await this.o.store.transaction(async (trx) => {
      await insertWebhookAttempt(trx, {
        delivery_id: delivery.id,
        endpoint_id: endpoint.id,
        attempt,
        started_at: started,
        status_code: status,
        latency_ms: latency,
        outcome: ok ? 'delivered' : status === 410 ? 'gone' : 'failed',
        error,
        response_excerpt: result ? result.excerpt.slice(0, 1024) : null,
      });
      if (ok) {
        const applied = await settleDelivery(trx, delivery.id, this.owner, {
          status: 'delivered',
          attempts: attempt,
          next_attempt_at: Number(delivery.next_attempt_at),
          last_status: status,
          last_error: null,
          delivered_at: finishedAt,
        });
        if (applied && endpoint.failing_since !== null) {
          await updateWebhookEndpoint(trx, endpoint.id, { failing_since: null });
        }
        return;
      }
      const exhausted = attempt > this.o.retryScheduleMs.length;
      const gone = status === 410;
      const wait = this.o.retryScheduleMs[attempt - 1] ?? 0;
      const jitter = 1 + ((this.o.random ?? Math.random)() * 2 - 1) * JITTER;
      const applied = await settleDelivery(trx, delivery.id, this.owner, {
        status: exhausted || gone ? 'failed' : 'pending',
        attempts: attempt,
        next_attempt_at: exhausted || gone ? Number(delivery.next_attempt_at) : finishedAt + Math.round(wait * jitter),
        last_status: status,
        last_error: error,
      });
      if (!applied) return;
      const failingSince = endpoint.failing_since === null ? started : Number(endpoint.failing_since);
      if (gone) {
        await this.disable(trx, endpoint, 'the receiver answered 410 Gone', finishedAt);
      } else if (finishedAt - failingSince >= (this.o.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS)) {
        await this.disable(
          trx,
          endpoint,
          `every delivery failed since ${new Date(failingSince).toISOString()} (last: ${error})`,
          finishedAt,
        );
      } else if (endpoint.failing_since === null) {
        await updateWebhookEndpoint(trx, endpoint.id, { failing_since: started });
      }
    });
    if (!ok) this.o.log.debug('webhook attempt failed', { endpoint: endpoint.id, attempt, error });
  }

  /**
   * Disables an endpoint and tells its owner: the endpoint's `disabled_reason` (shown by the
   * API and the dashboard), an audit row, a warning in the log, and a `webhook_disabled` event
   * to the owner's other endpoints that subscribe to it.
   */
  private async disable(trx: Db, endpoint: WebhookEndpointRow, reason: string, now: number): Promise<void> {
    await updateWebhookEndpoint(trx, endpoint.id, {
      enabled: 0,
      disabled_reason: reason,
      disabled_at: now,
      updated_at: now,
    });
    await recordAudit(
      trx,
      { userId: null, address: 'webhook delivery' },
      {
        action: 'webhook.disable',
        targetType: 'webhook',
        targetId: endpoint.id,
        before: { enabled: true },
        after: { enabled: false, reason },
      },
    );
    this.o.log.warn('webhook endpoint disabled', { endpoint: endpoint.id, reason });
    const others = capPerHost(
      (await listWebhookEndpoints(trx, endpoint.user_id)).filter(
        (e) =>
          e.id !== endpoint.id &&
          Number(e.enabled) === 1 &&
          (JSON.parse(e.events) as string[]).includes('webhook_disabled'),
      ),
      (e) => e.url,
      this.o.maxPerHost ?? DEFAULT_MAX_PER_HOST,
    ).kept;
    const payload: WebhookPayload = {
      type: 'webhook_disabled',
      timestamp: new Date(now).toISOString(),
      data: { endpoint_id: endpoint.id, url: redactedUrl(endpoint.url), reason, source: 'delivery' },
    };
    await enqueueWebhookEvent(
      trx,
      {
        id: `msg_${newId().replaceAll('-', '')}`,
        type: 'webhook_disabled',
        user_id: endpoint.user_id,
        account_id: null,
        payload: JSON.stringify(payload),
        created_at: now,
      },
      others.map((e) => e.id),
      now,
    );
  }
}
