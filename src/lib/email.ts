import { z } from 'zod';

/**
 * The one rule for what an email address is, at creation (setup, first run, admin, register)
 * and at sign-in alike. It is the browser's own rule for `<input type="email">` (WHATWG HTML,
 * "valid email address"), so a local name without a dot such as `you@localhost` — what
 * `takt setup --local` gives the owner — is accepted by the sign-in page and by the server.
 */
const VALID_EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export const EMAIL_MESSAGE = 'email must be an email address such as you@example.com or you@localhost';

export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && VALID_EMAIL.test(text.trim());
}

/** The zod field: trimmed, checked by the rule above. */
export const emailAddress = z.string({ error: 'email is required' }).trim().refine(isEmailAddress, EMAIL_MESSAGE);
