import { randomUUID } from 'node:crypto';

/** A new random row id. */
export function newId(): string {
  return randomUUID();
}
