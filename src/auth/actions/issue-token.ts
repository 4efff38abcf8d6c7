import { recordAudit } from '../../audit/record-audit.ts';
import type { Db } from '../../store/store.ts';
import { type IssuedToken, issueApiToken } from '../api-token.ts';
import { type Actor, requireSelfOrLocal } from './actor.ts';

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/**
 * The one way a bearer token is made: for the routes (register, token, rotate,
 * setup-additional), the device flow and `takt token create`. Runs inside the caller's
 * transaction (a token exists only if the change that made it commits) and writes its
 * audit row there: `token.create`, or the caller's own event when the token is part of a
 * larger change (user.register, token.rotate).
 */
export async function issueToken(
  trx: Db,
  actor: Actor,
  input: { userId: string; label: string; via: string; event?: (token: IssuedToken) => AuditEvent },
): Promise<IssuedToken> {
  requireSelfOrLocal(actor, input.userId);
  const token = await issueApiToken(trx, input.userId, input.label);
  await recordAudit(
    trx,
    { userId: actor.userId, address: actor.address },
    input.event?.(token) ?? {
      action: 'token.create',
      targetType: 'token',
      targetId: token.id,
      after: { label: input.label, via: input.via },
    },
  );
  return token;
}
