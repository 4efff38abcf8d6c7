import { type ParseArgsConfig, parseArgs } from 'node:util';
import { argumentProblem, isArgumentError, UsageError } from './command-errors.ts';
import { type CommandName, commandSummaries } from './command-list.ts';

/**
 * A command's flags, declared once with their help line; the flags several commands share
 * are declared here, and each command's `--help` is generated from its declaration. This
 * module imports nothing heavy: the bundled status line and report use it too.
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
    help: 'the takt server (default: TAKT_SERVER, else the one takt setup or takt hooks install saved)',
  },
  token: {
    type: 'string',
    value: 'T',
    help: 'your API token (default: TAKT_TOKEN, else the saved one). A token on the command line is visible to every user of this machine in ps: prefer --token-file or --token-stdin',
  },
  'token-file': {
    type: 'string',
    value: 'PATH',
    help: 'read the token from the first line of a file (keep it mode 0600)',
  },
  'token-stdin': { type: 'boolean', help: 'read the token from the first line of standard input (also: --token -)' },
  settings: { type: 'string', value: 'PATH', help: "Claude Code's settings.json (default ~/.claude/settings.json)" },
  json: { type: 'boolean', help: 'print JSON instead of text' },
  timezone: { type: 'string', value: 'TZ', help: "IANA time zone for days and weeks (default: this machine's)" },
  dir: {
    type: 'string',
    multiple: true,
    value: 'PATH',
    help: 'read Claude Code transcripts here instead of the default places (repeatable)',
  },
  home: { type: 'string', value: 'DIR', help: "takt's data folder (default TAKT_HOME, else ~/.takt)" },
  'database-url': {
    type: 'string',
    value: 'URL',
    help: 'the database: sqlite:/path/takt.db or postgres://… (default TAKT_DATABASE_URL, else takt.db in the data folder)',
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const satisfies Record<string, Flag>;

export type SharedFlag = keyof typeof sharedFlags;

/** The flags for reaching a server, in the order help lists them. */
export const serverFlags = ['server', 'token', 'token-file', 'token-stdin', 'settings'] as const;
/** The flags of commands that work on the server's own store, on the server's machine. */
export const storeFlags = ['home', 'database-url'] as const;

export interface CommandSpec {
  name: CommandName;
  /** A subcommand with its own help (`admin webhooks`): its words and its one line. */
  sub?: { words: string; summary: string };
  /** What follows `takt <name>` in the usage line; one entry per line (subcommands). */
  usage: string | readonly string[];
  /** Paragraphs after the summary, in the user's words. */
  about?: string;
  shared: readonly SharedFlag[];
  flags: Record<string, Flag>;
}

function flagsOf(spec: CommandSpec): [string, Flag][] {
  return [...Object.entries(spec.flags), ...spec.shared.map((s) => [s, sharedFlags[s]] as [string, Flag])];
}

export function helpOf(spec: CommandSpec): string {
  const all = flagsOf(spec);
  const left = (name: string, f: Flag) => `--${name}${f.value ? ` ${f.value}` : ''}${f.short ? `, -${f.short}` : ''}`;
  const width = Math.min(28, Math.max(...all.map(([n, f]) => left(n, f).length)) + 2);
  const indent = ' '.repeat(width + 2);
  const lines = all.map(([n, f]) => {
    const l = left(n, f);
    const text = wrap(f.help, HELP_WIDTH - width - 2).join(`\n${indent}`);
    return l.length + 2 > width ? `  ${l}\n${indent}${text}` : `  ${l.padEnd(width)}${text}`;
  });
  const words = spec.sub ? `${spec.name} ${spec.sub.words}` : spec.name;
  const usage = (typeof spec.usage === 'string' ? [spec.usage] : spec.usage).map((u) => `takt ${words} ${u}`);
  return `${usage.join('\n')}

${spec.sub?.summary ?? commandSummaries[spec.name]}.
${spec.about ? `\n${spec.about.trim()}\n` : ''}
Options:
${lines.join('\n')}
`;
}

const HELP_WIDTH = 100;

/** Words into lines of at most `width` characters (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Parses strictly: an unknown option or a missing value is a usage error (exit 2) naming it. */
export function parseCommand(
  spec: CommandSpec,
  args: string[],
  o: { positionals?: boolean } = {},
): { values: FlagValues; positionals: string[] } {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, f] of flagsOf(spec)) {
    options[name] = {
      type: f.type,
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: o.positionals ?? false, strict: true });
  } catch (error) {
    if (isArgumentError(error)) throw new UsageError(argumentProblem(error), commandWords(spec));
    throw error;
  }
  const { values, positionals } = parsed;
  return { values: values as FlagValues, positionals };
}

/**
 * The subcommand word of `takt <name> <sub> …`: `help` for --help/-h, a usage error
 * (exit 2) naming an unknown or missing one.
 */
export function subcommandOf<S extends string>(
  spec: CommandSpec,
  args: string[],
  known: readonly S[],
  fallback?: S,
): { sub: S | 'help'; rest: string[] } {
  const [first, ...rest] = args;
  if (first === '--help' || first === '-h') return { sub: 'help', rest };
  if (first === undefined || first.startsWith('-')) {
    if (fallback !== undefined) return { sub: fallback, rest: args };
    throw new UsageError(`name a subcommand: ${known.join(', ').replace(/, ([^,]+)$/, ' or $1')}`, commandWords(spec));
  }
  if (!(known as readonly string[]).includes(first))
    throw new UsageError(`unknown subcommand '${first}'`, commandWords(spec));
  return { sub: first as S, rest };
}

/** `watch`, `admin webhooks`: what follows takt in messages. */
const commandWords = (spec: CommandSpec) => (spec.sub ? `${spec.name} ${spec.sub.words}` : spec.name);

/** The value of a string flag, or undefined. */
export const stringFlag = (values: FlagValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};
