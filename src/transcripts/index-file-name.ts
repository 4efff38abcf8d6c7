import { join } from 'node:path';
import { lookupHash } from './lookup-hash.ts';

/**
 * The index file for a set of transcript roots: one index per set, so `--dir` runs do not
 * churn the default index. The roots are named by their lookup hash (14 hex digits).
 */
export const indexFileFor = (home: string, projectDirs: readonly string[]) =>
  join(home, `transcripts-${rootsHash(projectDirs)}.idx`);

const rootsHash = (projectDirs: readonly string[]) =>
  lookupHash([...projectDirs].sort().join('\n'))
    .toString(16)
    .padStart(14, '0');
