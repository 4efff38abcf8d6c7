import { listAccounts } from '../store/accounts.ts';
import type { Store } from '../store/store.ts';
import { HOUR_MS } from '../store/telemetry.ts';
import {
  type AccountSpan,
  accountSpans,
  findUnlinkedRecords,
  hasUnlinkedRecords,
  machineIdsOf,
  moveToAccount,
  type UnlinkedRecord,
  usersWithUnlinkedRecords,
} from '../store/unlinked-usage.ts';
import type { TelemetryJob } from './telemetry-jobs.ts';

/**
 * Usage that arrived before its account was known is linked once the account of its
 * session or machine becomes known (issue 19.6): a `takt sync` upload made before
 * ~/.claude.json existed, metrics sent without user.account_uuid, a manual entry typed in
 * before any account. The recorder calls this after each commit, for each user whose
 * commit carried usage with an account.
 *
 * The rule, per unlinked record:
 * 1. its session's account (the session sent usage with one), the nearest in time when
 *    the session saw several;
 * 2. else its machine's account, the one whose usage on that machine is nearest in time
 *    (a machine used before ~/.claude.json existed gets the account it used next);
 * 3. a manual entry (no session, no machine): the user's most recently active account,
 *    the account `POST /api/session` would have chosen had it been known.
 * Machines without a host.name ("unknown") lump several machines together: they link
 * through the session only. Each record moves once (store/unlinked-usage.ts, moveToAccount).
 */
export interface LinkTriggers {
  /** Machines (host names) that sent usage with an account in the commit. */
  hostNames: Set<string>;
  /** Sessions the commit touched, with an account or not (an unlinked record arriving after its session's account). */
  sessionIds: Set<string>;
}

/** What each user's jobs say about where an account may now be known. */
export function linkTriggers(jobs: readonly TelemetryJob[]): Map<string, LinkTriggers> {
  const out = new Map<string, LinkTriggers>();
  for (const job of jobs) {
    for (const o of job.observations) {
      let t = out.get(job.userId);
      if (!t) {
        t = { hostNames: new Set(), sessionIds: new Set() };
        out.set(job.userId, t);
      }
      if (o.ctx.account && o.ctx.hostName !== '') t.hostNames.add(o.ctx.hostName);
      if (o.ctx.sessionId !== '') t.sessionIds.add(o.ctx.sessionId);
    }
  }
  return out;
}

/** How far a time lies outside an account's span of hours (0 inside). */
function distance(ts: number, span: AccountSpan): number {
  if (ts < span.first_hour) return span.first_hour - ts;
  const end = span.last_hour + HOUR_MS;
  return ts >= end ? ts - end + 1 : 0;
}

/** The span nearest in time; a tie goes to the account used later. */
export function nearestAccount(ts: number, spans: readonly AccountSpan[]): string | undefined {
  let best: AccountSpan | undefined;
  for (const s of spans) {
    if (
      !best ||
      distance(ts, s) < distance(ts, best) ||
      (distance(ts, s) === distance(ts, best) && s.first_hour > best.first_hour)
    )
      best = s;
  }
  return best?.account_id;
}

/** Of a commit's users, those with unlinked usage (usually none): one statement for them all. */
export function linkCandidates(store: Store, userIds: readonly string[]): Promise<Set<string>> {
  return userIds.length === 0 ? Promise.resolve(new Set()) : usersWithUnlinkedRecords(store.db, userIds);
}

/** Links what can be linked of one user's unlinked usage; returns how many records moved. */
export async function linkUnlinkedUsage(store: Store, userId: string, triggers: LinkTriggers): Promise<number> {
  const db = store.db;
  // The usual answer, one probe of an empty partial index: nothing of this user waits.
  if (!(await hasUnlinkedRecords(db, userId))) return 0;
  const machineIds = await machineIdsOf(db, userId, [...triggers.hostNames]);
  // '' is the machine of manual entries.
  const records = await findUnlinkedRecords(db, userId, {
    machineIds: ['', ...machineIds],
    sessionIds: [...triggers.sessionIds],
  });
  if (records.length === 0) return 0;
  const unknownMachines = new Set(await machineIdsOf(db, userId, ['']));
  const bySession = new Map<string, AccountSpan[]>();
  const byMachine = new Map<string, AccountSpan[]>();
  let latestAccount: string | undefined | null = null;
  const targets = new Map<string, string[]>();
  for (const r of records) {
    const target = await chooseTarget(r);
    if (!target) continue;
    targets.set(target, [...(targets.get(target) ?? []), r.dedupe_key]);
  }
  let moved = 0;
  for (const [accountId, keys] of targets) {
    moved += (await store.transaction((trx) => moveToAccount(trx, userId, keys, accountId))).length;
  }
  return moved;

  async function chooseTarget(r: UnlinkedRecord): Promise<string | undefined> {
    if (r.source === 'manual' && r.machine_id === '') {
      if (latestAccount === null) {
        const accounts = await listAccounts(db, userId);
        latestAccount = [...accounts].sort((a, b) => Number(b.last_seen_at) - Number(a.last_seen_at))[0]?.id;
      }
      return latestAccount;
    }
    if (r.session_id !== '') {
      let spans = bySession.get(r.session_id);
      if (!spans) {
        spans = await accountSpans(db, userId, { sessionId: r.session_id });
        bySession.set(r.session_id, spans);
      }
      const found = nearestAccount(r.ts, spans);
      if (found) return found;
    }
    if (r.machine_id === '' || unknownMachines.has(r.machine_id)) return undefined;
    let spans = byMachine.get(r.machine_id);
    if (!spans) {
      spans = await accountSpans(db, userId, { machineId: r.machine_id });
      byMachine.set(r.machine_id, spans);
    }
    return nearestAccount(r.ts, spans);
  }
}
