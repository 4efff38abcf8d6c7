import { createHash } from 'node:crypto';

/** A short, stable identity for a list of parts (24 base64url chars of SHA-256). */
export function hashKey(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 24);
}
