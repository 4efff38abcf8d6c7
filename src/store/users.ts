import { EMAIL_MESSAGE, isEmailAddress } from '../lib/email.ts';
import { TaktError } from '../lib/errors.ts';
import type { Db } from './db.ts';
import { newId } from './ids.ts';
import type { UserRole, UsersTable } from './schema.ts';

export type User = UsersTable;

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertUser(
  db: Db,
  input: { email: string; role?: UserRole; passwordHash?: string | null; now?: number },
): Promise<User> {
  // The one email rule (lib/email.ts) holds for every way a person is made.
  if (!isEmailAddress(input.email)) throw new TaktError('bad_request', `'${input.email}': ${EMAIL_MESSAGE}`);
  const user: User = {
    id: newId(),
    email: normalizeEmail(input.email),
    password_hash: input.passwordHash ?? null,
    role: input.role ?? 'member',
    created_at: input.now ?? Date.now(),
    disabled_at: null,
  };
  await db.insertInto('users').values(user).execute();
  return user;
}

/**
 * Sets a user's password hash only if it is still `expected` (compare and set), so two
 * changes racing cannot both pass a check of the old password. False when it had changed.
 */
export async function setPasswordHash(
  db: Db,
  userId: string,
  passwordHash: string,
  expected?: string | null,
): Promise<boolean> {
  let q = db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId);
  if (expected !== undefined)
    q = expected === null ? q.where('password_hash', 'is', null) : q.where('password_hash', '=', expected);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Gives a user another email (the owner of `takt setup --local` renamed by `--email`). */
export async function setUserEmail(db: Db, userId: string, email: string): Promise<void> {
  if (!isEmailAddress(email)) throw new TaktError('bad_request', `'${email}': ${EMAIL_MESSAGE}`);
  await db
    .updateTable('users')
    .set({ email: normalizeEmail(email) })
    .where('id', '=', userId)
    .execute();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Emails compare case-insensitively and without surrounding blanks. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Every user, oldest first (admin views). */
export async function listUsers(db: Db): Promise<User[]> {
  return db.selectFrom('users').selectAll().orderBy('created_at').execute();
}

export async function setUserRole(db: Db, userId: string, role: UserRole): Promise<void> {
  await db.updateTable('users').set({ role }).where('id', '=', userId).execute();
}

/** `at` disables (sign-in, sessions and tokens stop working), null enables again. */
export async function setUserDisabled(db: Db, userId: string, at: number | null): Promise<void> {
  await db.updateTable('users').set({ disabled_at: at }).where('id', '=', userId).execute();
}

/** Admins who can still sign in: the last one may not be demoted or disabled. */
export async function countEnabledAdmins(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
