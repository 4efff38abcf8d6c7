import type { UsageLine } from './scan-usage-lines.ts';

/**
 * The transcript index's hash of a string: a response's key (to count each response once),
 * a transcript file's path (the status line finds its files' lines by it) and the set of
 * transcript roots (the index file's name). 53 bits (two 32-bit FNV-style hashes), so it is
 * exact in the index's Float64 columns; not node:crypto, whose loading alone costs the
 * status line several milliseconds. Among 100,000 distinct keys the chance of any collision
 * is about 5·10⁻⁷ (a million: 5·10⁻⁵); see docs/decisions.md.
 */
export function lookupHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/** The hash of a line's key: as sent by the worker thread, else computed (NaN: the line has no key). */
export const lineKeyHash = (line: UsageLine): number =>
  line.keyHash ?? (line.key === '' ? Number.NaN : lookupHash(line.key));
