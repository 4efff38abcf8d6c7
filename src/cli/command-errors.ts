/**
 * A bad command line, said in one line and exit 2. Kept free of imports so that the
 * bundled fast commands (statusline, report) can use it without loading the rest.
 */

/** A command line the command cannot take: printed as "takt <command>: <message>; see `takt <command> --help`". */
export class UsageError extends Error {
  /** The command whose help applies, when it is not the top-level one (`admin webhooks`). */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Node's parseArgs rejects unknown or malformed options with these codes. */
export function isArgumentError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Node's message in one short line: "unknown option '--x'", "option '--server' needs a value", … */
export function argumentProblem(error: Error): string {
  const named = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${named}'`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${named}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return `option '${named.split(' ')[0]}' ${/argument missing/.test(error.message) ? 'needs a value' : 'takes no value'}`;
  return (error.message.split('. ')[0] ?? error.message).replace(/\.$/, '');
}

/** The one line for a bad command line, or undefined when the error is something else. */
export function usageErrorLine(name: string, error: unknown): string | undefined {
  if (error instanceof UsageError) {
    const command = error.command ?? name;
    return `takt ${command}: ${error.message}; see \`takt ${command} --help\`\n`;
  }
  if (isArgumentError(error)) return `takt ${name}: ${argumentProblem(error)}; see \`takt ${name} --help\`\n`;
  return undefined;
}

/** For the bundled commands, which do not pass through runCommand: a bad command line is one line and exit 2. */
export async function withUsageErrors(name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const line = usageErrorLine(name, error);
    if (line === undefined) throw error;
    process.stderr.write(line);
    return 2;
  }
}
