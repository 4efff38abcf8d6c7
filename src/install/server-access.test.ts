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
});
