import type { AuditActor } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';

/**
 * Who performs an action, as the transport established it: a signed-in user (token or
 * session), an admin (by role, or by network address under TAKT_LAN_ADMIN_CIDRS), or the
 * operator on the server's machine (`takt token create`, `takt admin invite`). Anonymous
 * callers prove themselves inside the action (invite code, password, device code).
 */
export interface Actor extends AuditActor {
  admin?: boolean;
  local?: boolean;
}

/** The permission check of admin actions; the route has already authenticated the caller. */
export function requireAdminActor(actor: Actor): void {
  if (!actor.admin && !actor.local) {
    throw new TaktError('forbidden', 'this needs an admin: sign in as an admin or use an admin token');
  }
}

/** The permission check of actions on a user's own things: that user, or the local operator. */
export function requireSelfOrLocal(actor: Actor, userId: string): void {
  if (actor.local || actor.userId === userId) return;
  throw new TaktError('forbidden', 'you can only act on your own account');
}
