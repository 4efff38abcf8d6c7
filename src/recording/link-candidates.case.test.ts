import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequestLogs, tokenMetrics } from '../../test/support/otlp-payloads.ts';
import { dialects, type TestDatabase } from '../../test/support/test-databases.ts';
import { mapLogsExport, mapMetricsExport } from '../ingest/claude-code.ts';
import { decodeLogsRequest, decodeMetricsRequest } from '../ingest/otlp-decode.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { insertUser } from '../store/users.ts';
import { linkCandidates, linkUnlinkedUsage } from './link-unlinked-usage.ts';
import { inProcessJobWriter, TelemetryRecorder } from './telemetry-recorder.ts';

/**
 * After each commit the recorder asks which of the commit's users have usage waiting for its
 * account: one statement for all of them (a fleet's commit carries many users), not a probe
 * each. Usage refused past the accounts cap is never a candidate.
 */
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const json = (o: Record<string, unknown>) => Buffer.from(JSON.stringify(o));
const metrics = (o: Record<string, unknown>) => mapMetricsExport(decodeMetricsRequest(json(o), 'json')).observations;
const logs = (o: Record<string, unknown>) => mapLogsExport(decodeLogsRequest(json(o), 'json')).observations;
const withAccount = (host: string, n: number) =>
  logs(
    apiRequestLogs({ host, sessionId: `${host}-s`, accountUuid: `acc-${host}` }, [
      {
        timeMs: T0 + n * 1000,
        sequence: n,
        model: 'claude-sonnet-4-5',
        requestId: `req-${host}-${n}`,
        input: 10,
        output: 20,
        cacheRead: 0,
        cacheCreation: 0,
        costUsd: 0.001,
      },
    ]),
  );

/** Counts the SELECTs that probe unlinked usage (they name account_refused). */
function unlinkedProbes(): { plugin: KyselyPlugin; count: () => number } {
  let n = 0;
  return {
    count: () => n,
    plugin: {
      transformQuery: ({ node }) => {
        if (node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"account_refused"')) n++;
        return node;
      },
      transformResult: async ({ result }) => result,
    },
  };
}

describe.each(dialects)('link candidates on $name', ({ create }) => {
  let database: TestDatabase;
  let store: Store;
  const users: Record<string, string> = {};
  beforeAll(async () => {
    database = await create();
    store = await openStore(database.url);
    for (const name of ['alice', 'bob', 'carol'])
      users[name] = (await insertUser(store.db, { email: `${name}@example.com` })).id;
    const recorder = new TelemetryRecorder(inProcessJobWriter(store));
    // alice: metrics without user.account_uuid, waiting for their account.
    await recorder.record(
      users.alice as string,
      metrics(
        tokenMetrics({ host: 'a1', sessionId: 'a-s' }, [{ model: 'claude-sonnet-4-5', type: 'input', value: 500 }], {
          startMs: T0 - 60_000,
          timeMs: T0,
        }),
      ),
    );
    // bob: usage with its account; carol: usage refused past a cap of 0 accounts.
    await recorder.record(users.bob as string, withAccount('b1', 1));
    const capped = new TelemetryRecorder(inProcessJobWriter(store, { accountsPerUserMax: 0 }));
    await capped.record(users.carol as string, withAccount('c1', 1));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('finds the users with unlinked usage in one statement, refused usage left out', async () => {
    const { plugin, count } = unlinkedProbes();
    const counted = { ...store, db: store.db.withPlugin(plugin) };
    const all = [users.alice, users.bob, users.carol, 'no-such-user'] as string[];
    expect([...(await linkCandidates(counted, all))]).toEqual([users.alice]);
    expect(count()).toBe(1);
  });

  it("probes once after a commit of several users' exports, and links nobody without unlinked usage", async () => {
    const { plugin, count } = unlinkedProbes();
    const counted = { ...store, db: store.db.withPlugin(plugin) };
    const linked: string[] = [];
    const recorder = new TelemetryRecorder(inProcessJobWriter(store), {
      link: async (userId, triggers) => {
        linked.push(userId);
        return linkUnlinkedUsage(counted, userId, triggers);
      },
      linkCandidates: (userIds) => linkCandidates(counted, userIds),
    });
    // One flush: the three exports are queued in the same tick.
    const results = await Promise.all([
      recorder.record(users.bob as string, withAccount('b1', 2)),
      recorder.record(users.carol as string, withAccount('c1', 2)),
      recorder.record(users.bob as string, withAccount('b2', 3)),
    ]);
    expect(results).toEqual([
      { stored: 1, duplicates: 0 },
      { stored: 1, duplicates: 0 },
      { stored: 1, duplicates: 0 },
    ]);
    expect({ probes: count(), linked }).toEqual({ probes: 1, linked: [] });
  });
});
