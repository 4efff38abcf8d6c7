import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { assistant, claudeDir, writeTranscript } from '../../test/support/transcript-lines.ts';
import { loadTranscriptUsage } from './load-transcript-usage.ts';

/**
 * Property: for any set of usage lines spread over main and subagent files — streaming
 * snapshots, copies, lines with and without ids, text full of quotes and brackets — and
 * read in any number of incremental runs, the engine's totals equal a brute-force count:
 * group by message.id (else requestId; lines with neither stand alone), take the largest
 * value of each field per group, sum.
 */

const FILES = ['p1/s1.jsonl', 'p1/s1/subagents/agent-a.jsonl', 'p1/s2.jsonl', 'p2/s3.jsonl'];
const FIELDS = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'] as const;

const tokens = fc.integer({ min: 0, max: 200_000 });
const line = fc.record({
  id: fc.option(fc.constantFrom('msg_a', 'msg_b', 'msg_c', 'msg_d', 'msg_e'), { nil: undefined }),
  requestId: fc.option(fc.constantFrom('req_1', 'req_2', 'req_3'), { nil: null }),
  file: fc.nat({ max: FILES.length - 1 }),
  run: fc.nat({ max: 2 }),
  text: fc.string({ unit: fc.constantFrom('a', '"', '\\', '[', ']', '{', '}', 'é', '😀', ' ', 'x'), maxLength: 400 }),
  input: tokens,
  output: tokens,
  cacheWrite5m: tokens,
  cacheWrite1h: tokens,
  cacheRead: tokens,
});

type Line = typeof line extends fc.Arbitrary<infer T> ? T : never;

function bruteForce(lines: Line[]) {
  const groups = new Map<string, Record<(typeof FIELDS)[number], number>>();
  lines.forEach((l, i) => {
    const key = l.id ?? l.requestId ?? `alone-${i}`;
    const g = groups.get(key) ?? { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0 };
    for (const f of FIELDS) g[f] = Math.max(g[f], l[f]);
    groups.set(key, g);
  });
  const totals = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, responses: groups.size };
  for (const g of groups.values()) for (const f of FIELDS) totals[f] += g[f];
  return totals;
}

async function engine(root: string, home: string) {
  const { table } = (await loadTranscriptUsage({ env: {}, home, dirs: [root] })).index;
  const c = table.columns;
  const totals = { input: 0, output: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, responses: 0 };
  for (let row = 0; row < table.count; row++) {
    if (!table.isLive(row)) continue;
    totals.responses++;
    for (const f of FIELDS) totals[f] += c[f][row] as number;
  }
  return totals;
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('counting once, against a brute-force count', () => {
  it('equals the brute force for any lines, files and incremental runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 40 }), async (lines) => {
        const root = claudeDir();
        const home = mkdtempSync(join(tmpdir(), 'takt-home-'));
        scratch.push(root, home);
        for (const f of FILES) writeTranscript(root, f, '');
        // The same message id always comes from the same model at the same time, as in Claude Code.
        const record = (l: Line) =>
          JSON.stringify(
            assistant({
              ...l,
              model: l.id === 'msg_e' ? 'claude-haiku-4-5-20251001' : 'claude-opus-4-5-20251101',
              at: `2026-11-2${(l.id ?? 'x').length % 3}T10:00:00.000Z`,
            }),
          );
        for (let run = 0; run <= 2; run++) {
          for (const l of lines.filter((x) => x.run === run))
            appendFileSync(join(root, 'projects', FILES[l.file] as string), `${record(l)}\n`);
          engine(root, home);
        }
        expect(await engine(root, home)).toEqual(bruteForce(lines));
      }),
      { numRuns: 150 },
    );
  });
});
