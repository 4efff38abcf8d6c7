import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../test/support/test-databases.ts';
import { createLogger } from '../lib/log.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { insertUser } from '../store/users.ts';
import { enqueueWebhookEvent, listAttempts } from '../store/webhooks.ts';
import { createEndpoint } from './actions/create-endpoint.ts';
import { DeliveryWorker } from './delivery-worker.ts';
import { createUrlGuard } from './url-guard.ts';

/**
 * Issue 22.11: the delivery log is no DNS oracle. A delivery the guard refuses because a name
 * resolves to a private or loopback address tells the member only that; the address itself
 * goes to the server's log. No traffic leaves: the resolver maps the name to loopback.
 */
const toLoopback = ((_host: string, _opts: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) =>
  cb(null, [{ address: '127.0.0.9', family: 4 }])) as never;

describe('a delivery refused by the URL guard', () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = sqliteDatabase();
    store = await openStore(database.url);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('says "resolves to a private or loopback address" to the member and logs the address on the server only', async () => {
    const lines: string[] = [];
    const log = createLogger('debug', { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const guard = createUrlGuard({ allowHttp: true, allowedNetworks: [], lookup: toLoopback });
    const owner = await insertUser(store.db, { email: 'oracle@example.com' });
    const actor = { userId: owner.id, address: '127.0.0.1', admin: false };
    const endpoint = await createEndpoint(store, guard, actor, {
      url: 'http://intranet.example.test/hook',
      events: ['limit_hit'],
    });
    const [deliveryId] = await store.transaction((trx) =>
      enqueueWebhookEvent(
        trx,
        {
          id: 'msg_oracle',
          type: 'limit_hit',
          user_id: owner.id,
          account_id: null,
          payload: '{"type":"limit_hit","data":{}}',
          created_at: Date.now(),
        },
        [endpoint.id],
        Date.now(),
      ),
    );
    const worker = new DeliveryWorker({ store, guard, log, retryScheduleMs: [60_000], timeoutMs: 2000, leaseMs: 5000 });
    await worker.runOnce();
    const attempts = await listAttempts(store.db, deliveryId as string);
    expect(attempts.map((a) => a.error)).toEqual([
      'refused by the URL guard: intranet.example.test resolves to a private or loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it',
    ]);
    expect(lines).toEqual([
      `warn  webhook delivery refused by the URL guard endpoint=${endpoint.id} reason="intranet.example.test resolves to 127.0.0.9 is a loopback address"\n`,
      `debug webhook attempt failed endpoint=${endpoint.id} attempt=1 error="refused by the URL guard: intranet.example.test resolves to a private or loopback address: webhooks may not go there unless TAKT_WEBHOOK_ALLOWED_NETWORKS names it"\n`,
    ]);
  });
});
