import type { Logger } from '../lib/log.ts';
import type { PriceTable } from '../pricing/price-table.ts';
import { type EvaluatedAccount, evaluateUserAccounts } from '../queries/account-limits.ts';
import { accountLabel } from '../queries/limits-view.ts';
import { type AccountRow, listAccounts, listAllAccounts } from '../store/accounts.ts';
import { listRecentCapacityChanges } from '../store/capacity-changes.ts';
import { newId } from '../store/ids.ts';
import { claimLease } from '../store/leases.ts';
import { listRecentCalibrationRejections } from '../store/limit-observations.ts';
import { listMachines } from '../store/machines.ts';
import type { Store } from '../store/store.ts';
import { lastAccountOfMachine } from '../store/usage-rows.ts';
import { listUsers, type User } from '../store/users.ts';
import {
  deleteAlertState,
  enqueueWebhookEvent,
  listWebhookEndpoints,
  loadAlertState,
  lockAlertsOf,
  saveAlertState,
  type WebhookEndpointRow,
} from '../store/webhooks.ts';
import type { WindowEvaluation } from '../usage/evaluate-account.ts';
import { type RaisedAlert, type WindowState, windowAlerts } from './alert-rules.ts';
import { type ActiveEndpoint, activeEndpoints, covers } from './endpoint-match.ts';
import type { PayloadAccount, WebhookPayload } from './event-types.ts';
import { capPerHost, DEFAULT_MAX_PER_HOST } from './host-cap.ts';

/** A machine counts as "active" for telemetry_stale if it sent something within the last day. */
const ACTIVE_WITHIN_MS = 86_400_000;
/** calibration_rejected and capacity_changed are raised for facts recorded this recently (older ones predate the endpoint). */
const REJECTIONS_WITHIN_MS = 86_400_000;

export interface AlertEvaluatorOptions {
  store: Store;
  log: Logger;
  prices: () => PriceTable;
  /** telemetry_stale after this much silence. */
  staleMs: number;
  /** The dashboard's base URL for links in payloads (TAKT_PUBLIC_URL, else the server's own). */
  dashboardUrl: () => string;
  /** The timer's period (every user evaluated). */
  intervalMs: number;
  /** Wait this long after a commit before evaluating, so a burst of exports is one evaluation. */
  debounceMs?: number;
  /** A user is evaluated after a commit at most once per this (default 2 s); the timer is not held back. */
  minGapMs?: number;
  /** Endpoints on one destination host that one event is sent to (TAKT_WEBHOOK_MAX_PER_HOST). */
  maxPerHost?: number;
  /** Called after events were written (to wake the delivery worker). */
  onRaised?: () => void;
  now?: () => number;
}

const round = (n: number | null, places: number) => (n === null ? null : Math.round(n * 10 ** places) / 10 ** places);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The alert evaluator (docs/webhooks.md): after telemetry, observations or limit events are
 * committed for a user (debounced) and on a timer, evaluates the user's accounts and machines,
 * compares with the stored alert state, and writes the new state together with the outbox rows
 * of the events it raises, in one transaction: an event is in the outbox exactly when the state
 * change that raised it is committed. Replicas serialise per user (lockAlertsOf), so two
 * evaluations at once raise an event once.
 */
export class AlertEvaluator {
  private readonly o: AlertEvaluatorOptions;
  private readonly pending = new Set<string>();
  private readonly lastRun = new Map<string, number>();
  private debounce: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private flushWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly owner = `alerts_${newId()}`;

  constructor(options: AlertEvaluatorOptions) {
    this.o = options;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  start(): void {
    this.interval = setInterval(() => this.enqueue(() => this.sweep()), this.o.intervalMs);
    this.interval.unref();
  }

  /** Data of these users was committed: evaluate them soon. */
  notify(userIds: Iterable<string>): void {
    if (this.stopped) return;
    for (const id of userIds) this.pending.add(id);
    this.schedule(this.o.debounceMs ?? 250);
  }

  private schedule(delayMs: number): void {
    this.debounce ??= setTimeout(() => this.flush(), delayMs);
  }

  /**
   * Evaluates the pending users, each at most once per `minGapMs`: a machine exporting every
   * few seconds must not make the server evaluate its user's month of usage as often.
   */
  private flush(): void {
    this.debounce = undefined;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    const now = Date.now();
    const gap = this.o.minGapMs ?? 2000;
    const due = [...this.pending].filter((u) => now - (this.lastRun.get(u) ?? 0) >= gap);
    for (const u of due) {
      this.pending.delete(u);
      this.lastRun.set(u, now);
    }
    if (this.pending.size > 0) {
      const wait = Math.min(...[...this.pending].map((u) => gap - (now - (this.lastRun.get(u) ?? 0))));
      this.schedule(Math.max(wait, 1));
    }
    if (due.length > 0) {
      this.enqueue(async () => {
        for (const u of due) await this.evaluateUser(u);
      });
    }
    for (const w of waiters) w();
  }

  /** Runs evaluations one after another; a failure is logged, never thrown into a request. */
  private enqueue(job: () => Promise<unknown>): void {
    this.running = this.running.then(async () => {
      if (this.stopped) return;
      try {
        await job();
      } catch (error) {
        this.o.log.error('alert evaluation failed', { error });
      }
    });
  }

  /** Waits for the evaluations queued so far (tests, shutdown). */
  async idle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.running;
      await seen;
    } while (seen !== this.running);
  }

  /**
   * Resolves once every change notified so far has been evaluated: no user waiting for the
   * debounce or the per-user gap, and no evaluation running. Tests wait on it instead of sleeping.
   */
  async whenIdle(): Promise<void> {
    while (!this.stopped && this.debounce !== undefined) {
      await new Promise<void>((resolve) => this.flushWaiters.push(resolve));
    }
    await this.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.debounce);
    this.debounce = undefined;
    for (const w of this.flushWaiters.splice(0)) w();
    await this.running;
  }

  /** Every user (the timer): silent machines and windows that reset with no new data. */
  async sweep(): Promise<number> {
    const endpoints = await listWebhookEndpoints(this.o.store.db);
    if (!endpoints.some((e) => Number(e.enabled) === 1)) return 0;
    // One replica sweeps per period (a little less than the interval, so timer drift never skips one).
    const now = this.now();
    if (!(await claimLease(this.o.store.db, 'alerts-sweep', this.o.intervalMs * 0.8, this.owner, now))) return 0;
    const users = await listUsers(this.o.store.db);
    let raised = 0;
    for (const user of users) raised += await this.evaluateUser(user.id, { users, endpoints });
    return raised;
  }

  /** Evaluates one user; returns how many events were raised. */
  async evaluateUser(userId: string, loaded?: { users: User[]; endpoints: WebhookEndpointRow[] }): Promise<number> {
    const db = this.o.store.db;
    const now = this.now();
    const users = loaded?.users ?? (await listUsers(db));
    const admins = new Set(users.filter((u) => u.role === 'admin').map((u) => u.id));
    const endpoints = activeEndpoints(loaded?.endpoints ?? (await listWebhookEndpoints(db)), admins);
    if (endpoints.length === 0) return 0;
    const user = users.find((u) => u.id === userId);
    if (!user) return 0;
    const accounts = (await listAccounts(db, userId)).filter((a) =>
      endpoints.some((e) => covers(e, userId, a.account_uuid)),
    );
    const evaluated = accounts.length
      ? await evaluateUserAccounts(db, { userId, now, prices: this.o.prices(), accounts })
      : [];
    const rejections = await listRecentCalibrationRejections(
      db,
      accounts.map((a) => a.id),
      now - REJECTIONS_WITHIN_MS,
    );
    const capacityChanges = await listRecentCapacityChanges(
      db,
      accounts.map((a) => a.id),
      now - REJECTIONS_WITHIN_MS,
    );
    const machines = (await listMachines(db, userId)).filter(
      (m) => Number(m.last_seen_at) >= now - ACTIVE_WITHIN_MS && Number(m.last_seen_at) <= now - this.o.staleMs,
    );
    const machineAccounts = new Map<string, AccountRow | null>();
    if (machines.length) {
      const all = await listAllAccounts(db);
      for (const m of machines) {
        const accountId = await lastAccountOfMachine(db, m.id);
        machineAccounts.set(m.id, all.find((a) => a.id === accountId) ?? null);
      }
    }

    const raised = await this.o.store.transaction(async (trx) => {
      await lockAlertsOf(trx, this.o.store.dialect, userId);
      const subjects = [...accounts.map((a) => a.id), ...machines.map((m) => m.id)];
      const state = new Map((await loadAlertState(trx, subjects)).map((s) => [`${s.subject}\u0000${s.key}`, s.value]));
      let count = 0;
      const emit = async (
        type: string,
        account: AccountRow | null,
        data: Record<string, unknown>,
        wants: (e: ActiveEndpoint) => boolean,
      ) => {
        const { kept: targets, skipped } = capPerHost(
          endpoints.filter((e) => e.events.has(type) && covers(e, userId, account?.account_uuid ?? null) && wants(e)),
          (e) => e.row.url,
          this.o.maxPerHost ?? DEFAULT_MAX_PER_HOST,
        );
        for (const s of skipped)
          this.o.log.warn('webhook event not sent to every endpoint on one host', { type, ...s });
        if (targets.length === 0) return;
        const payload: WebhookPayload = {
          type,
          timestamp: new Date(now).toISOString(),
          data: { ...data, dashboard_url: this.o.dashboardUrl() },
        };
        await enqueueWebhookEvent(
          trx,
          {
            id: `msg_${newId().replaceAll('-', '')}`,
            type,
            user_id: userId,
            account_id: account?.id ?? null,
            payload: JSON.stringify(payload),
            created_at: now,
          },
          targets.map((e) => e.row.id),
          now,
        );
        count++;
      };

      for (const e of evaluated) {
        const account = e.account;
        const thresholds = [
          ...new Set(
            endpoints
              .filter((x) => x.events.has('limit_approaching') && covers(x, userId, account.account_uuid))
              .flatMap((x) => x.thresholds),
          ),
        ];
        for (const [kind, w] of Object.entries(e.evaluation.windows)) {
          const key = `window:${kind}`;
          const saved = state.get(`${account.id}\u0000${key}`);
          const prev = saved === undefined ? undefined : (JSON.parse(saved) as WindowState);
          const { next, raised: alerts } = windowAlerts(prev, w, thresholds, now);
          for (const alert of alerts) {
            await emit(alert.type, account, windowData(e, kind, w, alert), (x) =>
              alert.type === 'limit_approaching' ? x.thresholds.includes(alert.threshold) : true,
            );
          }
          if (next === null) {
            if (saved !== undefined) await deleteAlertState(trx, account.id, key);
          } else if (JSON.stringify(next) !== saved) {
            await saveAlertState(trx, { subject: account.id, key, value: JSON.stringify(next), updated_at: now });
          }
        }
      }

      for (const r of rejections) {
        const key = `rejected:${r.window}:${r.unit}:${r.at}`;
        if (state.has(`${r.account_id}\u0000${key}`)) continue;
        const account = accounts.find((a) => a.id === r.account_id) as AccountRow;
        await saveAlertState(trx, { subject: r.account_id, key, value: String(r.created_at), updated_at: now });
        await emit(
          'calibration_rejected',
          account,
          {
            account: accountOf(account),
            window: r.window,
            unit: r.unit,
            at: iso(Number(r.at)),
            implied_capacity: round(Number(r.implied_capacity), 4),
            reason: r.reason,
            source: 'calibration',
          },
          () => true,
        );
      }

      for (const c of capacityChanges) {
        const key = `capacity:${c.window}:${c.unit}:${c.since}`;
        if (state.has(`${c.account_id}\u0000${key}`)) continue;
        const account = accounts.find((a) => a.id === c.account_id) as AccountRow;
        await saveAlertState(trx, { subject: c.account_id, key, value: String(c.created_at), updated_at: now });
        const money = c.unit === 'usd';
        await emit(
          'capacity_changed',
          account,
          {
            account: accountOf(account),
            window: c.window,
            unit: c.unit,
            before: round(c.before, money ? 4 : 0),
            after: round(c.after, money ? 4 : 0),
            change_pct: round(c.change_pct, 1),
            since: iso(c.since),
            confidence: c.confidence,
          },
          () => true,
        );
      }

      for (const m of machines) {
        const lastSeen = Number(m.last_seen_at);
        if (state.get(`${m.id}\u0000stale`) === String(lastSeen)) continue;
        const account = machineAccounts.get(m.id) ?? null;
        await saveAlertState(trx, { subject: m.id, key: 'stale', value: String(lastSeen), updated_at: now });
        await emit(
          'telemetry_stale',
          account,
          {
            account: account ? accountOf(account) : null,
            machine: { id: m.id, host_name: m.host_name },
            user: { id: user.id, email: user.email },
            last_seen_at: iso(lastSeen),
            silent_minutes: Math.floor((now - lastSeen) / 60_000),
            source: 'telemetry',
          },
          () => true,
        );
      }
      return count;
    });
    if (raised > 0) this.o.onRaised?.();
    return raised;
  }
}

function accountOf(a: AccountRow): PayloadAccount {
  return { id: a.id, uuid: a.account_uuid, label: accountLabel(a) };
}

function windowData(
  e: EvaluatedAccount,
  kind: string,
  w: WindowEvaluation,
  alert: RaisedAlert,
): Record<string, unknown> {
  const money = e.evaluation.unit === 'usd';
  const base = {
    account: accountOf(e.account),
    window: kind,
    unit: e.evaluation.unit,
    used: round(w.used, money ? 4 : 0),
    limit: round(w.limit, money ? 4 : 0),
    utilization: round(w.utilization, 2),
    window_start: iso(w.window_start),
    resets_at: iso(w.resets_at),
    source: w.source,
  };
  switch (alert.type) {
    case 'limit_approaching':
      return { ...base, threshold: alert.threshold };
    case 'limit_predicted':
      return { ...base, hits_cap_at: iso(alert.hits_cap_at) };
    case 'window_reset':
      return { ...base, previous_resets_at: iso(alert.previous.resets_at) };
    case 'limit_hit':
      return { ...base, limited: w.limited };
    default:
      return alert satisfies never;
  }
}
