import type { UsageLine } from './scan-usage-lines.ts';

/**
 * A 53-bit hash of a response key (two 32-bit FNV-style hashes), exact as a double.
 * Among 100,000 distinct keys the chance of any collision is about 5·10⁻⁷ (a million:
 * 5·10⁻⁵); see docs/decisions.md.
 */
export function keyHash(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/** The hash of a line's key: as sent by the worker thread, else computed (NaN: the line has no key). */
export const lineKeyHash = (line: UsageLine): number =>
  line.keyHash ?? (line.key === '' ? Number.NaN : keyHash(line.key));
