import type { Db } from './store.ts';

/** First-run setup codes (hashed): each replica that starts on an empty store adds the one it prints. */
export async function addSetupCode(db: Db, codeHash: string, now: number): Promise<void> {
  await db
    .insertInto('setup_codes')
    .values({ code_hash: codeHash, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Whether a code made after `since` exists (any such code, or the one with `codeHash`). */
export async function hasSetupCode(db: Db, since: number, codeHash?: string): Promise<boolean> {
  let q = db.selectFrom('setup_codes').select('code_hash').where('created_at', '>', since);
  if (codeHash !== undefined) q = q.where('code_hash', '=', codeHash);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** Every code dies together: the first admin exists. */
export async function clearSetupCodes(db: Db): Promise<void> {
  await db.deleteFrom('setup_codes').execute();
}

/** Drops the codes made at or before `before` (expired); answers how many. */
export async function dropSetupCodesBefore(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('setup_codes').where('created_at', '<=', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
