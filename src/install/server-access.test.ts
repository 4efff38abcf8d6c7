import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveServerAccess, saveClientFile } from './server-access.ts';
import { telemetryEnv } from './setup-payload.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-access-'));
  mkdirSync(join(dir, '.claude'));
  writeFileSync(
    join(dir, '.claude', 'settings.json'),
    JSON.stringify({ env: telemetryEnv('http://takt.lan:4318', 'takt_settings_token', 'box') }),
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('which server unattended posts go to', () => {
  it("takt setup's telemetry settings, when nothing else is given", () => {
    expect(resolveServerAccess({ env: { HOME: dir }, home: join(dir, 'takt') })).toEqual({
      from: 'telemetry settings',
      server: 'http://takt.lan:4318',
      token: 'takt_settings_token',
    });
  });

  it('flags, then the environment, then client.json come first', () => {
    const home = join(dir, 'takt');
    saveClientFile(home, { server: 'http://saved:1', token: 'takt_saved' });
    const env = { HOME: dir, TAKT_SERVER: 'http://env:2', TAKT_TOKEN: 'takt_env' };
    expect(resolveServerAccess({ env, home, flags: { server: 'http://flag:3/', token: 'takt_flag' } })).toEqual({
      from: 'flags',
      server: 'http://flag:3',
      token: 'takt_flag',
    });
    expect(resolveServerAccess({ env, home })?.from).toBe('environment');
    expect(resolveServerAccess({ env: { HOME: dir }, home })?.from).toBe('client.json');
  });

  it('a token given alone goes to the server found otherwise', () => {
    expect(
      resolveServerAccess({ env: { HOME: dir }, home: join(dir, 'takt'), flags: { token: 'takt_flag_only' } }),
    ).toEqual({
      from: 'flags',
      server: 'http://takt.lan:4318',
      token: 'takt_flag_only',
    });
  });

  it("a server given alone takes that server's token, never another server's", () => {
    const env = { HOME: dir };
    const home = join(dir, 'takt');
    expect(resolveServerAccess({ env, home, flags: { server: 'http://takt.lan:4318' } })?.token).toBe(
      'takt_settings_token',
    );
    expect(resolveServerAccess({ env, home, flags: { server: 'http://elsewhere:4318' } })).toBeUndefined();
  });

  it("seed 001's CLAUDE_USAGE_API_URL and CLAUDE_USAGE_API_TOKEN, only when takt's own settings are absent", () => {
    const seed = { CLAUDE_USAGE_API_URL: 'http://django.lan:8000/', CLAUDE_USAGE_API_TOKEN: 'takt_seed' };
    const bare = mkdtempSync(join(tmpdir(), 'takt-access-bare-'));
    const home = join(bare, 'takt');
    expect(resolveServerAccess({ env: { HOME: bare, ...seed }, home })).toEqual({
      from: 'CLAUDE_USAGE_API_URL',
      server: 'http://django.lan:8000',
      token: 'takt_seed',
    });
    // The seed's URL of its Django app names the same server.
    expect(
      resolveServerAccess({
        env: { HOME: bare, ...seed, CLAUDE_USAGE_API_URL: 'http://django.lan:8000/app/claude-usage/' },
        home,
      })?.server,
    ).toBe('http://django.lan:8000');
    // Lowest precedence: telemetry settings, client.json and TAKT_* all come first.
    expect(resolveServerAccess({ env: { HOME: dir, ...seed }, home: join(dir, 'takt') })?.from).toBe(
      'telemetry settings',
    );
    expect(
      resolveServerAccess({ env: { HOME: bare, ...seed, TAKT_SERVER: 'http://env:2', TAKT_TOKEN: 't' }, home })?.from,
    ).toBe('environment');
    // A URL without its token is not access.
    expect(
      resolveServerAccess({ env: { HOME: bare, CLAUDE_USAGE_API_URL: 'http://django.lan:8000' }, home }),
    ).toBeUndefined();
    rmSync(bare, { recursive: true, force: true });
  });
});
