import { createHash } from 'node:crypto';

/** One index per set of transcript roots, so `--dir` runs do not churn the default index. */
export function keyHashOfDirs(projectDirs: readonly string[]): string {
  return createHash('sha256')
    .update([...projectDirs].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
}
