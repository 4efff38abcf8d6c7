import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { TaktError } from '../lib/errors.ts';

/**
 * Encryption at rest of the columns that are credentials (issue 22.9): webhook URLs (Slack and
 * Discord put their credential in the path) and signing secrets. AES-256-GCM (node:crypto),
 * a fresh 96-bit nonce per value, stored as `enc1:<key id>:<base64 nonce|tag|ciphertext>`.
 * The key lives outside the database (TAKT_SECRET_KEY or a key file), so a copied database
 * file or dump alone does not give the secrets away.
 *
 * The keys are a process-wide registry rather than a property of each connection: the store's
 * functions receive a Kysely handle or transaction, which has no room for one (docs/decisions.md,
 * "The secret key is process-wide"). Sealing uses the key registered last; opening uses the key
 * whose id the value names, so two stores of one test process (two replicas) read each other.
 */

const PREFIX = 'enc1:';
const keys = new Map<string, Buffer>();
let current: { id: string; key: Buffer } | undefined;

/** A short public name of a key (not the key): tells which key sealed a value. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** TAKT_SECRET_KEY's text (64 hex digits or base64 of 32 bytes) as the key. */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new TaktError('bad_request', 'TAKT_SECRET_KEY must be 32 bytes: generate one with openssl rand -base64 32');
  }
  return key;
}

/** Makes `key` the one new values are sealed with (and one that opens values). */
export function useSecretKey(key: Buffer): void {
  const id = keyIdOf(key);
  keys.set(id, key);
  current = { id, key };
}

/** A key for a store opened without one (tests, library use): random, this process only. */
function currentKey(): { id: string; key: Buffer } {
  if (!current) useSecretKey(randomBytes(32));
  return current as { id: string; key: Buffer };
}

export const isSealed = (value: string) => value.startsWith(PREFIX);

export function seal(plain: string): string {
  const { id, key } = currentKey();
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${PREFIX}${id}:${Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** The clear value; a value written before encryption (no prefix) is returned as it is. */
export function unseal(stored: string): string {
  if (!isSealed(stored)) return stored;
  const [id, data] = stored.slice(PREFIX.length).split(':') as [string, string | undefined];
  const key = keys.get(id);
  if (!key || data === undefined) {
    throw new TaktError(
      'internal',
      `a webhook secret was encrypted with another key (id ${id}; this server's is ${currentKey().id}): start takt with the TAKT_SECRET_KEY or key file it was written with (every replica needs the same key)`,
    );
  }
  const raw = Buffer.from(data, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** Whether a sealed value names a key this process has. */
export const opensWithKnownKey = (stored: string) =>
  !isSealed(stored) || keys.has(stored.slice(PREFIX.length).split(':')[0] as string);
