import { ConfigError } from '../config/config-error.ts';
import { type ErrorCode, isTaktError } from '../lib/errors.ts';
import { ServerAway } from '../lib/server-client.ts';
import { usageErrorLine } from './command-errors.ts';

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
    const usage = usageErrorLine(name, error);
    if (usage !== undefined) {
      process.stderr.write(usage);
      return EXIT_USAGE;
    }
    if (error instanceof ServerAway && error.message.startsWith('cannot reach')) {
      process.stderr.write(`takt ${name}: ${error.message}: check the URL and that takt serve is running\n`);
      return EXIT_UNAVAILABLE;
    }
    if (isTaktError(error)) {
      process.stderr.write(`takt ${name}: ${inTerminalWords(error.message)}\n`);
      return exitCodeOf(error.code);
    }
    throw error;
  }
}

/**
 * The server's refusal of a token says what a browser user does ("sign in again or create a
 * new token"); on a terminal the way to a new token is takt setup, or another token's file.
 */
function inTerminalWords(message: string): string {
  return message.replace(
    'sign in again or create a new token',
    'get a new token: run takt setup again on this machine (takt setup --local on a one-person server), or pass a working one with --token-file PATH',
  );
}
