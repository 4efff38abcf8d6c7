import type { DeviceCodesTable } from './schema.ts';
import type { Db } from './store.ts';

export type DeviceCodeRow = DeviceCodesTable;

export async function insertDeviceCode(db: Db, row: DeviceCodeRow): Promise<void> {
  await db.insertInto('device_codes').values(row).execute();
}

export async function findDeviceCode(
  db: Db,
  by: { deviceCodeHash: string } | { resumeCodeHash: string } | { userCode: string },
): Promise<DeviceCodeRow | undefined> {
  const q = db.selectFrom('device_codes').selectAll();
  if ('deviceCodeHash' in by) return q.where('device_code_hash', '=', by.deviceCodeHash).executeTakeFirst();
  if ('resumeCodeHash' in by) return q.where('resume_code_hash', '=', by.resumeCodeHash).executeTakeFirst();
  return q.where('user_code', '=', by.userCode).executeTakeFirst();
}

export async function updateDevicePoll(
  db: Db,
  deviceCodeHash: string,
  set: { lastPollAt: number; intervalSeconds: number },
): Promise<void> {
  await db
    .updateTable('device_codes')
    .set({ last_poll_at: set.lastPollAt, interval_seconds: set.intervalSeconds })
    .where('device_code_hash', '=', deviceCodeHash)
    .execute();
}

/** Moves a code from one status to another; false when its status was no longer `from`. */
export async function moveDeviceCode(
  db: Db,
  deviceCodeHash: string,
  from: DeviceCodeRow['status'],
  set: { status: DeviceCodeRow['status']; userId?: string },
): Promise<boolean> {
  const r = await db
    .updateTable('device_codes')
    .set({ status: set.status, ...(set.userId === undefined ? {} : { user_id: set.userId }) })
    .where('device_code_hash', '=', deviceCodeHash)
    .where('status', '=', from)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
