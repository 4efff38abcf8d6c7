import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  agentProgress,
  apiError,
  assistant,
  claudeDir,
  costState,
  jsonl,
  taskResult,
  writeTranscript,
} from '../../test/support/transcript-lines.ts';
import { loadShippedPriceTable } from '../pricing/price-table.ts';
import { buildReport, type Sums } from '../usage/transcript-report.ts';
import { findTranscriptFiles } from './find-transcripts.ts';
import { loadTranscriptUsage } from './load-transcript-usage.ts';
import {
  IndexReplacedError,
  indexFileFor,
  loadRecentTranscriptIndex,
  loadTranscriptIndex,
  updateTranscriptIndex,
} from './transcript-index.ts';

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'takt-home-'));
  scratch.push(home);
  return home;
}

function setup(files: Record<string, string>) {
  const root = claudeDir(files);
  scratch.push(root);
  return { root, home: freshHome() };
}

interface Counted {
  input: number;
  output: number;
  cacheWrite: number;
  cacheWrite1h: number;
  cacheRead: number;
  responses: number;
  skipped: number;
  synthetic: number;
  bytesRead: number;
}

/** Runs the engine as `takt report` does and returns what it counted. */
async function count(root: string, home: string): Promise<Counted> {
  const loaded = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
  const report = buildReport(loaded.index.table, loadShippedPriceTable(), {
    kind: 'daily',
    timeZone: 'UTC',
    breakdown: false,
    weekStart: 1,
    now: Date.parse('2026-11-22T00:00:00Z'),
  });
  const t: Sums = report.totals;
  let skipped = 0;
  let synthetic = 0;
  for (const f of loaded.index.files.summaries()) {
    skipped += f.skippedCount;
    synthetic += f.synthetic;
  }
  return {
    input: t.input_tokens,
    output: t.output_tokens,
    cacheWrite: t.cache_creation_tokens,
    cacheWrite1h: t.cache_creation_1h_tokens,
    cacheRead: t.cache_read_tokens,
    responses: t.responses,
    skipped,
    synthetic,
    bytesRead: loaded.summary.bytesRead,
  };
}

const S = 'proj-app/session-a.jsonl';

describe('counting every API response once', () => {
  it('takes the largest value of each field over streaming snapshots of one response', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 3, output: 1, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_1', input: 3, output: 40, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_1', input: 3, output: 377, cacheWrite1h: 2000, cacheRead: 9000 }),
        assistant({ id: 'msg_2', input: 5, output: 12, cacheRead: 11000 }),
      ),
    });
    // first-seen-wins would count output 1 + 12 = 13
    expect(await count(root, home)).toMatchObject({
      input: 8,
      output: 389,
      cacheWrite: 2000,
      cacheRead: 20000,
      responses: 2,
    });
  });

  it('dedupes lines without requestId on message.id', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 2 }),
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 70 }),
        assistant({ id: 'msg_1', requestId: null, input: 10, output: 70 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 70, responses: 1 });
  });

  it('keys on requestId when message.id is missing, and never merges lines that have neither', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ requestId: 'req_9', input: 1, output: 5 }),
        assistant({ requestId: 'req_9', input: 1, output: 6 }),
        assistant({ requestId: null, input: 2, output: 7 }),
        assistant({ requestId: null, input: 2, output: 7 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 5, output: 20, responses: 3 });
  });

  it('does not count the lines a resumed session copies into its new file again', async () => {
    const first = [
      assistant({ id: 'msg_1', session: 'old', input: 100, output: 10 }),
      assistant({ id: 'msg_2', session: 'old', input: 200, output: 20 }),
    ];
    const { root, home } = setup({
      'proj-app/old.jsonl': jsonl(...first),
      'proj-app/new.jsonl': jsonl(
        ...first.map((r) => ({ ...r, sessionId: 'new' })),
        assistant({ id: 'msg_3', session: 'new', input: 300, output: 30 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 600, output: 60, responses: 3 });
  });

  it('does not count a sidechain replay of a message already counted, but counts new subagent messages', async () => {
    const main = assistant({ id: 'msg_1', input: 100, output: 10 });
    const { root, home } = setup({
      [S]: jsonl(main),
      'proj-app/session-a/subagents/agent-1.jsonl': jsonl(
        { ...main, isSidechain: true },
        assistant({ id: 'msg_sub', sidechain: true, model: 'claude-haiku-4-5-20251001', input: 40, output: 4 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 140, output: 14, responses: 2 });
  });

  it('counts a subagent message once whether seen in its own file, as a progress copy, or both', async () => {
    const sub = assistant({ id: 'msg_sub', sidechain: true, input: 40, output: 400 });
    const onlyCopy = assistant({ id: 'msg_copy_only', sidechain: true, input: 7, output: 70 });
    const { root, home } = setup({
      [S]: jsonl(assistant({ id: 'msg_1', input: 1, output: 1 }), agentProgress(sub), agentProgress(onlyCopy)),
      'proj-app/session-a/subagents/agent-1.jsonl': jsonl(sub),
    });
    expect(await count(root, home)).toMatchObject({ input: 48, output: 471, responses: 3 });
  });

  it('ignores <synthetic> API errors, Task tool results and cost-state records', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 10, output: 20 }),
        apiError(),
        taskResult({ input: 5000, output: 5000 }),
        costState(),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 20, responses: 1, synthetic: 1, skipped: 0 });
  });

  it('splits cache writes into 5-minute and 1-hour ones; without the split they are 5-minute writes', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', cacheWrite5m: 100, cacheWrite1h: 900 }),
        assistant({ id: 'msg_2', cacheWrite5m: 50, noSplit: true }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ cacheWrite: 1050, cacheWrite1h: 900 });
  });

  it('skips and counts cut-off and malformed usage lines, ignores other garbage, and never fails', async () => {
    const good = JSON.stringify(assistant({ id: 'msg_1', input: 10, output: 20 }));
    const cut = JSON.stringify(assistant({ id: 'msg_2', input: 500, output: 500 })).slice(0, -40);
    const { root, home } = setup({
      [S]: jsonl(
        good,
        cut,
        '{"type":"assistant","message":{"usage":{"input_tokens":5,"output_tokens":}}}',
        'not json at all',
        '',
        '\u0000\u0001binary',
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10, output: 20, responses: 1, skipped: 2 });
  });

  it('skips and counts a line whose token count is not a whole number below 2^32 (no real response has one)', async () => {
    const { root, home } = setup({
      [S]: jsonl(
        assistant({ id: 'msg_1', input: 10, output: 20 }),
        assistant({ id: 'msg_2', input: 1.5, output: 20 }),
        assistant({ id: 'msg_3', input: 10, output: 2 ** 32 }),
        assistant({ id: 'msg_4', input: 10, output: 20, cacheRead: 1e300 }),
        assistant({ id: 'msg_5', input: 2 ** 32 - 1, output: 0 }),
      ),
    });
    expect(await count(root, home)).toMatchObject({ input: 10 + 2 ** 32 - 1, output: 20, responses: 2, skipped: 3 });
  });
});

describe('the index in TAKT_HOME', () => {
  it('reads only appended bytes on the next run and waits for a line still being written', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    const path = join(root, 'projects', S);
    expect(await count(root, home)).toMatchObject({ input: 10, output: 1, responses: 1 });
    expect(await count(root, home)).toMatchObject({ input: 10, responses: 1, bytesRead: 0 });

    const next = JSON.stringify(assistant({ id: 'msg_1', input: 10, output: 99 }));
    appendFileSync(path, next.slice(0, 30)); // half a line: Claude Code is still writing it
    expect(await count(root, home)).toMatchObject({ output: 1, responses: 1, skipped: 0 });
    appendFileSync(path, `${next.slice(30)}\n${JSON.stringify(assistant({ id: 'msg_2', input: 5, output: 5 }))}\n`);
    const after = await count(root, home);
    expect(after).toMatchObject({ input: 15, output: 104, responses: 2, skipped: 0 });
    expect(after.bytesRead).toBeLessThan(2 * next.length + 30);
  });

  it('re-reads a file that shrank or was replaced, and drops the responses of a deleted file', async () => {
    const { root, home } = setup({
      [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 10 }), assistant({ id: 'msg_2', input: 20, output: 20 })),
      'proj-app/other.jsonl': jsonl(assistant({ id: 'msg_3', session: 'other', input: 30, output: 30 })),
    });
    const path = join(root, 'projects', S);
    expect(await count(root, home)).toMatchObject({ input: 60, responses: 3 });

    writeFileSync(path, jsonl(assistant({ id: 'msg_1', input: 10, output: 10 }))); // shrank
    expect(await count(root, home)).toMatchObject({ input: 40, output: 40, responses: 2 });

    unlinkSync(path); // replaced: a new inode with other content of the same name
    writeTranscript(root, S, jsonl(assistant({ id: 'msg_9', input: 1, output: 2 })));
    expect(await count(root, home)).toMatchObject({ input: 31, output: 32, responses: 2 });

    unlinkSync(join(root, 'projects', 'proj-app/other.jsonl'));
    expect(await count(root, home)).toMatchObject({ input: 1, output: 2, responses: 1 });
  });

  it('reads again a file rewritten in place to a larger size (same inode, not an append)', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 10 })) });
    const path = join(root, 'projects', S);
    expect(await count(root, home)).toMatchObject({ input: 10, responses: 1 });
    const inode = statSync(path).ino;
    writeFileSync(
      path,
      jsonl(
        assistant({ id: 'msg_7', input: 70, output: 7, text: 'longer' }),
        assistant({ id: 'msg_8', input: 80, output: 8 }),
      ),
    );
    expect(statSync(path).ino).toBe(inode);
    expect(await count(root, home)).toMatchObject({ input: 150, output: 15, responses: 2 });
  });

  it('keeps a response whose file is deleted while a resumed copy still holds it', async () => {
    const line = assistant({ id: 'msg_1', input: 10, output: 10 });
    const { root, home } = setup({
      'proj-app/old.jsonl': jsonl(line),
      'proj-app/new.jsonl': jsonl({ ...line, sessionId: 'new' }, assistant({ id: 'msg_2', input: 1, output: 1 })),
    });
    expect(await count(root, home)).toMatchObject({ input: 11, responses: 2 });
    unlinkSync(join(root, 'projects', 'proj-app/old.jsonl'));
    expect(await count(root, home)).toMatchObject({ input: 11, responses: 2 });
    truncateSync(join(root, 'projects', 'proj-app/new.jsonl'), 0);
    expect(await count(root, home)).toMatchObject({ input: 0, responses: 0 });
  });

  it('gives after any sequence of changes the same totals as a fresh build', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    await count(root, home);
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_1', input: 10, output: 50 })));
    writeTranscript(root, 'proj-b/s2.jsonl', jsonl(assistant({ id: 'msg_2', session: 's2', input: 3, output: 4 })));
    const incremental = await count(root, home);
    const fresh = await count(root, freshHome());
    expect({ ...incremental, bytesRead: 0 }).toEqual({ ...fresh, bytesRead: 0 });
    expect(incremental).toMatchObject({ input: 13, output: 54, responses: 2 });
  });

  it('gives the status line only the responses since an instant, read from the tail of the saved columns', async () => {
    const days = ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21'];
    const { root, home } = setup({
      // out of time order on purpose: saving puts rows in time order
      'proj-app/b.jsonl': jsonl(
        ...days.map((d, i) => assistant({ id: `b${i}`, at: `${d}T08:00:00.000Z`, input: 10 ** i, output: 1 })),
      ),
      'proj-app/a.jsonl': jsonl(
        ...days.reverse().map((d, i) => assistant({ id: `a${i}`, at: `${d}T20:00:00.000Z`, input: 5, output: 2 })),
      ),
    });
    const loaded = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, loaded.projectDirs);
    const path = join(root, 'projects', 'proj-app/a.jsonl');
    const recent = loadRecentTranscriptIndex(file, [path], Date.parse('2026-11-20T00:00:00Z'))!;
    const c = recent.table.columns;
    const rows = Array.from({ length: recent.table.count }, (_, row) => [
      new Date(c.timestampMs[row] as number).toISOString(),
      c.input[row],
    ]);
    expect(rows).toEqual([
      ['2026-11-20T08:00:00.000Z', 100],
      ['2026-11-20T20:00:00.000Z', 5],
      ['2026-11-21T08:00:00.000Z', 1000],
      ['2026-11-21T20:00:00.000Z', 5],
    ]);
    expect([...recent.files.keys()]).toEqual([path]);
    expect(recent.partial).toBe(true);
  });

  it('reads only the report part of the index on a warm run, and the rest when something changed', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const warm = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(warm.summary.changed).toBe(false);
    expect(warm.index.table.isComplete).toBe(false);
    expect(warm.index.complete).toBeTypeOf('function');
    // The directories as listed are saved with the index: the next run lists only changed ones.
    expect(warm.index.listings.map((l) => l.path)).toEqual(expect.arrayContaining([join(root, 'projects')]));
    expect(warm.index.listings.flatMap((l) => l.files)).toEqual([S.split('/')[1]]);
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    const changed = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(changed.index.table.isComplete).toBe(true);
    expect(await count(root, home)).toMatchObject({ input: 15, responses: 2, bytesRead: 0 });
  });

  it('refuses to update an index whose file another run replaced meanwhile; loaded again it counts right', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    const first = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, first.projectDirs);
    const stale = loadTranscriptIndex(file);
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    await loadTranscriptUsage({ env: {}, home, dirs: [root] }); // another run saves a new index
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_3', input: 1, output: 1 })));
    const files = findTranscriptFiles(first.projectDirs);
    expect(() => updateTranscriptIndex(stale, files)).toThrow(IndexReplacedError);
    const again = loadTranscriptIndex(file, { whole: true });
    updateTranscriptIndex(again, files);
    expect(again.table.count).toBe(3);
    expect(again.table.columns.input.subarray(0, 3).reduce((a, b) => a + b, 0)).toBe(16);
  });

  it('rebuilds when the part only an update reads is cut short (a warm report still reads the rest)', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    const first = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, first.projectDirs);
    truncateSync(file, statSync(file).size - 8); // the last block (path offsets) loses its end
    expect(await count(root, home)).toMatchObject({ input: 10, responses: 1, bytesRead: 0 });
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    expect(await count(root, home)).toMatchObject({ input: 15, responses: 2 });
    expect(await count(root, home)).toMatchObject({ input: 15, responses: 2, bytesRead: 0 });
  });

  it('gives the status line the same file states as a full load, for files anywhere in the list', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `proj-${i % 3}/s${i}.jsonl`);
    const { root, home } = setup(
      Object.fromEntries(
        names.map((n, i) => [
          n,
          jsonl(assistant({ id: `m${i}`, input: i + 1, output: 1 }), 'garbage line with _tokens":'),
        ]),
      ),
    );
    const loaded = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, loaded.projectDirs);
    const full = loadTranscriptIndex(file, { whole: true });
    const wanted = [names[5], names[0], names[3], 'proj-0/missing.jsonl'].map((n) =>
      join(root, 'projects', n as string),
    );
    const recent = loadRecentTranscriptIndex(file, wanted, 0)!;
    expect(recent.files.keys().sort()).toEqual(wanted.slice(0, 3).sort());
    for (const path of wanted.slice(0, 3)) {
      const { rows: _rows, ...state } = full.files.get(path)!;
      const { rows, ...fromRecent } = recent.files.get(path)!;
      expect(fromRecent).toEqual(state);
      expect(state.skippedCount).toBe(1);
      expect(state.tail.length).toBe(32);
      expect(rows.length).toBe(0);
    }
  });

  it('rebuilds an index from another version or one that is damaged, and counts the same', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    const first = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, first.projectDirs);
    const bytes = readFileSync(file);
    bytes[7] = (bytes[7] as number) - 1; // an older takt's index
    writeFileSync(file, bytes);
    expect(await count(root, home)).toMatchObject({ input: 10, responses: 1, bytesRead: expect.any(Number) });
    expect(readFileSync(file)[7]).toBe((bytes[7] as number) + 1); // saved again in this version
    writeFileSync(file, readFileSync(file).subarray(0, 40)); // cut inside its header
    const rebuilt = await count(root, home);
    expect(rebuilt).toMatchObject({ input: 10, responses: 1 });
    expect(rebuilt.bytesRead).toBeGreaterThan(0);
  });

  it('gives the status line no index when the saved one is missing or from another version', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 1, output: 1 })) });
    const loaded = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const file = indexFileFor(home, loaded.projectDirs);
    expect(loadRecentTranscriptIndex(file, [], 0)?.table.count).toBe(1);
    const bytes = readFileSync(file);
    bytes[7] = (bytes[7] as number) - 1; // the version byte after "TAKTIDX"
    writeFileSync(file, bytes);
    expect(loadRecentTranscriptIndex(file, [], 0)).toBeUndefined();
    expect(loadRecentTranscriptIndex(join(home, 'none.idx'), [], 0)).toBeUndefined();
  });
});
