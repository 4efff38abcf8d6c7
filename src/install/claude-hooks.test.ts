import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookStateIn, installHooks, uninstallHooks } from './claude-hooks.ts';

const TAKT = '/usr/bin/node /opt/takt/dist/takt.cjs';
const hook = {
  matcher: 'rate_limit',
  hooks: [
    { type: 'command', command: '(/usr/bin/node /opt/takt/dist/takt.cjs hooks stop-failure <&3 &) 3<&0', timeout: 10 },
  ],
};
const statusLine = { type: 'command', command: '/usr/bin/node /opt/takt/dist/takt.cjs statusline', padding: 0 };

let dir: string;
let home: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'takt-hooks-'));
  home = join(dir, 'takt-home');
  path = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = () => JSON.parse(readFileSync(path, 'utf8')) as unknown;
const backups = () => readdirSync(dir).filter((f) => f.startsWith('settings.json.takt-backup-'));

describe('takt hooks install / uninstall on settings.json', () => {
  it('adds the StopFailure hook and the status line, keeps every other key, backs the file up', () => {
    const before = {
      env: { OTEL_LOGS_EXPORTER: 'otlp', MY_VAR: 'x' },
      model: 'opus',
      hooks: { PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'audit.sh' }] }] },
    };
    writeFileSync(path, JSON.stringify(before));
    const r = installHooks(path, home, TAKT);
    expect(r).toMatchObject({ hook: 'added', status_line: 'added' });
    expect(read()).toEqual({ ...before, hooks: { ...before.hooks, StopFailure: [hook] }, statusLine });
    expect(backups()).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, backups()[0] as string), 'utf8'))).toEqual(before);
  });

  it('uninstall removes exactly what install added', () => {
    const before = {
      env: { A: '1' },
      hooks: { StopFailure: [{ hooks: [{ type: 'command', command: 'notify-me.sh' }] }] },
    };
    writeFileSync(path, JSON.stringify(before));
    installHooks(path, home, TAKT);
    const r = uninstallHooks(path, home);
    expect(r).toMatchObject({ removed_hooks: 1, removed_status_line: true });
    expect(read()).toEqual(before);
    expect(backups()).toHaveLength(2);
  });

  it('on a file with no hooks, uninstall leaves it as it was (the keys install created go too)', () => {
    writeFileSync(path, JSON.stringify({ theme: 'dark' }));
    installHooks(path, home, TAKT);
    uninstallHooks(path, home);
    expect(read()).toEqual({ theme: 'dark' });
  });

  it('keeps a status line the user set, and uninstall does not remove it', () => {
    const mine = { type: 'command', command: '~/.claude/statusline.sh' };
    writeFileSync(path, JSON.stringify({ statusLine: mine }));
    expect(installHooks(path, home, TAKT)).toMatchObject({ hook: 'added', status_line: 'kept_yours' });
    expect(read()).toEqual({ statusLine: mine, hooks: { StopFailure: [hook] } });
    uninstallHooks(path, home);
    expect(read()).toEqual({ statusLine: mine });
  });

  it('a second install changes nothing and stacks no second hook', () => {
    writeFileSync(path, '{}');
    installHooks(path, home, TAKT);
    const again = installHooks(path, home, TAKT);
    expect(again).toEqual({ path, backup: undefined, hook: 'kept', status_line: 'kept' });
    expect(read()).toEqual({ hooks: { StopFailure: [hook] }, statusLine });
    expect(backups()).toHaveLength(1);
  });

  it('an install from another takt path replaces the old hook', () => {
    writeFileSync(path, '{}');
    installHooks(path, home, '/old/node /old/takt.cjs');
    expect(installHooks(path, home, TAKT, { statusLine: false })).toMatchObject({ hook: 'replaced' });
    expect((read() as { hooks: unknown }).hooks).toEqual({ StopFailure: [hook] });
  });

  it("replaces an older takt's bare hook command (not detached) and uninstall removes either form", () => {
    const bare = {
      matcher: 'rate_limit',
      hooks: [{ type: 'command', command: `${TAKT} hooks stop-failure`, timeout: 10 }],
    };
    writeFileSync(path, JSON.stringify({ hooks: { StopFailure: [bare] } }));
    expect(installHooks(path, home, TAKT, { statusLine: false })).toMatchObject({ hook: 'replaced' });
    expect((read() as { hooks: unknown }).hooks).toEqual({ StopFailure: [hook] });
    writeFileSync(path, JSON.stringify({ hooks: { StopFailure: [bare] } }));
    expect(uninstallHooks(path, home)).toMatchObject({ removed_hooks: 1 });
  });

  it('tells a current hook from an older bare one and from none', () => {
    expect(hookStateIn(path)).toBe('absent');
    writeFileSync(
      path,
      JSON.stringify({
        hooks: {
          StopFailure: [{ matcher: 'rate_limit', hooks: [{ type: 'command', command: `${TAKT} hooks stop-failure` }] }],
        },
      }),
    );
    expect(hookStateIn(path)).toBe('outdated');
    installHooks(path, home, TAKT, { statusLine: false });
    expect(hookStateIn(path)).toBe('current');
    writeFileSync(path, '{ not json');
    expect(hookStateIn(path)).toBe('absent');
  });

  it('refuses a settings file that is not JSON and changes nothing', () => {
    writeFileSync(path, '{ not json');
    expect(() => installHooks(path, home, TAKT)).toThrow(/is not valid JSON/);
    expect(readFileSync(path, 'utf8')).toBe('{ not json');
    expect(backups()).toEqual([]);
  });
});
