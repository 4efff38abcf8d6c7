import { recordAudit } from '../../audit/record-audit.ts';
import type { DeviceCodesTable } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { decideDeviceCode } from '../device-flow.ts';
import type { Actor } from './actor.ts';

/** The signed-in user (the permission: a session with its CSRF token) approves or denies a user code. */
export async function decideDevice(
  store: Store,
  actor: Actor & { userId: string },
  input: { userCode: string; decision: 'approved' | 'denied' },
): Promise<DeviceCodesTable> {
  return store.transaction(async (trx) => {
    const r = await decideDeviceCode(trx, input.userCode, actor.userId, input.decision);
    await recordAudit(trx, actor, {
      action: `device.${input.decision === 'approved' ? 'approve' : 'deny'}`,
      targetType: 'device_code',
      targetId: r.user_code,
      before: { status: 'pending' },
      after: { status: input.decision, machine: r.machine, requested_address: r.requested_address },
    });
    return r;
  });
}
