import { createHash, randomBytes, randomInt } from 'node:crypto';

/** SHA-256, hex: how every secret takt hands out (tokens, invites, session ids, device codes) is stored. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** A code a person can read and type: groups of letters without look-alikes (no 0/O, 1/I/L). */
export function newHumanCode(groups = 2, groupLength = 4): string {
  const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) {
    let part = '';
    for (let i = 0; i < groupLength; i++) part += alphabet[randomInt(alphabet.length)];
    parts.push(part);
  }
  return parts.join('-');
}

/** User codes compare without case and separators ("abcd efgh" = "ABCD-EFGH"). */
export function normalizeHumanCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
