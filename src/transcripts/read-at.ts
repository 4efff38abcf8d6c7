import { closeSync, openSync, readSync } from 'node:fs';

/** `use` of the file opened for reading (closed after), or undefined when it cannot be opened. */
export function withFile<T>(file: string, use: (fd: number) => T): T | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at `position` into a view, fewer only at the end of the file; returns the count. */
export function readFully(fd: number, into: ArrayBufferView, length: number, position: number): number {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, bytes, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}
