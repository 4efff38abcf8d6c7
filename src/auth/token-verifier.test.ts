import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase, type TestDatabase } from '../../test/support/test-databases.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import { insertUser } from '../store/users.ts';
import { issueApiToken } from './api-token.ts';
import { TokenVerifier } from './token-verifier.ts';

/** Counts the statements sent, by kind and table ("SelectQueryNode api_tokens"). */
function statementCounter(): { plugin: KyselyPlugin; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const tableOf = (node: RootOperationNode) => /"(api_tokens|users)"/.exec(JSON.stringify(node))?.[1] ?? '?';
  return {
    counts,
    plugin: {
      transformQuery: ({ node }) => {
        const k = `${node.kind} ${tableOf(node)}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
        return node;
      },
      transformResult: async ({ result }) => result,
    },
  };
}

describe('TokenVerifier', () => {
  let database: TestDatabase;
  let store: Store;
  let token: string;
  let tokenId: string;
  beforeAll(async () => {
    database = sqliteDatabase();
    store = await openStore(database.url);
    const user = await insertUser(store.db, { email: 'dev@example.com' });
    ({ token, id: tokenId } = await issueApiToken(store.db, user.id, 'laptop'));
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('answers concurrent verifications of one token with one lookup (single flight)', async () => {
    const { plugin, counts } = statementCounter();
    const verifier = new TokenVerifier(store.db.withPlugin(plugin), { now: () => 1_000_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => verifier.verify(token)));
    expect(answers.map((a) => a?.tokenId)).toEqual(Array(10).fill(tokenId));
    expect(Object.fromEntries(counts)).toEqual({
      'SelectQueryNode api_tokens': 1,
      'SelectQueryNode users': 1,
      'UpdateQueryNode api_tokens': 1,
    });
  });

  it('writes last_used_at at most once a minute, however often the cached identity expires', async () => {
    const { plugin, counts } = statementCounter();
    let now = 2_000_000;
    const verifier = new TokenVerifier(store.db.withPlugin(plugin), { ttlMs: 5_000, now: () => now });
    for (let s = 0; s < 60; s += 6) {
      now = 2_000_000 + s * 1_000;
      await verifier.verify(token);
    }
    now = 2_000_000 + 61_000;
    await verifier.verify(token);
    expect(Object.fromEntries(counts)).toEqual({
      'SelectQueryNode api_tokens': 11,
      'SelectQueryNode users': 11,
      'UpdateQueryNode api_tokens': 2,
    });
    const row = await store.db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', tokenId)
      .executeTakeFirstOrThrow();
    expect(Number(row.last_used_at)).toBe(2_061_000);
  });

  it('does not remember a verification begun before forget()', async () => {
    const { plugin, counts } = statementCounter();
    const verifier = new TokenVerifier(store.db.withPlugin(plugin), { now: () => 3_000_000 });
    const first = verifier.verify(token);
    verifier.forget();
    await Promise.all([first, verifier.verify(token)]);
    await verifier.verify(token);
    expect(counts.get('SelectQueryNode api_tokens')).toBe(2);
  });
});
