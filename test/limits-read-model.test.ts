import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedDataset, generateDataset } from '../bench/dashboard-data.mjs';
import { mapLogsExport } from '../src/ingest/claude-code.ts';
import { decodeLogsRequest } from '../src/ingest/otlp-decode.ts';
import { loadShippedPriceTable } from '../src/pricing/price-table.ts';
import {
  evaluateUserAccounts,
  evaluateWithInputs,
  LOOKBACK_MS,
  RAW_LOOKBACK_MS,
  reportedCostOnlyPoints,
  usagePoints,
} from '../src/queries/account-limits.ts';
import { inProcessJobWriter, TelemetryRecorder } from '../src/recording/telemetry-recorder.ts';
import { listAccounts } from '../src/store/accounts.ts';
import {
  insertOfficialObservations,
  latestObservationPerWindow,
  listLimitEvents,
  listOfficialObservations,
} from '../src/store/limit-observations.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { loadSourceTotals, loadUsageRows } from '../src/store/usage-rows.ts';
import { chooseSources } from '../src/usage/count-once.ts';
import { apiRequestLogs } from './support/otlp-payloads.ts';

/**
 * The limits read model reads less than it used to (official figures from a covering
 * index, the last days' raw records kept per hour between requests): on generated data
 * (bench/dashboard-data.mjs: 40 days, 4 users with 1–3 accounts, status-line figures,
 * limit hits) its answers must be the straightforward reads' answers, exactly — also after
 * new usage arrives for the current hour and for an hour long past.
 */
const prices = loadShippedPriceTable();

describe('limits read model on generated data', () => {
  let dir: string;
  let store: Store;
  let data: GeneratedDataset;
  const now = Date.now();

  /** The reads as they were: every raw record of the last 8 days, every observation since, the latest per window. */
  async function straightforward(userId: string, at: number) {
    const accounts = await listAccounts(store.db, userId);
    const ids = accounts.map((a) => a.id);
    const since = at - LOOKBACK_MS;
    const rows = await loadUsageRows(store.db, { userId, from: since, to: at + 1, rawFrom: at - RAW_LOOKBACK_MS });
    const chosen = chooseSources(await loadSourceTotals(store.db, userId, [...new Set(rows.map((r) => r.session_id))]));
    const byId = new Map(
      [
        ...(await latestObservationPerWindow(store.db, ids)),
        ...(await listOfficialObservations(store.db, ids, since)),
      ].map((o) => [o.id, o]),
    );
    return evaluateWithInputs(
      accounts,
      {
        usage: usagePoints(rows, chosen, prices),
        reportedCostOnly: reportedCostOnlyPoints(rows, chosen),
        officials: [...byId.values()],
        events: await listLimitEvents(store.db, ids, since),
      },
      at,
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'takt-read-model-'));
    const file = join(dir, 'takt.db');
    await (await openStore(`sqlite:${file}`)).close(); // migrated by takt, filled by the generator
    data = generateDataset(file, { users: 4, days: 40, now });
    store = await openStore(`sqlite:${file}`);
  }, 60_000);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('generates a month of usage and official figures to compare on', () => {
    expect(data.users.map((u) => u.accounts)).toEqual([1, 2, 3, 1]);
    expect(data.counts.usage_records).toBeGreaterThan(50_000);
    expect(data.counts.official_observations).toBeGreaterThan(5_000);
  });

  it('answers as the straightforward reads do, for every user, twice (cold and cached)', async () => {
    let samples = 0;
    for (const user of data.users) {
      const expected = await straightforward(user.id, now);
      samples += expected
        .flatMap((e) => Object.values(e.evaluation.calibration))
        .flatMap((c) => c?.samples ?? []).length;
      expect(await evaluateUserAccounts(store.db, { userId: user.id, now, prices })).toEqual(expected);
      expect(await evaluateUserAccounts(store.db, { userId: user.id, now, prices })).toEqual(expected);
    }
    // Calibration (which reads every official figure and the minutes before it) had work to do.
    expect(samples).toBeGreaterThan(100);
  });

  it('sees usage recorded after it cached the hours: the current hour and one 3 days ago', async () => {
    const user = data.users[1]?.id as string;
    const accountUuid = (await listAccounts(store.db, user))[0]?.account_uuid as string;
    const cached = await evaluateUserAccounts(store.db, { userId: user, now, prices });
    const recorder = new TelemetryRecorder(inProcessJobWriter(store));
    const body = apiRequestLogs({ host: 'late-laptop', sessionId: 'late-session', accountUuid }, [
      {
        model: 'claude-opus-4-1-20250805',
        requestId: 'req_late_1',
        input: 900,
        output: 4_000,
        cacheRead: 0,
        cacheCreation: 20_000,
        costUsd: 1.5,
        timeMs: now - 60_000,
        sequence: 1,
      },
      {
        model: 'claude-opus-4-1-20250805',
        requestId: 'req_late_2',
        input: 700,
        output: 3_000,
        cacheRead: 0,
        cacheCreation: 10_000,
        costUsd: 1.1,
        timeMs: now - 3 * 86_400_000,
        sequence: 2,
      },
    ]);
    const result = await recorder.record(
      user,
      mapLogsExport(decodeLogsRequest(Buffer.from(JSON.stringify(body)), 'json')).observations,
    );
    expect(result.stored).toBe(2);
    const expected = await straightforward(user, now);
    expect(expected).not.toEqual(cached);
    expect(await evaluateUserAccounts(store.db, { userId: user, now, prices })).toEqual(expected);
  });

  it('sees official figures recorded after it cached them: a new one, and an older one uploaded late', async () => {
    const user = data.users[2]?.id as string;
    // The account with the most usage this week: a figure in its window yields a calibration sample.
    const busiest = (await straightforward(user, now)).sort(
      (a, b) => (b.evaluation.windows.seven_day?.used_usd ?? 0) - (a.evaluation.windows.seven_day?.used_usd ?? 0),
    )[0];
    const observed = busiest?.account.id as string;
    const figure = (captured: number, utilization: number) => ({
      user_id: user,
      account_id: observed,
      window: 'seven_day',
      utilization,
      resets_at: now + 2 * 86_400_000,
      captured_at: captured,
      received_at: captured,
      source: 'oauth',
      session_id: null,
      raw: '{}',
    });
    const cached = await evaluateUserAccounts(store.db, { userId: user, now, prices });
    expect(await insertOfficialObservations(store.db, [figure(now - 1_000, 97)])).toBe(1);
    const afterNew = await straightforward(user, now);
    expect(afterNew).not.toEqual(cached);
    expect(await evaluateUserAccounts(store.db, { userId: user, now, prices })).toEqual(afterNew);
    expect(await insertOfficialObservations(store.db, [figure(now - 60_000, 50)])).toBe(1);
    const afterLate = await straightforward(user, now);
    expect(afterLate).not.toEqual(afterNew);
    expect(await evaluateUserAccounts(store.db, { userId: user, now, prices })).toEqual(afterLate);
  });
});
