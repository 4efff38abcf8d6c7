import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { TranscriptFile } from '../../transcripts/find-transcripts.ts';

/** The session's transcript and its subagents' files, if it lies under a known projects directory. */
export function sessionFiles(projectDirs: string[], transcriptPath: string | undefined): TranscriptFile[] {
  if (transcriptPath === undefined) return [];
  const root = projectDirs.find((dir) => transcriptPath.startsWith(dir + sep));
  if (root === undefined) return [];
  const project = transcriptPath.slice(root.length + 1).split(sep)[0] ?? '';
  const files: TranscriptFile[] = [{ path: transcriptPath, project }];
  const subagents = join(transcriptPath.replace(/\.jsonl$/, ''), 'subagents');
  try {
    for (const name of readdirSync(subagents)) {
      if (name.endsWith('.jsonl')) files.push({ path: join(subagents, name), project });
    }
  } catch {
    // no subagents
  }
  return files;
}
