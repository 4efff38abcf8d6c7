import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTranscriptFiles, transcriptProjectDirs } from './find-transcripts.ts';

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
