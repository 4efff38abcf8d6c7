import { TaktError } from '../lib/errors.ts';
import { type AccountRow, listAccounts } from '../store/accounts.ts';
import type { Db } from '../store/db.ts';

/** Which account a manual entry counts toward, and why that one (the answer says so). */
export interface ChosenAccount {
  id: string;
  label: string | null;
  account_uuid: string | null;
  chosen_by: 'given' | 'only_account' | 'most_recently_active' | 'none_known';
}

/**
 * `account` names one of the caller's accounts by its id, its uuid or its label (case
 * ignored). Without it: the caller's only account, else the one that sent usage most
 * recently; with no account known yet the entry waits unlinked (issue 19.6 links it later).
 */
export async function chooseAccount(db: Db, userId: string, account: string | undefined): Promise<ChosenAccount> {
  const accounts = await listAccounts(db, userId);
  if (account !== undefined) {
    const wanted = account.trim().toLowerCase();
    const found = accounts.find(
      (a) => a.id === account || a.account_uuid?.toLowerCase() === wanted || a.label?.toLowerCase() === wanted,
    );
    if (!found) {
      throw new TaktError(
        'not_found',
        `no account '${account}' of yours: give its uuid or label from GET /api/accounts, or leave account out`,
      );
    }
    return view(found, 'given');
  }
  const latest = [...accounts].sort((a, b) => Number(b.last_seen_at) - Number(a.last_seen_at))[0];
  if (!latest) return { id: '', label: null, account_uuid: null, chosen_by: 'none_known' };
  return view(latest, accounts.length === 1 ? 'only_account' : 'most_recently_active');
}

function view(a: AccountRow, chosenBy: ChosenAccount['chosen_by']): ChosenAccount {
  return { id: a.id, label: a.label, account_uuid: a.account_uuid, chosen_by: chosenBy };
}
