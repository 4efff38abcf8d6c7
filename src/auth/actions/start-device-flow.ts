import type { Store } from '../../store/store.ts';
import { startDeviceFlow } from '../device-flow.ts';
import type { Actor } from './actor.ts';

/**
 * A machine asks for a token (RFC 8628 §3.1); anyone may start, only a signed-in user approves.
 * Not audited (issue 22.14): anyone can start, so one audit row per start let an anonymous
 * caller fill the audit trail. The code's row keeps the machine, the address and the time;
 * the approval or denial, the change that matters, is audited with them; starts are
 * rate-limited per address by the route and the rows pruned once expired.
 */
export async function startDevice(store: Store, actor: Actor, input: { machine: string }) {
  return store.transaction((trx) => startDeviceFlow(trx, input.machine, actor.address));
}
