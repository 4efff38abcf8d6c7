import { TaktError } from '../lib/errors.ts';
import { accountOfSession, ensureAccountByUuid, findAccount, listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';

export interface AccountHint {
  account_id?: string | undefined;
  account_uuid?: string | undefined;
  /** A claude.ai organization: the caller's one account seen (by telemetry) in it. */
  organization_id?: string | undefined;
  session_id?: string | undefined;
}

/**
 * The caller's account an observation or a limit event is about: the account id (the
 * dashboard knows it), else `account_uuid` (one not seen before becomes the caller's: a
 * poller may report an account before any telemetry does), else the account of the
 * session (telemetry told the server), else the one account of the caller that telemetry saw
 * in `organization_id` (a claude.ai reading names its organization), else the caller's only account.
 */
export async function resolveAccount(
  db: Db,
  userId: string,
  hint: AccountHint,
  now: number,
  accountsMax: number,
): Promise<string> {
  if (hint.account_id !== undefined) {
    const account = await findAccount(db, hint.account_id);
    if (!account || account.user_id !== userId) {
      throw new TaktError('not_found', `no account ${hint.account_id} of yours: GET /api/accounts lists them`);
    }
    return account.id;
  }
  if (hint.account_uuid !== undefined) {
    const id = await ensureAccountByUuid(db, userId, hint.account_uuid, now, accountsMax);
    if (id === undefined) throw accountCapReached(accountsMax, hint.account_uuid);
    return id;
  }
  if (hint.organization_id !== undefined) {
    const inOrg = (await listAccounts(db, userId)).filter((a) => a.organization_id === hint.organization_id);
    if (inOrg.length === 1 && inOrg[0]) return inOrg[0].id;
    if (inOrg.length > 1)
      throw new TaktError(
        'unprocessable',
        `you have ${inOrg.length} accounts in organization ${hint.organization_id}: send account_uuid (takt usage official --account UUID)`,
      );
  }
  if (hint.session_id !== undefined) {
    const bySession = await accountOfSession(db, userId, hint.session_id);
    if (bySession) return bySession;
  }
  const accounts = await listAccounts(db, userId);
  if (accounts.length === 1 && accounts[0]) return accounts[0].id;
  throw new TaktError(
    'unprocessable',
    accounts.length === 0
      ? 'no account is known for you yet: send account_uuid (Claude Code’s user.account_uuid, e.g. from ~/.claude.json oauthAccount.accountUuid)'
      : `you have ${accounts.length} accounts and none can be told from this: send account_uuid${hint.session_id ? ` (session ${hint.session_id} has no telemetry on this server yet)` : ', or a session_id the server has telemetry for'}`,
  );
}

/** 409 past TAKT_MAX_ACCOUNTS_PER_USER (issue 22.14), saying what to do. */
export function accountCapReached(max: number, uuid: string): TaktError {
  return new TaktError(
    'conflict',
    `you have ${max} Anthropic accounts, the most one user may have (TAKT_MAX_ACCOUNTS_PER_USER), so account ${uuid} was not added: ` +
      'send the account_uuid of one you have (GET /api/accounts lists them), or ask your admin to raise TAKT_MAX_ACCOUNTS_PER_USER',
  );
}
