import { recordAudit } from '../../audit/record-audit.ts';
import type { Store } from '../../store/store.ts';
import { startDeviceFlow } from '../device-flow.ts';
import type { Actor } from './actor.ts';

/** A machine asks for a token (RFC 8628 §3.1); anyone may start, only a signed-in user approves. */
export async function startDevice(store: Store, actor: Actor, input: { machine: string }) {
  return store.transaction(async (trx) => {
    const started = await startDeviceFlow(trx, input.machine, actor.address);
    await recordAudit(trx, actor, {
      action: 'device.start',
      targetType: 'device_code',
      targetId: started.userCode.replace('-', ''),
      after: { machine: input.machine, status: 'pending' },
    });
    return started;
  });
}
