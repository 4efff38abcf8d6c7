import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLocalOwner } from '../src/store/local-owner.ts';
import { startTakt, type TestTakt } from './support/takt-server.ts';
import { dialects, type TestDatabase } from './support/test-databases.ts';

/**
 * Seed 001's refresh over a generated history (test/support/gen-transcripts.mjs: streaming
 * duplicates, subagents, resumed sessions): the server's totals equal the generator's ground
 * truth to the token, and a second refresh adds nothing.
 */
const generator = join(import.meta.dirname, 'support', 'gen-transcripts.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'takt-refresh-gen-'));
let expected: { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number };

beforeAll(() => {
  execFileSync(process.execPath, [
    generator,
    '--out',
    join(scratch, 'claude'),
    '--size-mb',
    '4',
    '--seed',
    '19',
    '--quiet',
  ]);
  expected = JSON.parse(readFileSync(join(scratch, 'expected.json'), 'utf8')).totals;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.each(dialects)('refresh of a generated history on $name', ({ create }) => {
  let db: TestDatabase;
  let takt: TestTakt;
  const call = async (method: string, path: string) => {
    const r = await fetch(`${takt.directUrl}${path}`, { method, headers: { authorization: `Bearer ${takt.token}` } });
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers, read field by field in the assertions
    return (await r.json()) as Record<string, any>;
  };

  beforeAll(async () => {
    db = await create();
    // The server machine: no ~/.claude, its Claude Code data in CLAUDE_CONFIG_DIR.
    takt = await startTakt({
      databaseUrl: db.url,
      env: { HOME: join(scratch, 'no-home'), CLAUDE_CONFIG_DIR: join(scratch, 'claude') },
    });
    await setLocalOwner(takt.server.context.store.db, takt.userId, Date.now());
  });
  afterAll(async () => {
    await takt.stop();
    await db.drop();
  });

  it("records the generator's exact totals, once", async () => {
    const first = await call('POST', '/app/claude-usage/refresh/');
    const again = await call('POST', '/app/claude-usage/refresh/');
    const t = (await call('GET', '/api/usage?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z')).totals;
    expect({
      first: { duplicates: first.duplicates, stored: first.stored === first.found && first.stored > 0 },
      again: { found: again.found, stored: again.stored },
      totals: {
        inputTokens: t.input_tokens,
        outputTokens: t.output_tokens,
        cacheCreationTokens: t.cache_creation_tokens,
        cacheReadTokens: t.cache_read_tokens,
      },
    }).toEqual({
      first: { duplicates: 0, stored: true },
      again: { found: 0, stored: 0 },
      totals: {
        inputTokens: expected.inputTokens,
        outputTokens: expected.outputTokens,
        cacheCreationTokens: expected.cacheCreationTokens,
        cacheReadTokens: expected.cacheReadTokens,
      },
    });
  });
});
