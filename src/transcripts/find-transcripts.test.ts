import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DirListing,
  findTranscriptFiles,
  listTranscriptFiles,
  transcriptProjectDirs,
} from './find-transcripts.ts';

const scratch = mkdtempSync(join(tmpdir(), 'takt-find-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function touch(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
}

describe('finding transcripts', () => {
  const home = join(scratch, 'home');
  const a = join(scratch, 'config-a'); // a root holding projects/
  const b = join(scratch, 'config-b', 'projects'); // a projects directory given directly
  touch(join(home, '.claude', 'projects', 'p1', 's1.jsonl'));
  touch(join(home, '.claude', 'projects', 'p1', 's1', 'subagents', 'agent-x.jsonl'));
  touch(join(home, '.claude', 'projects', 'p1', 'notes.txt'));
  touch(join(home, '.config', 'claude', 'projects', 'p2', 's2.jsonl'));
  touch(join(a, 'projects', 'p3', 's3.jsonl'));
  touch(join(b, 'p4', 's4.jsonl'));
  symlinkSync(join(home, '.claude'), join(scratch, 'link-to-claude'));

  it('reads ~/.claude, ~/.config/claude and every CLAUDE_CONFIG_DIR root, each directory once', () => {
    const env = {
      HOME: home,
      CLAUDE_CONFIG_DIR: ` ${a},${b},${join(scratch, 'link-to-claude')},${join(scratch, 'missing')}`,
    };
    expect(transcriptProjectDirs(env)).toEqual([
      join(a, 'projects'),
      b,
      join(home, '.claude', 'projects'), // through the symlink, first
      join(home, '.config', 'claude', 'projects'),
    ]);
  });

  it('--dir replaces the defaults', () => {
    expect(transcriptProjectDirs({ HOME: home, CLAUDE_CONFIG_DIR: a }, [b])).toEqual([b]);
  });

  it('walks subdirectories for subagent files and names each file by its project', () => {
    const files = findTranscriptFiles(transcriptProjectDirs({ HOME: home }));
    expect(files.map((f) => [f.path.slice(home.length), f.project]).sort()).toEqual([
      ['/.claude/projects/p1/s1.jsonl', 'p1'],
      ['/.claude/projects/p1/s1/subagents/agent-x.jsonl', 'p1'],
      ['/.config/claude/projects/p2/s2.jsonl', 'p2'],
    ]);
  });
});

describe('listings of an earlier run', () => {
  const root = join(scratch, 'listed', 'projects');
  const hourAgo = new Date(Date.now() - 3_600_000);
  const age = (dir: string) => utimesSync(dir, hourAgo, hourAgo); // listed long after it last changed
  const known = (listings: DirListing[]) => new Map(listings.map((l) => [l.path, l]));
  const names = (files: { path: string }[]) => files.map((f) => f.path.slice(root.length + 1)).sort();
  touch(join(root, 'p1', 's1.jsonl'));
  touch(join(root, 'p1', 's1', 'subagents', 'a.jsonl'));
  touch(join(root, 'p2', 's2.jsonl'));
  for (const dir of ['p1/s1/subagents', 'p1/s1', 'p1', 'p2', '']) age(join(root, dir));

  it('are used while a directory is unchanged, and read again when an entry comes or goes', () => {
    const first = listTranscriptFiles([root]);
    expect(names(first.files)).toEqual(['p1/s1.jsonl', 'p1/s1/subagents/a.jsonl', 'p2/s2.jsonl']);
    // Unchanged: the same files, from the listings (the same objects: nothing was read).
    const again = listTranscriptFiles([root], known(first.listings));
    expect(names(again.files)).toEqual(names(first.files));
    expect(again.listings.every((l, i) => l === first.listings[i])).toBe(true);
    // A new file changes its directory's modification time: that directory is read again.
    touch(join(root, 'p1', 's1', 'subagents', 'b.jsonl'));
    rmSync(join(root, 'p2'), { recursive: true });
    const changed = listTranscriptFiles([root], known(again.listings));
    expect(names(changed.files)).toEqual(['p1/s1.jsonl', 'p1/s1/subagents/a.jsonl', 'p1/s1/subagents/b.jsonl']);
  });

  it('are not trusted when made within 2 s of the directory changing (an entry of the same tick)', () => {
    const dir = join(root, 'p3');
    touch(join(dir, 'x.jsonl'));
    const listed = listTranscriptFiles([root]); // p3 changed just now: its listing is racy
    const { mtime } = statSync(dir);
    touch(join(dir, 'y.jsonl'));
    utimesSync(dir, mtime, mtime); // as if y came in the same timestamp tick as x
    expect(names(listTranscriptFiles([root], known(listed.listings)).files)).toContain('p3/y.jsonl');
    // The same trick on a listing made long after the change hides the file: the listing was used.
    age(dir);
    const trusted = listTranscriptFiles([root]);
    touch(join(dir, 'z.jsonl'));
    age(dir);
    expect(names(listTranscriptFiles([root], known(trusted.listings)).files)).not.toContain('p3/z.jsonl');
    expect(names(listTranscriptFiles([root]).files)).toContain('p3/z.jsonl');
  });
});
