import { appendFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count, freshHome, removeScratch, S, setup } from '../../test/support/transcript-index-runs.ts';
import { assistant, jsonl, writeTranscript } from '../../test/support/transcript-lines.ts';
import { findTranscriptFiles } from './find-transcripts.ts';
import { indexFileFor } from './index-file-name.ts';
import { loadTranscriptIndex } from './load-transcript-index.ts';
import { loadTranscriptUsage } from './load-transcript-usage.ts';
import { IndexReplacedError } from './transcript-index.ts';
import { updateTranscriptIndex } from './update-transcript-index.ts';

afterEach(removeScratch);

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
});
