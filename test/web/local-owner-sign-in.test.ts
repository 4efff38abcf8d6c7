import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localSetup, setLocalOwnerPassword } from '../../src/cli/setup/local-setup.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startServer } from '../../src/server/start-server.ts';
import { launchChromium } from './browser.ts';

/**
 * Issue 19.1 in a real browser: the owner `takt setup --local` makes (an @localhost address)
 * signs in on the dashboard's sign-in page and sees the admin pages. Needs `npm run build`
 * (the dashboard in dist/web) and Chromium (TAKT_CHROMIUM or /usr/bin/chromium).
 */
const home = mkdtempSync(join(tmpdir(), 'takt-owner-web-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the owner of takt setup --local in Chromium', () => {
  it('signs in with you@localhost and reaches Admin', async () => {
    mkdirSync(join(home, '.claude'));
    const env = {
      HOME: home,
      TAKT_HOME: join(home, 'takt'),
      TAKT_HTTP_PORT: '0',
      TAKT_GRPC: '0',
      TAKT_LOG_LEVEL: 'silent',
    };
    const r = await localSetup({
      email: 'you@localhost',
      machine: 'box',
      settings: join(home, '.claude', 'settings.json'),
      service: false,
      env,
    });
    await setLocalOwnerPassword({ env, email: r.email, password: 'owner password 1' });
    const server = await startServer(loadConfig(env));
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(server.httpUrl.replace('127.0.0.1', 'localhost'));
    await page.getByRole('heading', { name: 'Sign in to takt' }).waitFor();
    // What to do without a password, in the user's words (not an API path).
    const noPassword = await page.getByTestId('no-password-yet').textContent();
    await page.getByLabel('Email').fill('you@localhost');
    await page.getByLabel('Password').fill('owner password 1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/\/admin$/);
    const alerts = await page.getByRole('alert').count();
    await browser.close();
    await server.close();
    expect([alerts, noPassword?.replace(/\s+/g, ' ').trim()]).toEqual([
      0,
      "No password yet? Set up alone with takt setup --local: run it again in a terminal, it asks for one. On a team server: an admin sets it on the Admin page (Set a user's password).",
    ]);
  }, 60_000);
});
