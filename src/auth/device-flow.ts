import { TaktError } from '../lib/errors.ts';
import type { DeviceCodesTable } from '../store/schema.ts';
import type { Db } from '../store/store.ts';
import { newHumanCode, newSecret, normalizeHumanCode, sha256 } from './secret.ts';

/** Device authorization after RFC 8628: codes live 10 minutes; clients poll every 5 s at most. */
export const DEVICE_CODE_TTL_SECONDS = 600;
export const DEVICE_POLL_INTERVAL_SECONDS = 5;

export async function startDeviceFlow(db: Db, machine: string, now = Date.now()) {
  const deviceCode = newSecret(32);
  const resumeCode = newSecret(16);
  const userCode = newHumanCode(2, 4);
  await db
    .insertInto('device_codes')
    .values({
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
    })
    .execute();
  return { deviceCode, resumeCode, userCode };
}

export async function findByDeviceCode(db: Db, deviceCode: string) {
  return db
    .selectFrom('device_codes')
    .selectAll()
    .where('device_code_hash', '=', sha256(`device:${deviceCode}`))
    .executeTakeFirst();
}

export async function findByResumeCode(db: Db, resumeCode: string) {
  return db
    .selectFrom('device_codes')
    .selectAll()
    .where('resume_code_hash', '=', sha256(`resume:${resumeCode}`))
    .executeTakeFirst();
}

export async function findByUserCode(db: Db, userCode: string) {
  return db
    .selectFrom('device_codes')
    .selectAll()
    .where('user_code', '=', normalizeHumanCode(userCode))
    .executeTakeFirst();
}

/**
 * Records a poll and says whether it came too early (RFC 8628 §3.5: slow_down, and
 * the client adds 5 s to its interval).
 */
export async function notePoll(db: Db, row: DeviceCodesTable, now = Date.now()): Promise<boolean> {
  const tooSoon = row.last_poll_at !== null && now - row.last_poll_at < row.interval_seconds * 1000;
  await db
    .updateTable('device_codes')
    .set({
      last_poll_at: now,
      interval_seconds: tooSoon ? row.interval_seconds + 5 : row.interval_seconds,
    })
    .where('device_code_hash', '=', row.device_code_hash)
    .execute();
  return tooSoon;
}

/** Moves an approved code to redeemed exactly once; false when another poll got there first. */
export async function markRedeemed(db: Db, row: DeviceCodesTable): Promise<boolean> {
  const r = await db
    .updateTable('device_codes')
    .set({ status: 'redeemed' })
    .where('device_code_hash', '=', row.device_code_hash)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
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
  await db
    .updateTable('device_codes')
    .set({ status: decision, user_id: userId })
    .where('device_code_hash', '=', row.device_code_hash)
    .where('status', '=', 'pending')
    .execute();
  return { ...row, status: decision, user_id: userId };
}
