import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { resolveServerAccess, type ServerAccess } from '../install/server-access.ts';
import { TaktError } from '../lib/errors.ts';
import { type CommandName, commandSummaries } from './command-list.ts';
import { readFirstLineOfStdin } from './read-secret.ts';

/**
 * A command's flags, declared once with their help line; the flags several commands share
 * are declared here, and each command's `--help` is generated from its declaration.
 */
export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in help (`--server URL`). */
  value?: string;
  help: string;
}

export const sharedFlags = {
  server: {
    type: 'string',
    value: 'URL',
    help: 'the takt server (default: the one takt setup or takt hooks install saved)',
  },
  token: {
    type: 'string',
    value: 'T',
    help: 'your API token (other programs can see it in ps: prefer --token-file or --token-stdin)',
  },
  'token-file': { type: 'string', value: 'PATH', help: 'read the token from a file (first line)' },
  'token-stdin': { type: 'boolean', help: 'read the token from standard input (first line); also --token -' },
  settings: { type: 'string', value: 'PATH', help: "Claude Code's settings.json (default ~/.claude/settings.json)" },
  json: { type: 'boolean', help: 'print JSON instead of text' },
  timezone: { type: 'string', value: 'TZ', help: "IANA time zone for days and weeks (default: this machine's)" },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies Record<string, Flag>;

export type SharedFlag = keyof typeof sharedFlags;

/** The flags for reaching a server, in the order help lists them. */
export const serverFlags = ['server', 'token', 'token-file', 'token-stdin', 'settings'] as const;

export interface CommandSpec {
  name: CommandName;
  /** What follows `takt <name>` in the usage line. */
  usage: string;
  /** Paragraphs after the summary, in the user's words. */
  about?: string;
  shared: readonly SharedFlag[];
  flags: Record<string, Flag>;
}

export function helpOf(spec: CommandSpec): string {
  const all: [string, Flag][] = [
    ...Object.entries(spec.flags),
    ...spec.shared.map((s) => [s, sharedFlags[s]] as [string, Flag]),
  ];
  const left = (name: string, f: Flag) => `--${name}${f.value ? ` ${f.value}` : ''}${f.short ? `, -${f.short}` : ''}`;
  const width = Math.min(28, Math.max(...all.map(([n, f]) => left(n, f).length)) + 2);
  const lines = all.map(([n, f]) => {
    const l = left(n, f);
    return l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${f.help}` : `  ${l.padEnd(width)}${f.help}`;
  });
  return `takt ${spec.name} ${spec.usage}

${commandSummaries[spec.name]}.
${spec.about ? `\n${spec.about.trim()}\n` : ''}
Options:
${lines.join('\n')}
`;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Parses strictly: an unknown option or a missing value is a usage error (exit 2) naming it. */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
  o: { positionals?: boolean } = {},
): { values: Values; positionals: string[] } {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, f] of [...Object.entries(spec.flags), ...spec.shared.map((s) => [s, sharedFlags[s]] as const)]) {
    options[name] = {
      type: f.type,
      ...('short' in f && f.short ? { short: f.short } : {}),
      ...('multiple' in f && f.multiple ? { multiple: true } : {}),
    };
  }
  const { values, positionals } = parseArgs({ args, options, allowPositionals: o.positionals ?? false, strict: true });
  return { values: values as Values, positionals };
}

/** The token from --token, --token-file, --token-stdin (or `--token -`); undefined when none was given. */
export async function tokenFromFlags(values: Values): Promise<string | undefined> {
  const file = values['token-file'];
  if (typeof file === 'string') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new TaktError(
        'bad_request',
        `--token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}: check the path`,
      );
    }
    const token = (text.split(/\r?\n/)[0] ?? '').trim();
    if (!token) throw new TaktError('bad_request', `--token-file ${file} is empty: put the token on its first line`);
    return token;
  }
  if (values['token-stdin'] === true || values.token === '-') {
    const token = await readFirstLineOfStdin();
    if (!token)
      throw new TaktError(
        'bad_request',
        'no token on standard input: pipe it in, e.g. takt … --token-stdin < token.txt',
      );
    return token;
  }
  return typeof values.token === 'string' ? values.token : undefined;
}

/** Server and token from the shared flags, through resolveServerAccess (the only way to find them). */
export async function serverAccessFrom(
  values: Values,
  q: { env: NodeJS.ProcessEnv; home: string },
): Promise<ServerAccess | undefined> {
  const token = await tokenFromFlags(values);
  return resolveServerAccess({
    flags: { server: typeof values.server === 'string' ? values.server : undefined, token },
    env: q.env,
    home: q.home,
    ...(typeof values.settings === 'string' ? { settingsPath: values.settings } : {}),
  });
}
