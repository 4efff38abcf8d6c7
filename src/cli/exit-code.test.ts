import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { TaktError } from '../lib/errors.ts';
import { runCommand } from './exit-code.ts';

describe('runCommand maps every expected failure to one exit code and one message', () => {
  const written: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  afterEach(() => {
    written.length = 0;
  });
  const fail = (error: unknown) => () => Promise.reject(error);

  it('by error code, a bad setting and a bad option', async () => {
    const codes = [
      await runCommand('x', fail(new TaktError('bad_request', 'no'))),
      await runCommand('x', fail(new TaktError('conflict', 'no'))),
      await runCommand('x', fail(new TaktError('unavailable', 'away'))),
      await runCommand('x', fail(new TaktError('rate_limited', 'later'))),
      await runCommand('x', fail(new TaktError('unauthenticated', 'who'))),
      await runCommand('x', fail(new TaktError('forbidden', 'not you'))),
      await runCommand('x', fail(new TaktError('internal', 'oops'))),
      await runCommand('x', fail(new ConfigError('TAKT_HTTP_PORT must be a port'))),
      await runCommand('x', async () => {
        parseArgs({ args: ['--nope'], options: {} });
        return 0;
      }),
      await runCommand('x', async () => 0),
    ];
    expect(codes).toEqual([2, 2, 3, 3, 4, 4, 1, 2, 2, 0]);
    expect(written.slice(0, 3)).toEqual(['takt x: no\n', 'takt x: no\n', 'takt x: away\n']);
    expect(written[7]).toBe('TAKT_HTTP_PORT must be a port\n');
    expect(written[8]).toBe("takt x: unknown option '--nope'; see `takt x --help`\n");
  });

  it('lets a bug through to the entry point', async () => {
    await expect(runCommand('x', fail(new RangeError('bug')))).rejects.toThrow('bug');
  });
});
