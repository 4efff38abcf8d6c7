import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as exitCodes from '../src/cli/exit-code.ts';
import { errorCodes } from '../src/lib/errors.ts';

/** docs/cli.md's table of exit codes is true to src/cli/exit-code.ts, both ways. */
const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'cli.md'), 'utf8');

it('lists every EXIT_ constant with its value, and nothing else', () => {
  const table = [...doc.matchAll(/^\| (\d+) \| `(EXIT_[A-Z]+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
  const code = Object.entries(exitCodes).filter(([name]) => name.startsWith('EXIT_'));
  expect(Object.fromEntries(table)).toEqual(Object.fromEntries(code));
  expect(table).toHaveLength(code.length);
});

it('maps each error code to the exit code the text says', () => {
  const said = new Map<string, number>();
  const paragraph = doc.slice(doc.indexOf('Errors from the server map'));
  for (const m of paragraph.matchAll(/((?:`[a-z_]+`(?:,\s+|\s+and\s+)?)+) → (\d)/g)) {
    for (const name of (m[1] ?? '').matchAll(/`([a-z_]+)`/g)) said.set(name[1] ?? '', Number(m[2]));
  }
  expect(Object.fromEntries(said)).toEqual(Object.fromEntries(errorCodes.map((c) => [c, exitCodes.exitCodeOf(c)])));
});
