import { type Selectable, sql } from 'kysely';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import { isSealed, seal, unseal } from './secret-box.ts';
import type { StoreDialect } from './store.ts';
import type {
  WebhookAlertStateTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookEventsTable,
} from './webhook-tables.ts';

/**
 * Webhook endpoints, the events raised for them, the outbox of deliveries and their
 * attempts, and the alert state (docs/webhooks.md). Written once against Kysely: the
 * claim is the only place the dialects differ (FOR UPDATE SKIP LOCKED on PostgreSQL).
 */

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;

/** An endpoint as stored: its URL and secret sealed (src/store/secret-box.ts). */
function sealed<T extends { url?: string; secret?: string }>(row: T): T {
  return {
    ...row,
    ...(row.url !== undefined ? { url: seal(row.url) } : {}),
    ...(row.secret !== undefined ? { secret: seal(row.secret) } : {}),
  };
}

/** An endpoint as the rest of takt sees it: URL and secret in clear. */
function opened(row: WebhookEndpointRow): WebhookEndpointRow {
  return { ...row, url: unseal(row.url), secret: unseal(row.secret) };
}

export async function insertWebhookEndpoint(db: Db, row: WebhookEndpointsTable): Promise<void> {
  await db.insertInto('webhook_endpoints').values(sealed(row)).execute();
}

export async function findWebhookEndpoint(db: Db, id: string): Promise<WebhookEndpointRow | undefined> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return row && opened(row);
}

/**
 * Seals the URLs and secrets still stored in clear (written before encryption at rest), and
 * refuses to go on when a value was sealed with a key this server does not have. Runs at start.
 * Returns how many endpoints were sealed.
 */
export async function sealClearWebhookEndpoints(db: Db): Promise<number> {
  const rows = await db.selectFrom('webhook_endpoints').select(['id', 'url', 'secret']).execute();
  let count = 0;
  for (const r of rows) {
    for (const v of [r.url, r.secret]) unseal(v);
    if (isSealed(r.url) && isSealed(r.secret)) continue;
    await db
      .updateTable('webhook_endpoints')
      .set({ url: isSealed(r.url) ? r.url : seal(r.url), secret: isSealed(r.secret) ? r.secret : seal(r.secret) })
      .where('id', '=', r.id)
      .where('url', '=', r.url)
      .execute();
    count++;
  }
  return count;
}

/** Every endpoint, or one user's. */
export async function listWebhookEndpoints(db: Db, userId?: string): Promise<WebhookEndpointRow[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .$if(userId !== undefined, (q) => q.where('user_id', '=', userId as string))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(opened);
}

/** How many endpoints a user has (the cap of issue 22.5). */
export async function countWebhookEndpoints(db: Db, userId: string): Promise<number> {
  const r = await db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function updateWebhookEndpoint(
  db: Db,
  id: string,
  patch: Partial<Omit<WebhookEndpointsTable, 'id' | 'user_id' | 'created_at'>>,
): Promise<void> {
  await db.updateTable('webhook_endpoints').set(sealed(patch)).where('id', '=', id).execute();
}

/** The endpoint with its attempts and deliveries (pending ones are dropped); call inside a transaction. */
export async function deleteWebhookEndpoint(db: Db, id: string): Promise<void> {
  await db.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
  await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
  await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
}

/** Delivery order within a process: time first, then a counter for events raised in the same millisecond. */
let seqCounter = 0;
function nextSeq(now: number): number {
  seqCounter = (seqCounter + 1) % 1000;
  return now * 1000 + seqCounter;
}

/** Stores an event and one pending delivery per endpoint, in the caller's transaction (the outbox). */
export async function enqueueWebhookEvent(
  db: Db,
  event: WebhookEventsTable,
  endpointIds: string[],
  now: number,
): Promise<string[]> {
  if (endpointIds.length === 0) return [];
  await db.insertInto('webhook_events').values(event).execute();
  const rows: WebhookDeliveriesTable[] = endpointIds.map((endpointId) => ({
    id: newId(),
    endpoint_id: endpointId,
    event_id: event.id,
    seq: nextSeq(now),
    status: 'pending',
    attempts: 0,
    next_attempt_at: now,
    lease_until: null,
    lease_owner: null,
    last_status: null,
    last_error: null,
    delivered_at: null,
    created_at: now,
  }));
  await db.insertInto('webhook_deliveries').values(rows).execute();
  return rows.map((r) => r.id);
}

export interface ClaimedDelivery {
  delivery: WebhookDeliveryRow;
  endpoint: WebhookEndpointRow;
  event: WebhookEventRow;
}

/**
 * Claims due deliveries for `owner` until now + leaseMs: the first pending delivery of each
 * enabled endpoint (a later one waits, so an endpoint receives its events in order). On
 * PostgreSQL the candidate rows are locked with FOR UPDATE SKIP LOCKED, so replicas claiming
 * at the same moment take different rows without waiting; the lease then keeps every other
 * worker off the row until it expires (a worker killed mid-send: the row is sent again).
 * Call inside a transaction.
 */
export async function claimDueDeliveries(
  trx: Db,
  dialect: StoreDialect,
  q: { now: number; leaseMs: number; owner: string; limit: number },
): Promise<ClaimedDelivery[]> {
  const candidates = await trx
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('e.enabled', '=', 1)
    .where('d.next_attempt_at', '<=', q.now)
    .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', q.now)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('webhook_deliveries as p')
            .select(sql`1`.as('one'))
            .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
            .where('p.status', '=', 'pending')
            .where((eb) =>
              eb.or([
                eb('p.seq', '<', eb.ref('d.seq')),
                eb.and([eb('p.seq', '=', eb.ref('d.seq')), eb('p.id', '<', eb.ref('d.id'))]),
              ]),
            ),
        ),
      ),
    )
    .orderBy('d.next_attempt_at')
    .limit(q.limit)
    .$if(dialect === 'postgres', (s) => s.forUpdate('d').skipLocked())
    .execute();
  if (candidates.length === 0) return [];
  const ids = candidates.map((c) => c.id);
  const claimed = await trx
    .updateTable('webhook_deliveries')
    .set({ lease_until: q.now + q.leaseMs, lease_owner: q.owner })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', q.now)]))
    .returningAll()
    .execute();
  if (claimed.length === 0) return [];
  const endpoints = (
    await trx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', 'in', [...new Set(claimed.map((d) => d.endpoint_id))])
      .execute()
  ).map(opened);
  const events = await trx
    .selectFrom('webhook_events')
    .selectAll()
    .where('id', 'in', [...new Set(claimed.map((d) => d.event_id))])
    .execute();
  return claimed.flatMap((delivery) => {
    const endpoint = endpoints.find((e) => e.id === delivery.endpoint_id);
    const event = events.find((e) => e.id === delivery.event_id);
    return endpoint && event ? [{ delivery, endpoint, event }] : [];
  });
}

/** The earliest time a pending delivery of an enabled endpoint becomes due (for the worker's sleep). */
export async function nextDueAt(db: Db): Promise<number | null> {
  const r = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select((eb) => eb.fn.min('d.next_attempt_at').as('at'))
    .where('d.status', '=', 'pending')
    .where('e.enabled', '=', 1)
    .executeTakeFirst();
  return r?.at === null || r?.at === undefined ? null : Number(r.at);
}

export async function insertWebhookAttempt(db: Db, row: Omit<WebhookAttemptsTable, 'id'>): Promise<void> {
  await db
    .insertInto('webhook_attempts')
    .values({ id: newId(), ...row })
    .execute();
}

/**
 * Settles a claimed delivery, if the claim is still `owner`'s: a worker whose lease ran out
 * (and whose delivery another worker took) changes nothing. Returns whether it applied.
 */
export async function settleDelivery(
  db: Db,
  id: string,
  owner: string,
  patch: Pick<WebhookDeliveriesTable, 'status' | 'attempts' | 'next_attempt_at' | 'last_status' | 'last_error'> & {
    delivered_at?: number | null;
  },
): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ ...patch, lease_until: null, lease_owner: null })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findDelivery(db: Db, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Sends a delivery again: pending and due now, with the same event (and so the same webhook-id). */
export async function requeueDelivery(db: Db, id: string, now: number): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: now, lease_until: null, lease_owner: null, seq: nextSeq(now) })
    .where('id', '=', id)
    .execute();
}

/** An endpoint's latest deliveries with their event type and attempts, newest first. */
export async function listDeliveries(
  db: Db,
  endpointId: string,
  limit: number,
): Promise<{ delivery: WebhookDeliveryRow; type: string; attempts: WebhookAttemptRow[] }[]> {
  const deliveries = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as v', 'v.id', 'd.event_id')
    .selectAll('d')
    .select('v.type')
    .where('d.endpoint_id', '=', endpointId)
    .orderBy('d.seq', 'desc')
    .limit(limit)
    .execute();
  if (deliveries.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      deliveries.map((d) => d.id),
    )
    .orderBy('attempt')
    .execute();
  return deliveries.map(({ type, ...delivery }) => ({
    delivery,
    type,
    attempts: attempts.filter((a) => a.delivery_id === delivery.id),
  }));
}

export async function listAttempts(db: Db, deliveryId: string): Promise<WebhookAttemptRow[]> {
  return db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt')
    .execute();
}

export async function loadAlertState(db: Db, subjects: string[]): Promise<Selectable<WebhookAlertStateTable>[]> {
  if (subjects.length === 0) return [];
  return db.selectFrom('webhook_alert_state').selectAll().where('subject', 'in', subjects).execute();
}

export async function saveAlertState(db: Db, row: WebhookAlertStateTable): Promise<void> {
  await db
    .insertInto('webhook_alert_state')
    .values(row)
    .onConflict((oc) => oc.columns(['subject', 'key']).doUpdateSet({ value: row.value, updated_at: row.updated_at }))
    .execute();
}

export async function deleteAlertState(db: Db, subject: string, key: string): Promise<void> {
  await db.deleteFrom('webhook_alert_state').where('subject', '=', subject).where('key', '=', key).execute();
}

/**
 * Serialises alert evaluation per user across replicas: on PostgreSQL a transaction-scoped
 * advisory lock (released at commit); SQLite has one writer at a time already.
 */
export async function lockAlertsOf(trx: Db, dialect: StoreDialect, userId: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`select pg_advisory_xact_lock(hashtext(${`takt-alerts:${userId}`}))`.execute(trx);
}

/**
 * Forgets settled deliveries (delivered or failed) created before `before`, their attempts, the
 * events no delivery refers to any more, and the alert state of rejections and capacity changes
 * raised that long ago.
 */
export async function pruneWebhookHistory(db: Db, before: number): Promise<void> {
  const old = db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '!=', 'pending')
    .where('created_at', '<', before);
  await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', old).execute();
  await db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('created_at', '<', before).execute();
  await db
    .deleteFrom('webhook_events')
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'webhook_events.id')),
      ),
    )
    .execute();
  for (const prefix of ['rejected:%', 'capacity:%']) {
    await db.deleteFrom('webhook_alert_state').where('key', 'like', prefix).where('updated_at', '<', before).execute();
  }
}
