import type { AccountsTable } from './schema.ts';
import type { Db } from './store.ts';

export type AccountRow = Pick<AccountsTable, 'account_uuid' | 'organization_id' | 'email' | 'last_seen_at'>;

/** The Claude accounts a user's telemetry named since `since`. */
export async function listAccountsSeenSince(db: Db, userId: string, since: number): Promise<AccountRow[]> {
  return db
    .selectFrom('accounts')
    .select(['account_uuid', 'organization_id', 'email', 'last_seen_at'])
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', since)
    .execute();
}
