import { timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../../audit/record-audit.ts';
import { TaktError } from '../../lib/errors.ts';
import type { Store } from '../../store/store.ts';
import { countUsers, insertUser, type User } from '../../store/users.ts';
import { checkPasswordStrength, hashPassword } from '../passwords.ts';
import { newHumanCode, normalizeHumanCode, sha256 } from '../secret.ts';

/**
 * The one-time code that guards the first-run page. A fresh server (no users) makes one
 * at start and prints it in its log, so only someone who can read the server's log can
 * create the first admin — the page is never open to the network without it (as Grafana,
 * Gitea and Jupyter do). It lives in memory only: it dies when used, and a restart makes a
 * new one.
 */
export class FirstRunGate {
  #codeHash: string | undefined;

  /** Makes a code when the store has no users; returns it (to print) or undefined. */
  async open(store: Store): Promise<string | undefined> {
    if ((await countUsers(store.db)) > 0) return undefined;
    const code = newHumanCode(3, 4);
    this.#codeHash = sha256(normalizeHumanCode(code));
    return code;
  }

  /** Whether the first-run page should be shown: no code, no page. */
  async isNeeded(store: Store): Promise<boolean> {
    if (this.#codeHash === undefined) return false;
    if ((await countUsers(store.db)) > 0) {
      this.#codeHash = undefined; // someone made a user another way (takt token create): the page is not needed
      return false;
    }
    return true;
  }

  #matches(code: string): boolean {
    if (this.#codeHash === undefined) return false;
    const a = Buffer.from(sha256(normalizeHumanCode(code)));
    const b = Buffer.from(this.#codeHash);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Creates the first admin with a password, with its audit row in the same transaction.
   * The user count is checked again inside it, so two racing requests make one admin.
   */
  async complete(
    store: Store,
    input: { setupCode: string; email: string; password: string; address: string | null },
  ): Promise<User> {
    if (this.#codeHash === undefined) {
      throw new TaktError('conflict', 'this server is already set up: sign in at /login instead');
    }
    if (!this.#matches(input.setupCode)) {
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
      await recordAudit(
        trx,
        { userId: u.id, address: input.address },
        { action: 'user.first_admin', targetType: 'user', targetId: u.id, after: { email: u.email, role: u.role } },
      );
      return u;
    });
    this.#codeHash = undefined; // the code dies when used
    return user;
  }
}
