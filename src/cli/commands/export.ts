import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { defaultHome } from '../../config/takt-home.ts';
import { TaktError } from '../../lib/errors.ts';
import { downloadFromServer } from '../../lib/server-client.ts';
import { type CommandSpec, helpOf, parseCommand, serverFlags } from '../command-spec.ts';
import { serverAccessFrom } from '../server-flags.ts';

const spec: CommandSpec = {
  name: 'export',
  usage: '[--format csv|jsonl] [--from ISO --to ISO] [--level request|session|day] [--tz TZ] [--output PATH] [options]',
  about: `Downloads your usage from the takt server (GET /api/export), counted once as the
dashboard counts it: one row per request, session or day with time, account, machine,
session, model, the four token types, cost_usd, list_cost_usd and source. CSV (RFC 4180,
a header row) or JSON Lines; streamed, so a year of requests takes little memory.
Without --from and --to: the current month. An admin adds --scope team for everyone.
Written to standard output, or to --output PATH (replaced only when the download is complete).`,
  shared: [...serverFlags, 'help'],
  flags: {
    format: { type: 'string', value: 'FORMAT', help: 'csv (default) or jsonl' },
    from: { type: 'string', value: 'ISO', help: 'start, an ISO 8601 time such as 2026-11-01T00:00:00Z' },
    to: { type: 'string', value: 'ISO', help: 'end (exclusive), an ISO 8601 time' },
    level: { type: 'string', value: 'LEVEL', help: 'request (default), session or day' },
    tz: { type: 'string', value: 'TZ', help: 'IANA time zone for days and the default month (default UTC)' },
    scope: { type: 'string', value: 'SCOPE', help: 'me (default) or team (admins: every user, with a user column)' },
    output: { type: 'string', short: 'o', value: 'PATH', help: 'write here instead of standard output' },
  },
};

export async function run(args: string[]): Promise<number> {
  const { values } = parseCommand(spec, args);
  if (values.help) {
    process.stdout.write(helpOf(spec));
    return 0;
  }
  const env = process.env;
  const access = await serverAccessFrom(values, { env, home: defaultHome(env) });
  if (!access) {
    throw new TaktError(
      'unauthenticated',
      'no server configured: run takt setup, or pass --server URL with --token-file PATH',
    );
  }
  // The server checks every parameter and says what to fix (400 → exit 2).
  const query = new URLSearchParams();
  for (const name of ['format', 'from', 'to', 'level', 'tz', 'scope'] as const) {
    const v = values[name];
    if (typeof v === 'string') query.set(name, v);
  }
  const path = `/api/export${query.size > 0 ? `?${query}` : ''}`;
  const output = typeof values.output === 'string' ? values.output : undefined;
  if (output === undefined) {
    await downloadFromServer({ server: access.server, path, token: access.token }, process.stdout);
    return 0;
  }
  const partial = `${output}.partial`;
  const file = createWriteStream(partial, { mode: 0o600 });
  try {
    await downloadFromServer({ server: access.server, path, token: access.token }, file);
    file.end();
    await finished(file);
    renameSync(partial, output);
  } catch (error) {
    file.destroy();
    rmSync(partial, { force: true });
    throw error;
  }
  process.stderr.write(`takt export: wrote ${output}\n`);
  return 0;
}
