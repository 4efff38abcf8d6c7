import { writeSync } from 'node:fs';

/** Set once stdout's reader has gone (EPIPE): nothing more is written, and nothing is said. */
let readerGone = false;

/**
 * Writes `text` to stdout by descriptor, retrying while the pipe is full: `process.stdout`
 * loads Node's stream modules (and `node:net` for a pipe) on first use, ~3-5 ms of a status
 * line or a warm report (issue 24.2).
 *
 * A reader that closes early (`takt report daily | head`) ends the output quietly, as `cat` or
 * ccusage do: the rest of the text and any later write are dropped, and the command's exit code
 * stays what it was — the report itself did not fail.
 */
export function writeStdout(text: string): void {
  if (readerGone) return;
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; ) {
    try {
      at += writeSync(1, bytes, at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') {
        readerGone = true;
        return;
      }
      if (code !== 'EAGAIN') throw error;
    }
  }
}
