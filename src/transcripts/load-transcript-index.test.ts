import {
  appendFileSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count, freshHome, removeScratch, S, setup } from '../../test/support/transcript-index-runs.ts';
import { assistant, jsonl } from '../../test/support/transcript-lines.ts';
import { indexFileFor } from './index-file-name.ts';
import { loadTranscriptIndex } from './load-transcript-index.ts';
import { loadTranscriptUsage } from './load-transcript-usage.ts';
import { QS_INPUT, quarterHourSums } from './quarter-hour-sums.ts';
import { IndexReplacedError } from './transcript-index.ts';

afterEach(removeScratch);

describe('the index in TAKT_HOME', () => {
  it('compares the files of trusted listings as the walk meets them, and still sees appends and removals', async () => {
    const { root, home } = setup({
      'p1/a.jsonl': jsonl(assistant({ id: 'msg_a', input: 1, output: 1 })),
      'p1/b.jsonl': jsonl(assistant({ id: 'msg_b', input: 20, output: 1 })),
      'p2/c.jsonl': jsonl(assistant({ id: 'msg_c', input: 300, output: 1 })),
      'p2/d.jsonl': jsonl(assistant({ id: 'msg_d', input: 4000, output: 1 })),
    });
    const projects = join(root, 'projects');
    // Directories last changed an hour ago: their listings are trusted (not racy) from now on.
    const age = () => {
      const then = new Date(Date.now() - 3_600_000);
      for (const dir of [projects, join(projects, 'p1'), join(projects, 'p2')]) utimesSync(dir, then, then);
    };
    age();
    expect(await count(root, home)).toMatchObject({ input: 4321, responses: 4 });
    const warm = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(warm.summary).toMatchObject({ changed: false, filesRead: 0, filesRemoved: 0 });
    expect(warm.index.listings.map((l) => Array.from(l.ids ?? []).length)).toEqual([0, 2, 2]);
    // A file of p2 removed (p2 is listed anew): p1's files, met unchanged in the walk, stay counted.
    rmSync(join(projects, 'p2', 'c.jsonl'));
    expect(await count(root, home)).toMatchObject({ input: 4021, responses: 3 });
    age();
    await count(root, home); // listings saved after the age: trusted again
    // An append to a file of a trusted listing: the walk's comparison finds it changed.
    appendFileSync(join(projects, 'p1', 'a.jsonl'), jsonl(assistant({ id: 'msg_e', input: 50000, output: 1 })));
    expect(await count(root, home)).toMatchObject({ input: 54021, responses: 4 });
    // Nothing left behind: every file is counted once, by a cold run as by the warm ones.
    expect(await count(root, freshHome())).toMatchObject({ input: 54021, responses: 4 });
    expect(readdirSync(join(projects, 'p2'))).toEqual(['d.jsonl']);
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
    // …with each file's number in the index: a warm run compares its stat by number, no path parsed.
    expect(warm.index.listings.flatMap((l) => Array.from(l.ids ?? []))).toEqual([0]);
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    const changed = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(changed.index.table.isComplete).toBe(true);
    // The index saves the responses summed per quarter hour (a report sums those, not the rows):
    // loaded as saved, and made again for the save of a run that changed something.
    expect(warm.index.table.quarterSums).toEqual(quarterHourSums(warm.index.table));
    expect(warm.index.table.quarterSums?.numbers[QS_INPUT]).toBe(10);
    expect(changed.index.table.quarterSums?.numbers[QS_INPUT]).toBe(15);
    expect(await count(root, home)).toMatchObject({ input: 15, responses: 2, bytesRead: 0 });
  });

  it('reads the response columns of a lazily loaded index on first use, from the same save only', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const first = await loadTranscriptUsage({ env: {}, home, dirs: [root], lazyRows: true });
    expect(first.index.table.columns.input[0]).toBe(10);
    const lazy = await loadTranscriptUsage({ env: {}, home, dirs: [root], lazyRows: true });
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    await loadTranscriptUsage({ env: {}, home, dirs: [root] }); // another run saves a new index
    expect(() => lazy.index.table.columns).toThrow(IndexReplacedError);
  });

  it('reads the quarter-hour sums, session ids and paths of a lazily loaded index on first use, from the same save only', async () => {
    const { root, home } = setup({ [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) });
    // Listings trusted (their directories last changed an hour ago): the walk needs no path.
    const then = new Date(Date.now() - 3_600_000);
    for (const dir of [join(root, 'projects'), dirname(join(root, 'projects', S))]) utimesSync(dir, then, then);
    const whole = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    const first = await loadTranscriptUsage({ env: {}, home, dirs: [root], lazyRows: true });
    expect(first.index.table.quarterSums).toEqual(whole.index.table.quarterSums);
    expect(first.index.table.quarterSums?.numbers[QS_INPUT]).toBe(10);
    expect(first.index.table.sessions.values).toEqual(whole.index.table.sessions.values);
    expect(first.index.table.sessions.values).toHaveLength(1);
    expect(first.index.files.keys()).toEqual([join(root, 'projects', S)]);
    // Not read by the load: a run that replaces the index in between makes each of them fail
    // (the report loads anew), rather than mixing two saves.
    const lazy = await loadTranscriptUsage({ env: {}, home, dirs: [root], lazyRows: true });
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })));
    await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(() => lazy.index.table.quarterSums).toThrow(IndexReplacedError);
    expect(() => lazy.index.table.sessions.values).toThrow(IndexReplacedError);
    expect(() => lazy.index.files.keys()).toThrow(IndexReplacedError);
    // Completed (as an update that changed something does, where that error is caught), it
    // holds all that saving needs: a replacement after that fails nothing.
    const file = indexFileFor(home, first.projectDirs);
    const completed = loadTranscriptIndex(file, { lazyRows: true });
    completed.complete?.();
    appendFileSync(join(root, 'projects', S), jsonl(assistant({ id: 'msg_3', input: 7, output: 1 })));
    await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(completed.table.sessions.values).toHaveLength(1);
    expect(completed.files.keys()).toEqual([join(root, 'projects', S)]);
  });

  it('counts the skipped lines of a warm run from the saved numbers, and of a file read again', async () => {
    const cut = '{"type":"assistant","message":{"usage":{"input_tokens":1,"output_tokens":\n';
    const other = 'p2/other.jsonl';
    const { root, home } = setup({
      [S]: jsonl(assistant({ id: 'msg_1', input: 10, output: 1 })) + cut + cut,
      [other]: cut + jsonl(assistant({ id: 'msg_2', input: 5, output: 1 })),
    });
    // Listings trusted: the warm run below parses no path and counts from the saved numbers alone.
    const then = new Date(Date.now() - 3_600_000);
    for (const dir of [join(root, 'projects'), dirname(join(root, 'projects', S)), join(root, 'projects', 'p2')])
      utimesSync(dir, then, then);
    expect((await loadTranscriptUsage({ env: {}, home, dirs: [root] })).index.files.skippedLineCount()).toBe(3);
    const warm = await loadTranscriptUsage({ env: {}, home, dirs: [root] });
    expect(warm.summary.changed).toBe(false);
    expect(warm.index.files.skippedLineCount()).toBe(3);
    appendFileSync(join(root, 'projects', other), cut);
    expect((await loadTranscriptUsage({ env: {}, home, dirs: [root] })).index.files.skippedLineCount()).toBe(4);
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
});
