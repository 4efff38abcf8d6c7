import { writeSync } from 'node:fs';

/** Writes `text` to stdout by descriptor (see readInput: no stream objects), retrying while the pipe is full. */
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
