import type { WebhookEndpointRow } from '../store/webhooks.ts';

/** An endpoint, parsed, with whether its owner is an admin (admins' endpoints may cover every account). */
export interface ActiveEndpoint {
  row: WebhookEndpointRow;
  events: Set<string>;
  accountUuids: Set<string> | null;
  thresholds: number[];
  ownerIsAdmin: boolean;
}

export function activeEndpoints(rows: WebhookEndpointRow[], adminIds: Set<string>): ActiveEndpoint[] {
  return rows
    .filter((r) => Number(r.enabled) === 1)
    .map((row) => ({
      row,
      events: new Set(JSON.parse(row.events) as string[]),
      accountUuids: row.account_uuids === null ? null : new Set(JSON.parse(row.account_uuids) as string[]),
      thresholds: JSON.parse(row.thresholds) as number[],
      ownerIsAdmin: adminIds.has(row.user_id),
    }));
}

/**
 * Whether an endpoint hears about an account of `userId` (account null: a machine with no
 * account known). Members hear only about their own accounts; admins about any, or the listed ones.
 */
export function covers(e: ActiveEndpoint, userId: string, accountUuid: string | null): boolean {
  if (!e.ownerIsAdmin && e.row.user_id !== userId) return false;
  if (e.accountUuids === null) return true;
  return accountUuid !== null && e.accountUuids.has(accountUuid);
}
