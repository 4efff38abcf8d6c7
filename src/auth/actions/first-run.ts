import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import { addSetupCode, clearSetupCodes, dropSetupCodesBefore, hasSetupCode } from '../../store/setup-codes.ts';
import type { Store } from '../../store/store.ts';
import { countUsers, insertUser, type User } from '../../store/users.ts';
import { checkPasswordStrength, hashPassword } from '../passwords.ts';
import { newHumanCode, normalizeHumanCode, sha256 } from '../secret.ts';

/**
 * The one-time code that guards the first-run page. A fresh server (no users) makes one
 * at start and prints it in its log, so only someone who can read the server's log can
 * create the first admin — the page is never open to the network without it (as Grafana,
 * Gitea and Jupyter do). Only its hash is kept, in the database, so that with several
 * replicas any of them accepts the code one of them printed; every code dies when the
 * first admin is made. A code lasts 24 hours (a log line copied somewhere must not claim the
 * server weeks later, issue 22.12); each start drops the expired ones and prints a new one.
 */
export const SETUP_CODE_TTL_MS = 24 * 3_600_000;

export class FirstRunGate {
  /** Makes a code when the store has no users; returns it (to print) or undefined. */
  async open(store: Store, now = Date.now()): Promise<string | undefined> {
    await dropSetupCodesBefore(store.db, now - SETUP_CODE_TTL_MS);
    if ((await countUsers(store.db)) > 0) return undefined;
    const code = newHumanCode(3, 4);
    await addSetupCode(store.db, sha256(normalizeHumanCode(code)), now);
    return code;
  }

  /** Whether the first-run page should be shown: no live code, no page. */
  async isNeeded(store: Store, now = Date.now()): Promise<boolean> {
    if (!(await hasSetupCode(store.db, now - SETUP_CODE_TTL_MS))) return false;
    if ((await countUsers(store.db)) > 0) {
      await clearSetupCodes(store.db); // someone made a user another way (takt token create): the page is not needed
      return false;
    }
    return true;
  }

  /**
   * Creates the first admin with a password, with its audit row in the same transaction.
   * The user count is checked again inside it, so two racing requests make one admin.
   */
  async complete(
    store: Store,
    input: { setupCode: string; email: string; password: string; address: string | null },
    now = Date.now(),
  ): Promise<User> {
    const since = now - SETUP_CODE_TTL_MS;
    if (!(await hasSetupCode(store.db, since))) {
      if ((await countUsers(store.db)) > 0 || !(await hasSetupCode(store.db, -1))) {
        throw new TaktError('conflict', 'this server is already set up: sign in at /login instead');
      }
      throw new TaktError(
        'forbidden',
        'the setup code has expired (a code lasts 24 hours): restart takt serve and use the new code it prints',
      );
    }
    // A lookup by the hash of a random 12-character code (59 bits): its timing tells nothing worth guessing.
    if (!(await hasSetupCode(store.db, since, sha256(normalizeHumanCode(input.setupCode))))) {
      throw new TaktError(
        'forbidden',
        'wrong setup code: copy the code printed in the log of `takt serve` ("first-run setup code: …")',
      );
    }
    const weak = checkPasswordStrength(input.password);
    if (weak) throw new TaktError('bad_request', weak);
    const passwordHash = await hashPassword(input.password);
    const user = await store.transaction(async (trx) => {
      if ((await countUsers(trx)) > 0) {
        throw new TaktError('conflict', 'this server is already set up: sign in at /login instead');
      }
      const u = await insertUser(trx, { email: input.email, role: 'admin', passwordHash });
      await clearSetupCodes(trx); // every replica's code dies when used
      await recordAudit(
        trx,
        { userId: u.id, address: input.address },
        { action: 'user.first_admin', targetType: 'user', targetId: u.id, after: { email: u.email, role: u.role } },
      );
      return u;
    });
    return user;
  }
}
