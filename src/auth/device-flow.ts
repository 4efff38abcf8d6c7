import { TaktError } from '../lib/errors.ts';
import { findDeviceCode, insertDeviceCode, moveDeviceCode, updateDevicePoll } from '../store/device-codes.ts';
import type { DeviceCodesTable } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import { newHumanCode, newSecret, normalizeHumanCode, sha256 } from './secret.ts';

/** Device authorization after RFC 8628: codes live 10 minutes; clients poll every 5 s at most. */
export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

export async function startDeviceFlow(db: Db, machine: string, address: string | null, now = Date.now()) {
  const deviceCode = newSecret(32);
  const resumeCode = newSecret(16);
  const userCode = newHumanCode(2, 4);
  await insertDeviceCode(db, {
    device_code_hash: sha256(`device:${deviceCode}`),
    user_code: normalizeHumanCode(userCode),
    resume_code_hash: sha256(`resume:${resumeCode}`),
    machine,
    status: 'pending',
    user_id: null,
    created_at: now,
    expires_at: now + DEVICE_CODE_TTL_SECONDS * 1000,
    interval_seconds: DEVICE_POLL_INTERVAL_SECONDS,
    last_poll_at: null,
    requested_address: address,
  });
  return { deviceCode, resumeCode, userCode };
}

export async function findByDeviceCode(db: Db, deviceCode: string) {
  return findDeviceCode(db, { deviceCodeHash: sha256(`device:${deviceCode}`) });
}

export async function findByResumeCode(db: Db, resumeCode: string) {
  return findDeviceCode(db, { resumeCodeHash: sha256(`resume:${resumeCode}`) });
}

export async function findByUserCode(db: Db, userCode: string) {
  return findDeviceCode(db, { userCode: normalizeHumanCode(userCode) });
}

/**
 * Records a poll and says whether it came too early (RFC 8628 §3.5: slow_down, and
 * the client adds 5 s to its interval).
 */
export async function notePoll(db: Db, row: DeviceCodesTable, now = Date.now()): Promise<boolean> {
  const tooSoon = row.last_poll_at !== null && now - row.last_poll_at < row.interval_seconds * 1000;
  await updateDevicePoll(db, row.device_code_hash, {
    lastPollAt: now,
    intervalSeconds: tooSoon ? row.interval_seconds + 5 : row.interval_seconds,
  });
  return tooSoon;
}

/** Moves an approved code to redeemed exactly once; false when another poll got there first. */
export async function markRedeemed(db: Db, row: DeviceCodesTable): Promise<boolean> {
  return moveDeviceCode(db, row.device_code_hash, 'approved', { status: 'redeemed' });
}

/** A pending, unexpired request as the approval page describes it; undefined for any other code. */
export async function pendingRequest(db: Db, userCode: string, now = Date.now()) {
  if (!normalizeHumanCode(userCode)) return undefined;
  const row = await findByUserCode(db, userCode);
  if (row?.status !== 'pending' || row.expires_at <= now) return undefined;
  return { machine: row.machine, address: row.requested_address, startedAt: row.created_at, userCode };
}

export type PendingRequest = NonNullable<Awaited<ReturnType<typeof pendingRequest>>>;

/** How many of a code's last characters a person types to confirm a code that came in a link. */
export const LINK_CONFIRM_CHARACTERS = 4;

/**
 * The code to decide on. A code that came in the `verification_uri_complete` link is approved
 * only when the person types it again, whole or its last characters (RFC 8628 §5.4: a link
 * alone must not be enough, or anyone who starts a flow can phish with it). Denying needs no typing.
 */
export function confirmedUserCode(input: { typed: string; linkCode: string; decision: 'approved' | 'denied' }): string {
  const typed = normalizeHumanCode(input.typed);
  const link = normalizeHumanCode(input.linkCode);
  if (!link) return input.typed;
  if (input.decision === 'denied' && !typed) return link;
  if (typed.length >= LINK_CONFIRM_CHARACTERS && link.endsWith(typed)) return link;
  throw new TaktError(
    'bad_request',
    `type the code your terminal shows (or its last ${LINK_CONFIRM_CHARACTERS} characters) to approve a machine that came through a link; if you are not setting up a machine right now, deny it`,
  );
}

export async function decideDeviceCode(
  db: Db,
  userCode: string,
  userId: string,
  decision: 'approved' | 'denied',
  now = Date.now(),
): Promise<DeviceCodesTable> {
  const row = await findByUserCode(db, userCode);
  if (!row) throw new TaktError('not_found', 'unknown code: check the code your terminal shows');
  if (row.expires_at <= now)
    throw new TaktError('bad_request', 'this code has expired: start again on the machine (takt setup)');
  if (row.status !== 'pending') throw new TaktError('conflict', `this code was already ${row.status}`);
  await moveDeviceCode(db, row.device_code_hash, 'pending', { status: decision, userId });
  return { ...row, status: decision, user_id: userId };
}
