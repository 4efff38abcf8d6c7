import { keyHash } from './key-hash.ts';

/**
 * One index per set of transcript roots, so `--dir` runs do not churn the default index.
 * A 53-bit string hash rather than node:crypto, whose loading alone costs the status line
 * several milliseconds.
 */
export function keyHashOfDirs(projectDirs: readonly string[]): string {
  return keyHash([...projectDirs].sort().join('\n'))
    .toString(16)
    .padStart(14, '0');
}
