import { TaktError } from '../../lib/errors.ts';
import type { DeviceCodesTable } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import type { IssuedToken } from '../api-token.ts';
import { markRedeemed } from '../device-flow.ts';
import { issueToken } from './issue-token.ts';

const ALREADY = 'this device code was already redeemed: start again (POST /auth/device/start)';

/**
 * Hands the token of an approved code to whoever polls or redeems first (the device or
 * resume code is the permission; the approver is the token's owner). Later calls learn it is spent.
 */
export async function redeemDeviceCode(
  store: Store,
  address: string | null,
  row: DeviceCodesTable,
): Promise<IssuedToken> {
  const userId = row.user_id;
  if (row.status === 'redeemed') throw new TaktError('conflict', ALREADY);
  if (row.status !== 'approved' || !userId) throw new TaktError('internal', 'approved device code without a user');
  return store.transaction(async (trx) => {
    if (!(await markRedeemed(trx, row))) throw new TaktError('conflict', ALREADY);
    return issueToken(trx, { userId, address }, { userId, label: row.machine, via: 'device flow' });
  });
}
