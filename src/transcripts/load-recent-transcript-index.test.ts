import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeScratch, S, setup } from '../../test/support/transcript-index-runs.ts';
import { assistant, jsonl } from '../../test/support/transcript-lines.ts';
import { indexFileFor } from './index-file-name.ts';
import { loadRecentTranscriptIndex } from './load-recent-transcript-index.ts';
import { loadTranscriptIndex } from './load-transcript-index.ts';
import { loadTranscriptUsage } from './load-transcript-usage.ts';

afterEach(removeScratch);

describe('the index in TAKT_HOME', () => {
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
