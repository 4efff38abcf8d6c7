import type { Db } from './store.ts';

/** First-run setup codes (hashed): each replica that starts on an empty store adds the one it prints. */
export async function addSetupCode(db: Db, codeHash: string, now: number): Promise<void> {
  await db
    .insertInto('setup_codes')
    .values({ code_hash: codeHash, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function hasSetupCode(db: Db, codeHash?: string): Promise<boolean> {
  let q = db.selectFrom('setup_codes').select('code_hash');
  if (codeHash !== undefined) q = q.where('code_hash', '=', codeHash);
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** Every code dies together: the first admin exists. */
export async function clearSetupCodes(db: Db): Promise<void> {
  await db.deleteFrom('setup_codes').execute();
}
