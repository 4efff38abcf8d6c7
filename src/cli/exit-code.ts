import { ConfigError } from '../config/config-error.ts';
import { type ErrorCode, isTaktError } from '../lib/errors.ts';
import { ServerAway } from '../lib/server-client.ts';

/**
 * The CLI's mapping of the closed error set to exit codes (the HTTP and gRPC mappings are
 * server/http-errors.ts and ingest/grpc-status.ts). Documented in the README:
 * 0 done; 1 failed (or, for `takt validate`, "not tracking"); 2 bad usage or bad input;
 * 3 the server or a resource is unavailable, try again later; 4 not signed in or not allowed.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNAVAILABLE = 3;
export const EXIT_AUTH = 4;

export function exitCodeOf(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'not_found':
    case 'conflict':
    case 'payload_too_large':
    case 'unsupported_media_type':
    case 'unprocessable':
      return EXIT_USAGE;
    case 'unavailable':
    case 'rate_limited':
      return EXIT_UNAVAILABLE;
    case 'unauthenticated':
    case 'forbidden':
      return EXIT_AUTH;
    case 'internal':
      return EXIT_FAILED;
    default:
      return code satisfies never;
  }
}

/** Node's parseArgs rejects unknown or malformed options with these codes. */
function isArgumentError(error: unknown): error is Error {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

/** Node's message in one short line: "unknown option '--x'", "option '--server' needs a value", … */
function argumentProblem(error: Error): string {
  const named = /'([^']+)'/.exec(error.message)?.[1] ?? '';
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${named}'`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument '${named}'`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return `option '${named.split(' ')[0]}' ${/argument missing/.test(error.message) ? 'needs a value' : 'takes no value'}`;
  return (error.message.split('. ')[0] ?? error.message).replace(/\.$/, '');
}

/**
 * Runs a command and turns an expected failure into its message on stderr and its exit
 * code, once for every command: a TaktError by its code, an invalid setting (ConfigError,
 * which names the setting) and a bad option as usage errors. Anything else is a bug and
 * is rethrown for the entry point to report.
 */
export async function runCommand(name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_USAGE;
    }
    if (isArgumentError(error)) {
      process.stderr.write(`takt ${name}: ${argumentProblem(error)}; see \`takt ${name} --help\`\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ServerAway && error.message.startsWith('cannot reach')) {
      process.stderr.write(`takt ${name}: ${error.message}: check the URL and that takt serve is running\n`);
      return EXIT_UNAVAILABLE;
    }
    if (isTaktError(error)) {
      process.stderr.write(`takt ${name}: ${error.message}\n`);
      return exitCodeOf(error.code);
    }
    throw error;
  }
}
