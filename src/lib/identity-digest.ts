import { createHash } from 'node:crypto';

/**
 * A short, stable identity for a list of parts (24 base64url characters of SHA-256 over
 * the parts joined by NUL): what stored dedupe keys and series keys are made of, so
 * the same parts always give the same stored key.
 */
export function identityDigest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 24);
}
