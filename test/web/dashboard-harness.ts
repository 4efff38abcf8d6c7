import type { Browser, Page } from 'playwright-core';
import { launchChromium, type ServedTakt, serveBuiltTakt } from './browser.ts';

/**
 * What a browser test of the dashboard starts from: `takt serve` from the build with its first
 * admin set up (the setup code read from the server's log), Chromium, and the JSON calls that
 * put data in before a page is opened.
 */
export const PASSWORD = 'correct horse battery';
export const ADMIN = 'admin@example.com';

/** A signed-in browser session (cookie and CSRF token), or a machine's bearer token. */
export interface Credentials {
  cookie?: string;
  csrf?: string;
  token?: string;
}

export interface ApiAnswer {
  status: number;
  /** The first `name=value` of Set-Cookie ('' when none). */
  cookie: string;
  body: { csrf_token?: string; token?: string } & Record<string, unknown>;
}

export interface Dashboard {
  takt: ServedTakt;
  browser: Browser;
  /** POST a JSON body as a session (with its CSRF token) or a token. */
  call(path: string, body: unknown, auth?: Credentials): Promise<ApiAnswer>;
  /** Signs in with PASSWORD. */
  signIn(email: string): Promise<{ cookie: string; csrf: string }>;
  /** A token for a new machine of `email`, as the dashboard's "add a machine" gets one. */
  machineToken(email: string, machine: string): Promise<string>;
  /** A page in a fresh context (en-US), signed in as `email`. Close it with page.context().close(). */
  pageAs(email: string, options: { viewport: { width: number; height: number }; timezoneId: string }): Promise<Page>;
  stop(): Promise<void>;
}

/** POST a JSON body to takt at `baseUrl` as a session (with its CSRF token) or a token. */
export async function postJsonTo(
  baseUrl: string,
  path: string,
  body: unknown,
  auth: Credentials = {},
): Promise<ApiAnswer> {
  const r = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth.cookie ? { cookie: auth.cookie, 'x-csrf-token': auth.csrf ?? '' } : {}),
      ...(auth.token ? { authorization: `Bearer ${auth.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: r.status,
    cookie: (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    body: (await r.json()) as ApiAnswer['body'],
  };
}

export async function startDashboard(): Promise<Dashboard> {
  const takt = await serveBuiltTakt();
  const browser = await launchChromium();
  const call = (path: string, body: unknown, auth: Credentials = {}) => postJsonTo(takt.url, path, body, auth);
  const signIn = async (email: string) => {
    const r = await call('/auth/login', { email, password: PASSWORD });
    return { cookie: r.cookie, csrf: r.body.csrf_token ?? '' };
  };
  const code = /first-run setup code: ([A-Z0-9-]+)/.exec(takt.log())?.[1] ?? '';
  const setUp = await call('/auth/setup', { setup_code: code, email: ADMIN, password: PASSWORD });
  if (setUp.status >= 300) throw new Error(`first-run setup answered ${setUp.status}: ${JSON.stringify(setUp.body)}`);
  return {
    takt,
    browser,
    call,
    signIn,
    async machineToken(email, machine) {
      return (await call('/auth/setup-additional', { machine }, await signIn(email))).body.token ?? '';
    },
    async pageAs(email, options) {
      const context = await browser.newContext({ locale: 'en-US', ...options });
      const { cookie } = await signIn(email);
      const [name, value] = cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: takt.url }]);
      return context.newPage();
    },
    async stop() {
      await browser.close();
      await takt.stop();
    },
  };
}
