import { writeSync } from 'node:fs';

/**
 * Writes `text` to stdout by descriptor, retrying while the pipe is full: `process.stdout`
 * loads Node's stream modules (and `node:net` for a pipe) on first use, ~3-5 ms of a status
 * line or a warm report (issue 24.2).
 */
export function writeStdout(text: string): void {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}
