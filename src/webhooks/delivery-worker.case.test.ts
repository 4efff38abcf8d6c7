import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { silentLogger } from '../lib/log.ts';
import { claimLease } from '../store/leases.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { insertUser } from '../store/users.ts';
import { enqueueWebhookEvent, findWebhookEndpoint, nextDueAt, pruneWebhookHistory } from '../store/webhooks.ts';
import { createEndpoint } from './actions/create-endpoint.ts';
import { replayDelivery } from './actions/replay-delivery.ts';
import type { WebhookActor } from './actions/webhook-actor.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { createUrlGuard } from './url-guard.ts';

/**
 * The outbox and its workers on both databases: two workers on two connections (two replicas)
 * never send one delivery at the same time and keep each endpoint's order; 410 and days of
 * failure disable an endpoint and tell its owner; a replay resends with the same webhook-id.
 */
interface Seen {
  path: string;
  id: string;
  type: string;
}

describe.each(dialects)('webhook delivery on $name', ({ create }) => {
  let database: TestDatabase;
  let a: Store;
  let b: Store;
  let server: Server;
  let base = '';
  let actor: WebhookActor;
  const seen: Seen[] = [];
  const inFlight = new Set<string>();
  let overlaps = 0;
  const guard = createUrlGuard({ allowHttp: true, allowedNetworks: ['127.0.0.0/8'] });

  beforeAll(async () => {
    database = await create();
    a = await openStore(database.url);
    b = await openStore(database.url, { migrate: false });
    const owner = await insertUser(a.db, { email: 'owner@example.com' });
    actor = { userId: owner.id, address: '127.0.0.1', admin: false };
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        if (inFlight.has(id)) overlaps++;
        inFlight.add(id);
        seen.push({ path: req.url ?? '', id, type: (JSON.parse(body) as { type: string }).type });
        setTimeout(() => {
          inFlight.delete(id);
          const status = req.url === '/gone' ? 410 : req.url?.startsWith('/down') ? 500 : 200;
          res.writeHead(status);
          res.end();
        }, 15);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await b.close();
    await a.close();
    await database.drop();
  });

  const worker = (store: Store, over: Partial<ConstructorParameters<typeof DeliveryWorker>[0]> = {}) =>
    new DeliveryWorker({
      store,
      guard,
      log: silentLogger,
      retryScheduleMs: [10, 10],
      timeoutMs: 2000,
      leaseMs: 5000,
      pollMs: 10,
      ...over,
    });
  const endpoint = (path: string, events: string[] = ['limit_hit']) =>
    createEndpoint(a, guard, actor, { url: `${base}${path}`, events: events as never });
  const enqueue = async (endpointIds: string[], n: number, type = 'limit_hit') => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `msg_${type}_${endpointIds.join('_')}_${i}`;
      ids.push(id);
      await a.transaction((trx) =>
        enqueueWebhookEvent(
          trx,
          {
            id,
            type,
            user_id: actor.userId,
            account_id: null,
            payload: JSON.stringify({ type, timestamp: new Date().toISOString(), data: { n: i } }),
            created_at: Date.now(),
          },
          endpointIds,
          Date.now(),
        ),
      );
    }
    return ids;
  };
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };

  it('two workers on two connections send each delivery once, never at the same time, in order per endpoint', async () => {
    const one = await endpoint('/one');
    const two = await endpoint('/two');
    const first = await enqueue([one.id], 15);
    const second = await enqueue([two.id], 15);
    const workers = [worker(a), worker(b), worker(b)];
    for (const w of workers) w.start();
    await until(() => seen.length >= 30);
    // No delivery pending nor in flight anywhere: a duplicate would have been sent by now.
    await Promise.all(workers.map((w) => w.whenIdle()));
    await Promise.all(workers.map((w) => w.stop()));
    const pathIds = (p: string) => seen.filter((s) => s.path === p).map((s) => s.id);
    expect({ overlaps, one: pathIds('/one'), two: pathIds('/two') }).toEqual({ overlaps: 0, one: first, two: second });
  });

  it('disables an endpoint on 410 or after days of failure, tells its owner, and replays with the same webhook-id', async () => {
    seen.length = 0;
    let offset = 0;
    const w = worker(a, { now: () => Date.now() + offset, disableAfterMs: 3_600_000 });
    const gone = await endpoint('/gone');
    const down = await endpoint('/down');
    const told = await endpoint('/told', ['webhook_disabled']);
    const [goneId] = await enqueue([gone.id], 1);
    const [downId] = await enqueue([down.id], 1);
    // Sends until nothing is pending; each retry falls due on the worker's injected clock,
    // which moves there instead of the test sleeping.
    const drain = async () => {
      for (let i = 0; i < 50; i++) {
        await w.runOnce();
        const due = await nextDueAt(a.db);
        if (due === null) return;
        offset = Math.max(offset, due - Date.now());
      }
      throw new Error('deliveries still pending after 50 rounds');
    };
    await drain();
    const afterRetries = seen
      .filter((s) => s.path !== '/told')
      .map((s) => `${s.path}:${s.id}`)
      .sort();
    const downStill = Number((await findWebhookEndpoint(a.db, down.id))?.enabled);

    // Hours later the receiver is still down: one more try (a replay) fails, and the endpoint is disabled.
    offset = 2 * 3_600_000;
    const log = await a.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', down.id).execute();
    await replayDelivery(a, actor, down.id, log[0]?.id as string);
    await drain();
    const goneRow = await findWebhookEndpoint(a.db, gone.id);
    const downRow = await findWebhookEndpoint(a.db, down.id);
    const audits = await a.db
      .selectFrom('audit_events')
      .select(['action', 'target_id'])
      .where('action', '=', 'webhook.disable')
      .orderBy('at')
      .execute();
    expect({
      afterRetries,
      downStill,
      gone: [goneRow?.enabled, goneRow?.disabled_reason],
      down: [downRow?.enabled, downRow?.disabled_reason?.startsWith('every delivery failed since ')],
      downAttempts: seen.filter((s) => s.path === '/down').map((s) => s.id),
      told: seen.filter((s) => s.path === '/told').map((s) => s.type),
      audits: audits.map((x) => x.target_id),
    }).toEqual({
      afterRetries: [`/down:${downId}`, `/down:${downId}`, `/down:${downId}`, `/gone:${goneId}`],
      downStill: 1,
      gone: [0, 'the receiver answered 410 Gone'],
      down: [0, true],
      downAttempts: [downId, downId, downId, downId],
      told: ['webhook_disabled', 'webhook_disabled'],
      audits: [gone.id, down.id],
    });
    expect(told.events).toEqual(['webhook_disabled']);
  });

  it('forgets settled deliveries and their events after the retention, keeping what is pending', async () => {
    const pendingEndpoint = await endpoint('/later');
    await a.db.updateTable('webhook_endpoints').set({ enabled: 0 }).where('id', '=', pendingEndpoint.id).execute();
    const [kept] = await enqueue([pendingEndpoint.id], 1);
    // The test before raised some events on a clock 2 hours ahead.
    await pruneWebhookHistory(a.db, Date.now() + 3 * 3_600_000);
    const count = async (t: 'webhook_deliveries' | 'webhook_events' | 'webhook_attempts') =>
      Number(
        (
          await a.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirst()
        )?.n,
      );
    const events = await a.db.selectFrom('webhook_events').select('id').execute();
    expect([await count('webhook_deliveries'), await count('webhook_attempts'), events.map((e) => e.id)]).toEqual([
      1,
      0,
      [kept],
    ]);
  });

  it('gives a periodic job to one replica per period', async () => {
    const turn = (store: Store, owner: string, now: number) => claimLease(store.db, 'sweep-test', 1000, owner, now);
    const t = Date.now();
    const first = await Promise.all([turn(a, 'a', t), turn(b, 'b', t)]);
    const again = await Promise.all([turn(a, 'a', t + 500), turn(b, 'b', t + 500)]);
    const later = await Promise.all([turn(b, 'b', t + 1000), turn(a, 'a', t + 1000)]);
    expect([first.filter(Boolean).length, again, later.filter(Boolean).length]).toEqual([1, [false, false], 1]);
  });
});
