import { hash, verify } from '@node-rs/argon2';

// argon2id (the library's default algorithm), run on libuv's thread pool: never on the event loop.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** A well-formed hash of a password nobody knows, so unknown users cost the same time as known ones. */
let decoy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hash('takt-decoy-password', OPTIONS);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}

export function checkPasswordStrength(password: string): string | undefined {
  if (password.length < 10) return 'use a password of at least 10 characters';
  if (password.length > 1024) return 'use a password of at most 1024 characters';
  return undefined;
}
