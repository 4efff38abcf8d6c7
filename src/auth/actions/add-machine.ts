import type { Store } from '../../store/store.ts';
import type { IssuedToken } from '../api-token.ts';
import type { Actor } from './actor.ts';
import { issueToken } from './issue-token.ts';

/** POST /auth/setup-additional from a browser session: a new token for another machine of the caller's. */
export async function addMachine(
  store: Store,
  actor: Actor & { userId: string },
  input: { machine: string },
): Promise<IssuedToken> {
  return store.transaction((trx) =>
    issueToken(trx, actor, { userId: actor.userId, label: input.machine, via: 'auth/setup-additional' }),
  );
}
